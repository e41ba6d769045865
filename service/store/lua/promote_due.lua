-- Move jobs whose retry time has come from the delayed set back into the outbox stream.
-- KEYS[1] delayed sorted set   KEYS[2] outbox stream   ARGV[1] most to move
-- Returns how many moved.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'job', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due
