-- Authenticate an account and, in the same atomic step, record a new reauth token.
--
-- mode "link":     a sign-in token from the emailed link; success removes every outstanding
--                  token and code of the address, so two concurrent uses of one token give
--                  exactly one session.
-- mode "code":     the short code typed from the email: like "link", but wrong guesses are
--                  counted per address; at the limit every pending token and code is revoked,
--                  and codes stay refused until a sign-in succeeds (a new request does not
--                  grant fresh guesses).
-- mode "reauth":   a reauth token; each is single use.
-- mode "password": the caller has verified the password; only the account state is checked.
--
-- KEYS[1] account hash   KEYS[2] sign-in token set   KEYS[3] reauth token set
-- KEYS[4] wrong-code counter
-- ARGV[1] mode   ARGV[2] new reauth token hash ('' for none)   ARGV[3] reauth ttl (ms)
-- ARGV[4..] hashes of the presented secret, one per key
-- Constants: $MAX_REAUTH_TOKENS reauth tokens kept, $MAX_WRONG_CODES wrong codes allowed,
-- remembered for $WRONG_CODES_KEPT_MS ms
-- Returns {"invalid"} | {"disabled"} | {"ok", expiry, field, value, ...}: the expiry (ms) of
-- the sign-in link or code used ('' for reauth and password), then the account hash

local mode = ARGV[1]
local max_guesses = $MAX_WRONG_CODES
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- The expiry of the presented secret, consumed; false when it is not there or expired.
local function take(set_key, consume_all)
  for i = 4, #ARGV do
    local expiry = redis.call('ZSCORE', set_key, ARGV[i])
    if expiry and tonumber(expiry) > now then
      if consume_all then
        redis.call('DEL', set_key)
      else
        redis.call('ZREM', set_key, ARGV[i])
      end
      return expiry
    end
  end
  return false
end

local used_link = ''

if mode == 'code' then
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= max_guesses then
    return {'invalid'}
  end
  used_link = take(KEYS[2], true)
  if not used_link then
    local guesses = redis.call('INCR', KEYS[4])
    redis.call('PEXPIRE', KEYS[4], $WRONG_CODES_KEPT_MS)
    if guesses >= max_guesses then redis.call('DEL', KEYS[2]) end
    return {'invalid'}
  end
elseif mode == 'link' then
  used_link = take(KEYS[2], true)
  if not used_link then return {'invalid'} end
elseif mode == 'reauth' then
  if not take(KEYS[3], false) then return {'invalid'} end
elseif mode ~= 'password' then
  return redis.error_reply('unknown mode ' .. tostring(mode))
end

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'invalid'} end
if status ~= 'enabled' then return {'disabled'} end
if mode == 'link' or mode == 'code' then
  redis.call('HSET', KEYS[1], 'verified', '1')
  redis.call('DEL', KEYS[4])  -- a successful sign-in is the only reset of wrong guesses
end

if ARGV[2] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
  local surplus = redis.call('ZCARD', KEYS[3]) - $MAX_REAUTH_TOKENS
  if surplus > 0 then redis.call('ZPOPMIN', KEYS[3], surplus) end
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end

local reply = redis.call('HGETALL', KEYS[1])
table.insert(reply, 1, used_link)
table.insert(reply, 1, 'ok')
return reply
