-- Record a new sign-in token and its typed code for an account, if it is there and enabled.
-- Both expire together; at most $MAX_SIGN_IN_TOKENS pairs stay outstanding (an earlier unexpired pair
-- stays valid).
--
-- KEYS[1] account hash   KEYS[2] sign-in set (tokens and codes, by hash) -> expiry (ms)
-- ARGV[1] token hash   ARGV[2] code hash   ARGV[3] ttl (ms)
-- Returns {"none"} | {"issued", participant id, address as written, expiry (ms)}

local account = redis.call('HMGET', KEYS[1], 'id', 'email', 'status')
if not account[1] or account[3] ~= 'enabled' then
  return {'none'}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], expiry, ARGV[1], expiry, ARGV[2])
local surplus = redis.call('ZCARD', KEYS[2]) - 2 * $MAX_SIGN_IN_TOKENS
if surplus > 0 then
  redis.call('ZPOPMIN', KEYS[2], surplus)  -- the ones closest to expiry are the oldest pairs
end
local latest = redis.call('ZRANGE', KEYS[2], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], latest[2])
return {'issued', account[1], account[2], expiry}
