-- Accept a request for a sign-in email: check every limit, then queue the job, atomically.
-- The same path runs for every address, known or not: whether an account exists is decided
-- later by the delivery worker, so neither the answer nor its timing reveals it.
--
-- KEYS[1] outbox stream   KEYS[2] address request window   KEYS[3..] budget hashes
-- ARGV[1] address interval (ms, 0 = none)
-- ARGV[2..4] the sign-in job: study, address as typed, Message-ID
-- ARGV[5..] per budget: limit, window (s)
-- The job is encoded to JSON here, stamped with the server's time, which spares the request
-- path a JSON encoding in Python.
-- Returns {"queued", entry id} | {"refused", policy index (0 = address window), wait ms}
--
-- A budget is a sliding-window counter: counts of the current and the previous fixed window,
-- the previous one weighted by how much of it still overlaps the sliding window.

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local interval = tonumber(ARGV[1])
if interval > 0 then
  local left = redis.call('PTTL', KEYS[2])
  if left > 0 then return {'refused', 0, left} end
end

local budgets = {}
for i = 3, #KEYS do
  local limit = tonumber(ARGV[5 + (i - 3) * 2])
  local window_ms = tonumber(ARGV[6 + (i - 3) * 2]) * 1000
  local index = math.floor(now_ms / window_ms)
  local elapsed = now_ms - index * window_ms
  local current = tonumber(redis.call('HGET', KEYS[i], tostring(index)) or '0')
  local previous = tonumber(redis.call('HGET', KEYS[i], tostring(index - 1)) or '0')
  local weight = (window_ms - elapsed) / window_ms
  if current + 1 > limit then
    -- full: wait for this window to end, then for its count (now the previous window's)
    -- to weigh little enough
    local after = math.ceil(window_ms * (1 - (limit - 1) / current))
    return {'refused', i - 2, window_ms - elapsed + after}
  end
  if previous * weight + current + 1 > limit then
    -- wait until the previous window's share has shrunk enough to admit one more
    local needed = 1 - (limit - current - 1) / previous
    return {'refused', i - 2, math.max(1, math.ceil(needed * window_ms - elapsed))}
  end
  budgets[#budgets + 1] = {KEYS[i], index, window_ms}
end

for _, b in ipairs(budgets) do
  redis.call('HINCRBY', b[1], tostring(b[2]), 1)
  redis.call('HDEL', b[1], tostring(b[2] - 2))
  redis.call('PEXPIRE', b[1], b[3] * 2)
end
if interval > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', interval)
end
local job = cjson.encode({
  kind = 'sign-in', study = ARGV[2], email = ARGV[3], mid = ARGV[4], queued = now_ms, attempt = 0
})
return {'queued', redis.call('XADD', KEYS[1], '*', 'job', job)}
