-- Authenticate an account and, in the same atomic step, record a new reauth token.
--
-- mode "link":     a sign-in token from the emailed link; success uses up every outstanding
--                  link and code of the address, so two concurrent uses of one token give
--                  exactly one session.
-- mode "code":     the short code typed from the email: like "link", but wrong guesses are
--                  counted against the pending codes; at $MAX_WRONG_CODES every pending code is
--                  burnt (the links keep working: their 192 random bits cannot be guessed
--                  through codes). With no code pending, a guess writes nothing at all.
-- mode "reauth":   a reauth token. It is not used up: the newest $MAX_REAUTH_TOKENS stay good,
--                  so a token works through that many rotations (Bridge's ROTATIONS), and an
--                  app that crashed before storing the new one still gets in.
-- mode "password": the caller has verified the password; only the account state is checked.
--
-- One session per participant, as in Bridge. Every mode but "reauth" ends the account's earlier
-- sessions (the session generation moves on) and reauth tokens, and seeds a new session
-- (sseed: what the session token is made from; sx: when that session ends, ms). "reauth" keeps
-- the live session, if there is one, and hands back its seed; otherwise it seeds a new one.
-- The participant's languages are recorded when they have none yet. Every mode but "reauth"
-- counts a sign-in (signins) and records its time (lastsignin, ms): the count is read with the
-- HMGET and written with the HSET that run anyway, so it costs no command of its own.
--
-- A link or code proves the address. A password chosen before that by whoever signed up
-- (pwu = 1: "password unproven") is dropped then, so an outsider who signed up with somebody
-- else's address cannot use their password once the owner has signed in.
--
-- KEYS[1] account hash   KEYS[2] link set   KEYS[3] code set   KEYS[4] reauth token set
-- KEYS[5] wrong-code counter
-- ARGV[1] mode   ARGV[2] new reauth token hash ('' for none)   ARGV[3] reauth ttl (ms)
-- ARGV[4] new session seed   ARGV[5] session ttl (ms)   ARGV[6] languages ('' for none)
-- ARGV[7..] hashes of the presented secret, one per key
-- Returns {"invalid"} | {"disabled"} | {"ok", expiry, field, value, ...}: the expiry (ms) of
-- the sign-in link or code used ('' for reauth and password), then the account hash

local mode = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- The expiry of the presented secret in the set, or false when it is not there or expired.
local function find(set_key)
  for i = 7, #ARGV do
    local expiry = redis.call('ZSCORE', set_key, ARGV[i])
    if expiry and tonumber(expiry) > now then return expiry, ARGV[i] end
  end
  return false
end

local used_link = ''

if mode == 'code' then
  if redis.call('EXISTS', KEYS[3]) == 0 then return {'invalid'} end
  used_link = find(KEYS[3])
  if not used_link then
    local guesses = redis.call('INCR', KEYS[5])
    if guesses >= $MAX_WRONG_CODES then
      redis.call('DEL', KEYS[3], KEYS[5])
    else
      local latest = redis.call('ZRANGE', KEYS[3], 0, 0, 'REV', 'WITHSCORES')
      redis.call('PEXPIREAT', KEYS[5], latest[2])
    end
    return {'invalid'}
  end
elseif mode == 'link' then
  used_link = find(KEYS[2])
  if not used_link then return {'invalid'} end
elseif mode == 'reauth' then
  if not find(KEYS[4]) then return {'invalid'} end
elseif mode ~= 'password' then
  return redis.error_reply('unknown mode ' .. tostring(mode))
end

if used_link ~= '' then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[5])  -- every pending link and code, used up together
end

-- One read of what the rest depends on, and one write of what changes (this runs on every
-- sign-in; each call costs the server time).
local state = redis.call('HMGET', KEYS[1], 'status', 'pwu', 'sx', 'lang', 'signins')
if not state[1] then return {'invalid'} end
if state[1] ~= 'enabled' then return {'disabled'} end
local changes = {}
local function set(field, value)
  changes[#changes + 1] = field
  changes[#changes + 1] = value
end
if used_link ~= '' then
  set('verified', '1')
  if state[2] == '1' then
    set('pw', '')
    set('pwu', '0')
  end
end
if not (mode == 'reauth' and tonumber(state[3] or '0') > now) then
  if mode ~= 'reauth' then
    redis.call('HINCRBY', KEYS[1], 'gen', 1)
    redis.call('DEL', KEYS[4])
  end
  set('sseed', ARGV[4])
  set('sx', now + tonumber(ARGV[5]))
end
if ARGV[6] ~= '' and (state[4] or '') == '' then set('lang', ARGV[6]) end
if mode ~= 'reauth' then  -- a reauthentication continues a sign-in: not counted
  set('signins', (tonumber(state[5]) or 0) + 1)
  set('lastsignin', now)
end
if #changes > 0 then redis.call('HSET', KEYS[1], unpack(changes)) end

if ARGV[2] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[2])
  local surplus = redis.call('ZCARD', KEYS[4]) - $MAX_REAUTH_TOKENS
  if surplus > 0 then redis.call('ZPOPMIN', KEYS[4], surplus) end
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
end

local reply = redis.call('HGETALL', KEYS[1])
table.insert(reply, 1, used_link)
table.insert(reply, 1, 'ok')
return reply
