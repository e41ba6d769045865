-- Not a script of its own: the sliding-window budget functions that scripts include with
-- $SLIDING_WINDOW (filled in when they are loaded), so every limit counts the same way.
--
-- A budget allows at most `limit` events per `window_ms`. It keeps counts of fixed windows in
-- one hash (window index -> count) and weighs the previous window's count by how much of it
-- the sliding window still overlaps.

-- 0 when one more event fits now, else how many ms until it does.
local function budget_wait(key, limit, window_ms, now_ms)
  local index = math.floor(now_ms / window_ms)
  local elapsed = now_ms - index * window_ms
  local current = tonumber(redis.call('HGET', key, tostring(index)) or '0')
  local previous = tonumber(redis.call('HGET', key, tostring(index - 1)) or '0')
  local weight = (window_ms - elapsed) / window_ms
  if current + 1 > limit then
    -- full: wait for this window to end, then for its count (now the previous window's) to
    -- weigh little enough
    return window_ms - elapsed + math.ceil(window_ms * (1 - (limit - 1) / current))
  end
  if previous * weight + current + 1 > limit then
    -- wait until the previous window's share has shrunk enough to admit one more
    local needed = 1 - (limit - current - 1) / previous
    return math.max(1, math.ceil(needed * window_ms - elapsed))
  end
  return 0
end

-- Counts one event now.
local function budget_count(key, window_ms, now_ms)
  local index = math.floor(now_ms / window_ms)
  redis.call('HINCRBY', key, tostring(index), 1)
  redis.call('HDEL', key, tostring(index - 2))
  redis.call('PEXPIRE', key, window_ms * 2)
end
