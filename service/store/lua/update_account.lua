-- Change fields of an account, only if it is still the same participant.
-- Field-level writes never overwrite a concurrent change of another field, and a write that
-- races with a deletion does not leave a half record behind.
-- KEYS[1] account hash   ARGV[1] participant id   ARGV[2..]: field, value, ...
-- Returns 1 when written, 0 when the account is gone or belongs to somebody else now.
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
