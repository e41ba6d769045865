-- Fold the sign-in link counts of minutes that are over into the expired-unused total.
--
-- KEYS[1] the counts hash: "issued:<bucket>" and "used:<bucket>" (pairs of a link and its code,
--         by the bucket their expiry falls in), and "expired-unused" (the running total)
-- ARGV[1] bucket length (ms)   ARGV[2] grace (ms): how long after a bucket ends its counts may
--         still grow (processes flush their use counts every few seconds)
-- Returns the expired-unused total.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket_ms = tonumber(ARGV[1])
local last_open = math.floor((now - tonumber(ARGV[2])) / bucket_ms)  -- this one and later stay

local counts = redis.call('HGETALL', KEYS[1])
local issued, used = {}, {}
for i = 1, #counts, 2 do
  local kind, bucket = string.match(counts[i], '^(%a+):(%d+)')
  if kind and tonumber(bucket) < last_open then
    if kind == 'issued' then issued[bucket] = tonumber(counts[i + 1]) end
    if kind == 'used' then used[bucket] = tonumber(counts[i + 1]) end
  end
end

local expired = 0
for bucket, count in pairs(issued) do
  expired = expired + math.max(0, count - (used[bucket] or 0))
  redis.call('HDEL', KEYS[1], 'issued:' .. bucket)
end
for bucket, _ in pairs(used) do
  redis.call('HDEL', KEYS[1], 'used:' .. bucket)
end
return redis.call('HINCRBY', KEYS[1], 'expired-unused', expired)
