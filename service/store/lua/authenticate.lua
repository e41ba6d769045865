-- Authenticate an account and, in the same atomic step, record a new reauth token and write
-- the new session.
--
-- mode "link":     a sign-in token from the emailed link; success uses up every outstanding
--                  link and code of the address, so two concurrent uses of one token give
--                  exactly one session.
-- mode "code":     the short code typed from the email: like "link", but wrong guesses are
--                  counted against the pending codes (the account's field WRONG, dropped with
--                  them); at $MAX_WRONG_CODES every pending code is burnt (the links keep
--                  working: their 192 random bits cannot be guessed through codes). With no
--                  code pending, a guess writes nothing at all.
-- mode "reauth":   a reauth token. It is not used up: the newest $MAX_REAUTH_TOKENS stay good,
--                  so a token works through that many rotations (Bridge's ROTATIONS), and an
--                  app that crashed before storing the new one still gets in.
-- mode "password": the caller has verified the password; only the account state is checked.
--
-- Pending links and codes are fields of the account hash (see issue_sign_in_token.lua):
-- LINK .. hash and CODE .. hash -> expiry (ms), hash being the first HASH_CHARS characters of
-- the secret's keyed hash. Links and codes of the layout before (sorted sets of their own) are
-- still accepted until they expire, in a second call: a link or code that is not pending in
-- the account answers "miss" and writes nothing, and the caller runs the script again with the
-- two sets as KEYS[4] and KEYS[5]; only that call counts a wrong code. Every sign-in by a
-- wrong secret thus takes two calls, whether the address has an account or not, and a right
-- one (all of them, one token TTL after the upgrade) one.
--
-- One session per participant, as in Bridge. Every mode but "reauth" ends the account's earlier
-- sessions (the session generation moves on) and reauth tokens, and seeds a new session
-- (sseed: what the session token is made from; sx: when that session ends, ms), whose record
-- this script writes at KEYS[3] (a key in this slot: service/store/sessions.py). "reauth"
-- keeps the live session, if there is one, and hands back its seed (writing no session);
-- otherwise it seeds and writes a new one. The participant's languages are recorded when they
-- have none yet. Every mode but "reauth" counts a sign-in (signins) and records its time
-- (lastsignin, ms).
--
-- A link or code proves the address. A password chosen before that by whoever signed up
-- (pwu = 1: "password unproven") is dropped then, so an outsider who signed up with somebody
-- else's address cannot use their password once the owner has signed in.
--
-- KEYS[1] account hash   KEYS[2] reauth token set   KEYS[3] the new session's key
-- (second call only:) KEYS[4] link set   KEYS[5] code set
-- ARGV[1] what the call is about, in one argument (redis-py spends some 8,000 instructions on
--         each argument it sends; callgrind), separated by single spaces: the mode, the new
--         reauth token's hash ('-' for none), the reauth ttl (ms), the new session's seed, the
--         session ttl (ms), the languages (comma-separated, '-' for none), and the session
--         record's start ("study tag", one space between; the script appends " id generation")
-- ARGV[2..] hashes of the presented secret, one per key
-- Returns {"invalid"} | {"miss"} | {"disabled"} | {"ok", expiry, field, value, ...}: the
-- expiry (ms) of the sign-in link or code used ('' for reauth and password), then the
-- account's fields (its pending links and codes left out)

local LINK, CODE, HASH_CHARS = '$PENDING_LINK', '$PENDING_CODE', $PENDING_HASH_CHARS
local WRONG = '$WRONG_CODES_FIELD'
local FIRST_SECRET = 2
-- (The pattern's end anchor is written twice: the source is a string.Template, see scripts.py.)
local mode, reauth_hash, reauth_ttl, seed, session_ttl, languages, session_record =
  string.match(ARGV[1], '^(%S+) (%S+) (%d+) (%S+) (%d+) (%S+) (%S+ %S+)$$')
if not mode then return redis.error_reply('malformed ARGV[1]') end
local second_call = #KEYS == 5
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- One read of the whole account (a small hash): the state, the pending links and codes, and
-- the reply. Each call costs the server time, and this runs on every sign-in.
local flat = redis.call('HGETALL', KEYS[1])
local account = {}
for i = 1, #flat, 2 do account[flat[i]] = flat[i + 1] end

-- The fields of the account's pending links or codes (by prefix), and their latest expiry.
local function pending(prefix)
  local found, latest = {}, 0
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, #prefix) == prefix then
      found[#found + 1] = flat[i]
      latest = math.max(latest, tonumber(flat[i + 1]))
    end
  end
  return found, latest
end

-- The expiry of the presented secret in a sorted set, or false when it is not there or expired.
local function find_in(set_key)
  for i = FIRST_SECRET, #ARGV do
    local expiry = redis.call('ZSCORE', set_key, ARGV[i])
    if expiry and tonumber(expiry) > now then return expiry end
  end
  return false
end

-- The expiry of the presented secret among the account's pending ones of a kind, or false.
local function find(prefix)
  for i = FIRST_SECRET, #ARGV do
    local expiry = account[prefix .. string.sub(ARGV[i], 1, HASH_CHARS)]
    if expiry and tonumber(expiry) > now then return expiry end
  end
  return false
end

-- Every pending link and code of the given kinds, used up together (or burnt), and the count
-- of wrong codes against them.
local function remove_pending(prefixes)
  local gone = {}
  if account[WRONG] then
    gone[1] = WRONG
    account[WRONG] = nil
  end
  for _, prefix in ipairs(prefixes) do
    for _, field in ipairs((pending(prefix))) do
      gone[#gone + 1] = field
      account[field] = nil
    end
  end
  if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
end

local used_link = ''

if mode == 'code' then
  used_link = find(CODE) or (second_call and find_in(KEYS[5]))
  if not used_link then
    if not second_call then return {'miss'} end
    local _, latest_code = pending(CODE)
    local legacy = redis.call('ZRANGE', KEYS[5], 0, 0, 'REV', 'WITHSCORES')
    if legacy[2] then latest_code = math.max(latest_code, tonumber(legacy[2])) end
    -- No code pending (nor an account to count in): nothing to count.
    if latest_code <= now or not account['id'] then return {'invalid'} end
    if redis.call('HINCRBY', KEYS[1], WRONG, 1) >= $MAX_WRONG_CODES then
      account[WRONG] = 'burnt'
      remove_pending({CODE})
      redis.call('DEL', KEYS[5])
    end
    return {'invalid'}
  end
elseif mode == 'link' then
  used_link = find(LINK) or (second_call and find_in(KEYS[4]))
  if not used_link then return {second_call and 'invalid' or 'miss'} end
elseif mode == 'reauth' then
  if not find_in(KEYS[2]) then return {'invalid'} end
elseif mode ~= 'password' then
  return redis.error_reply('unknown mode ' .. tostring(mode))
end

if used_link ~= '' then
  remove_pending({LINK, CODE})
  if second_call then redis.call('DEL', KEYS[4], KEYS[5]) end
end

if not account['status'] then return {'invalid'} end
if account['status'] ~= 'enabled' then return {'disabled'} end

-- One write of what changes.
local changes = {}
local function set(field, value)
  changes[#changes + 1] = field
  changes[#changes + 1] = value
  account[field] = value
end
if used_link ~= '' then
  set('verified', '1')
  if account['pwu'] == '1' then
    set('pw', '')
    set('pwu', '0')
  end
end
if not (mode == 'reauth' and tonumber(account['sx'] or '0') > now) then
  if mode ~= 'reauth' then
    set('gen', tostring((tonumber(account['gen']) or 0) + 1))
    redis.call('DEL', KEYS[2])
  end
  set('sseed', seed)
  set('sx', string.format('%d', now + tonumber(session_ttl)))
  redis.call('SET', KEYS[3], session_record .. ' ' .. account['id'] .. ' ' .. (account['gen'] or '0'),
    'PX', session_ttl)
end
if languages ~= '-' and (account['lang'] or '') == '' then set('lang', languages) end
if mode ~= 'reauth' then  -- a reauthentication continues a sign-in: not counted
  set('signins', tostring((tonumber(account['signins']) or 0) + 1))
  set('lastsignin', string.format('%d', now))
end
if #changes > 0 then redis.call('HSET', KEYS[1], unpack(changes)) end

if reauth_hash ~= '-' then
  -- Any mode but "reauth" emptied the set above: nothing expired or in surplus to drop.
  if mode == 'reauth' then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
  redis.call('ZADD', KEYS[2], now + tonumber(reauth_ttl), reauth_hash)
  if mode == 'reauth' then
    local surplus = redis.call('ZCARD', KEYS[2]) - $MAX_REAUTH_TOKENS
    if surplus > 0 then redis.call('ZPOPMIN', KEYS[2], surplus) end
  end
  redis.call('PEXPIRE', KEYS[2], reauth_ttl)
end

-- The account as it is now, without its pending links and codes (token hashes stay here).
local reply = {'ok', used_link}
for field, value in pairs(account) do
  local prefix = string.sub(field, 1, #LINK)  -- both prefixes are as long
  if prefix ~= LINK and prefix ~= CODE then
    reply[#reply + 1] = field
    reply[#reply + 1] = value
  end
end
return reply
