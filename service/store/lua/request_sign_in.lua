-- Issue a sign-in token for an address, at most once per request interval.
-- One script, so that the window check, the account check and the token write cannot race.
-- The window applies whether or not the account exists: no answer reveals which addresses
-- have accounts.
--
-- KEYS[1] request window   KEYS[2] account hash   KEYS[3] sign-in token sorted set
-- ARGV[1] interval (ms, 0 = no window)   ARGV[2] token hash   ARGV[3] token ttl (ms)
-- ARGV[4] most tokens outstanding per address
-- Returns {"wait", ms left} | {"none"} | {"send", participant id, address as written}

local interval = tonumber(ARGV[1])
if interval > 0 then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', interval) then
    return {'wait', redis.call('PTTL', KEYS[1])}
  end
end

local account = redis.call('HMGET', KEYS[2], 'id', 'email', 'status')
if not account[1] or account[3] ~= 'enabled' then
  return {'none'}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
local surplus = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[4])
if surplus > 0 then
  redis.call('ZPOPMIN', KEYS[3], surplus)  -- the ones closest to expiry are the oldest
end
local latest = redis.call('ZRANGE', KEYS[3], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[3], latest[2])
return {'send', account[1], account[2]}
