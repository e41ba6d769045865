-- Record a new sign-in link token and its typed code for an account, if it is there and has
-- not had its day's share of sign-in emails. A disabled account gets its email too, as in
-- Bridge: tapping the link answers 423, so the participant learns why instead of hearing nothing.
-- The link and its code expire together; at most $MAX_SIGN_IN_TOKENS links and as many codes
-- stay outstanding (earlier unexpired ones stay valid). Wrong guesses against the codes are
-- counted until the last pending code expires, so a new code extends the count's life.
-- The day's count of emails lives in the account hash (mday: when the day ends, ms; mn: how
-- many), so an address without an account costs no key at all.
--
-- KEYS[1] account hash   KEYS[2] link set   KEYS[3] code set   KEYS[4] wrong-code counter
-- ARGV[1] token hash   ARGV[2] code hash   ARGV[3] ttl (ms)
-- ARGV[4] sign-in emails allowed per address and day (0 = no cap)
-- Returns {"none"} | {"capped"} | {"issued", address as written, expiry (ms), the
-- participant's languages (comma-separated, '' for none), which choose the email's language}

local account = redis.call('HMGET', KEYS[1], 'id', 'email', 'mday', 'mn', 'lang')
if not account[1] then
  return {'none'}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local cap = tonumber(ARGV[4])
if cap > 0 then
  if tonumber(account[3] or '0') > now then
    if tonumber(account[4] or '0') >= cap then return {'capped'} end
    redis.call('HINCRBY', KEYS[1], 'mn', 1)
  else
    redis.call('HSET', KEYS[1], 'mday', now + 86400000, 'mn', 1)
  end
end

local expiry = now + tonumber(ARGV[3])

-- Adds a member; keeps the newest $MAX_SIGN_IN_TOKENS; the set lives as long as its last one.
local function add(set_key, member)
  redis.call('ZREMRANGEBYSCORE', set_key, '-inf', now)
  redis.call('ZADD', set_key, expiry, member)
  local surplus = redis.call('ZCARD', set_key) - $MAX_SIGN_IN_TOKENS
  if surplus > 0 then
    redis.call('ZPOPMIN', set_key, surplus)  -- the ones closest to expiry are the oldest
  end
  local latest = redis.call('ZRANGE', set_key, 0, 0, 'REV', 'WITHSCORES')
  redis.call('PEXPIREAT', set_key, latest[2])
  return latest[2]
end

add(KEYS[2], ARGV[1])
local last_code = add(KEYS[3], ARGV[2])
redis.call('PEXPIREAT', KEYS[4], last_code)  -- does nothing when nobody has guessed wrong
return {'issued', account[2], expiry, account[5] or ''}
