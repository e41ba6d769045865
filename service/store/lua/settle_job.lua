-- Settle a job a worker has read: delivered, to be retried later, or dead.
-- Acknowledge and delete the stream entry in the same step as its move, so a job is never in
-- two places at once nor in none.
--
-- KEYS[1] outbox stream   KEYS[2] delayed sorted set   KEYS[3] dead-letter stream
-- KEYS[4] the job's sent mark   KEYS[5..] funnel counts hashes (study_stats.py), each to add one
-- to in its field
-- ARGV[1] group   ARGV[2] entry id   ARGV[3] "done" | "retry" | "dead"
-- ARGV[4] job (JSON) for retry/dead   ARGV[5] delay (ms) for retry, reason for dead
-- ARGV[6] for "done": how long the sent mark lives (s), 0 when no email was sent (no mark)
-- ARGV[7] TTL of the funnel counts (s), with KEYS[5..]   ARGV[8..] the field of each
-- Returns 1 if the entry was still pending here, 0 if another worker settled it already.

-- The mark says the email went out, whatever became of the entry: written also when the entry
-- is gone (a settlement applied again after a failover lost the first one), so that the job,
-- should it come round again, is settled without a second email.
if ARGV[3] == 'done' and tonumber(ARGV[6]) > 0 then
  redis.call('SET', KEYS[4], '1', 'EX', ARGV[6])
end
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if acked == 0 then return 0 end
local mode = ARGV[3]
if mode == 'retry' then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
elseif mode == 'dead' then
  local time = redis.call('TIME')
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', $MAX_DEAD_LETTERS, '*', 'job', ARGV[4], 'reason', ARGV[5],
    'failed', time[1])
elseif mode ~= 'done' then
  return redis.error_reply('unknown mode ' .. tostring(mode))
end
-- Only here, past the XACK: an email settled twice (a lease ran out) counts once.
for i = 5, #KEYS do
  redis.call('HINCRBY', KEYS[i], ARGV[i + 3], 1)
  redis.call('EXPIRE', KEYS[i], ARGV[7])
end
return 1
