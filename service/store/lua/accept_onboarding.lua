-- Queue a participant's onboarding email unless one was queued before (or force is given).
-- The mark and the job are written in one step on one slot, so a run that crashes halfway
-- and is started again sends every email exactly once: each address is either marked and
-- queued, or neither.
--
-- KEYS[1] outbox stream   KEYS[2] the study's onboarded hash (address hash -> time queued)
-- ARGV[1] address hash   ARGV[2] "1" to send again   ARGV[3] job (JSON)
-- Returns 1 when queued, 0 when skipped.
local time = redis.call('TIME')
if ARGV[2] ~= '1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], time[1])
redis.call('XADD', KEYS[1], '*', 'job', ARGV[3])
return 1
