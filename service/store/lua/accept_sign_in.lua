-- Accept a request for a sign-in email: check the address's window and the client's budgets,
-- then queue the job, atomically.
-- The same path runs for every address, known or not, so that neither the answer nor its
-- timing reveals which it is. (So does the cap on emails per address and day, and the study's
-- pace: they count emails actually sent.)
-- Whether the address has an account: on one Redis server the script is given the account's
-- key (the last of KEYS, when ARGV[8] is '1') and queues no job for an address without one,
-- writing it instead to a stream that keeps nothing (KEYS[5]), so that such a request costs
-- Redis the same commands, and the worker nothing. On a Cluster the account lies in another
-- slot: every job is queued, and the delivery worker decides.
--
-- KEYS[1] outbox stream   KEYS[2] address request window   KEYS[3] the study's funnel counts of
-- the day (study_stats.py)   KEYS[4] this request's acceptance mark   KEYS[5] the stream of jobs
-- for addresses without an account (always empty after)   KEYS[6..] budget hashes, then the
-- account's hash when ARGV[8] is '1'
-- ARGV[1] address interval (ms, 0 = none)
-- ARGV[2..4] the sign-in job: study, address as typed, Message-ID
-- ARGV[5] TTL of the funnel counts (s)
-- ARGV[6] the request's languages (Accept-Language), comma-separated, '' for none
-- ARGV[7] how long the acceptance mark lives (ms)
-- ARGV[8] '1' when the last key is the account's hash, '0' when there is none (a Cluster)
-- ARGV[9..] per budget: limit, window (s)
-- The job is encoded to JSON here, stamped with the server's time, which spares the request
-- path a JSON encoding in Python.
-- Returns {"queued", entry id} | {"no-account", entry id} | {"refused", policy index
-- (0 = address window), wait ms}
--
-- Idempotent: the client library sends a script again when the connection broke before the
-- reply came (redis-py does, on a failover), although the first run may have queued the job.
-- The acceptance mark, named by the request's random Message-ID, remembers the reply of the
-- first run, and a second run of the same request answers with it instead of queueing again.

$SLIDING_WINDOW

local first = redis.call('GET', KEYS[4])
if first then
  local outcome, entry = string.match(first, '^(%S+) (%S+)$$')
  if outcome then return {outcome, entry} end
  return {'queued', first}  -- a mark written before marks named the outcome
end

local account_given = ARGV[8] == '1'
local last_budget = #KEYS
if account_given then last_budget = #KEYS - 1 end

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local interval = tonumber(ARGV[1])
if interval > 0 then
  local left = redis.call('PTTL', KEYS[2])
  if left > 0 then return {'refused', 0, left} end
end

for i = 6, last_budget do
  local limit = tonumber(ARGV[9 + (i - 6) * 2])
  local window_ms = tonumber(ARGV[10 + (i - 6) * 2]) * 1000
  local wait = budget_wait(KEYS[i], limit, window_ms, now_ms)
  if wait > 0 then return {'refused', i - 5, wait} end
end
for i = 6, last_budget do
  budget_count(KEYS[i], tonumber(ARGV[10 + (i - 6) * 2]) * 1000, now_ms)
end

if interval > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', interval)
end
-- Every accepted request counts, whoever the address is: the same commands for all.
redis.call('HINCRBY', KEYS[3], 'linksRequested', 1)
redis.call('EXPIRE', KEYS[3], ARGV[5])
local job = {
  kind = 'sign-in', study = ARGV[2], email = ARGV[3], mid = ARGV[4], queued = now_ms, attempt = 0
}
-- The worker chooses the email's language; the request's are known only here. Bounded again
-- (the caller sends at most $MAX_JOB_LANGUAGES): a job stays small whoever calls. Left out
-- when there are none, as cjson would write an empty list as {}.
local langs = {}
for tag in string.gmatch(ARGV[6], '[^,]+') do
  if #langs < $MAX_JOB_LANGUAGES then langs[#langs + 1] = tag end
end
if #langs > 0 then job.langs = langs end
-- EXISTS on one server only, but the same commands either way: XADD, then XTRIM of the
-- stream that keeps nothing (a no-op when the job went to the outbox).
local outcome, stream = 'queued', KEYS[1]
if account_given and redis.call('EXISTS', KEYS[#KEYS]) == 0 then
  outcome, stream = 'no-account', KEYS[5]
end
local entry = redis.call('XADD', stream, '*', 'job', cjson.encode(job))
redis.call('XTRIM', KEYS[5], 'MAXLEN', 0)
redis.call('SET', KEYS[4], outcome .. ' ' .. entry, 'PX', ARGV[7])
return {outcome, entry}
