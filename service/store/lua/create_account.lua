-- Create an account unless one exists for the address.
-- KEYS[1] account hash   ARGV: field, value, ... of the new record
-- Returns 1 when created, 0 when the address already has an account.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
