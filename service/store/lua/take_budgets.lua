-- Rate-limit budgets of one event (see sliding_window.lua), for several subjects at once.
--
-- mode "take":  if every budget has room, count the event in each; otherwise count nothing.
--               For what is asked before work is done (a password check, a study's email).
-- mode "count": the event happened (a failed sign-in): count it in each, then tell whether
--               a budget is now used up, so the next event of that subject is refused.
-- mode "wait":  count nothing; tell whether one more event would fit (the console's sign-in
--               form asks before it checks a key, and counts only the failures).
--
-- KEYS[1..n] budget hashes
-- ARGV[1] mode   ARGV[2..] per budget: limit, window (s)
-- Returns {0} when there is room (take) or still room (count), else {budget index (1-based),
-- ms to wait}.

$SLIDING_WINDOW

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local mode = ARGV[1]

local function window_ms(i) return tonumber(ARGV[2 * i + 1]) * 1000 end
local function limit(i) return tonumber(ARGV[2 * i]) end

if mode == 'take' then
  for i = 1, #KEYS do
    local wait = budget_wait(KEYS[i], limit(i), window_ms(i), now_ms)
    if wait > 0 then return {i, wait} end
  end
  for i = 1, #KEYS do budget_count(KEYS[i], window_ms(i), now_ms) end
  return {0}
elseif mode == 'count' then
  for i = 1, #KEYS do budget_count(KEYS[i], window_ms(i), now_ms) end
  for i = 1, #KEYS do
    local wait = budget_wait(KEYS[i], limit(i), window_ms(i), now_ms)
    if wait > 0 then return {i, wait} end
  end
  return {0}
elseif mode == 'wait' then
  for i = 1, #KEYS do
    local wait = budget_wait(KEYS[i], limit(i), window_ms(i), now_ms)
    if wait > 0 then return {i, wait} end
  end
  return {0}
end
return redis.error_reply('unknown mode ' .. tostring(mode))
