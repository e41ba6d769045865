-- Settle, in one step, jobs a worker has read that need nothing more: no email, no count, no
-- mark (an address without an account, a study that is gone). Acknowledged and deleted
-- together, as settle_job.lua does one at a time, so none is left in the stream once acked.
--
-- KEYS[1] outbox stream   ARGV[1] group   ARGV[2..] entry ids
-- Returns how many were still pending here.
local ids = {unpack(ARGV, 2)}
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return acked
