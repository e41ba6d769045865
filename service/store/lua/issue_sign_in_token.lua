-- Record a new sign-in token for an account, if it exists and is enabled.
-- At most ARGV[3] tokens stay outstanding; an earlier unexpired one stays valid.
--
-- KEYS[1] account hash   KEYS[2] sign-in token sorted set
-- ARGV[1] token hash   ARGV[2] token ttl (ms)   ARGV[3] most tokens outstanding
-- Returns {"none"} | {"issued", participant id, address as written}

local account = redis.call('HMGET', KEYS[1], 'id', 'email', 'status')
if not account[1] or account[3] ~= 'enabled' then
  return {'none'}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
local surplus = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if surplus > 0 then
  redis.call('ZPOPMIN', KEYS[2], surplus)  -- the ones closest to expiry are the oldest
end
local latest = redis.call('ZRANGE', KEYS[2], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], latest[2])
return {'issued', account[1], account[2]}
