-- Take back a sign-in token and code that were issued but will not be sent now (the study's
-- pace said wait): nobody has them, and they must not push a real pending link out of the
-- set, nor count against the address's emails of the day. The retry issues fresh ones.
--
-- KEYS[1] account hash   KEYS[2] link set   KEYS[3] code set
-- ARGV[1] token hash   ARGV[2] code hash
-- Returns 1

redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
if tonumber(redis.call('HGET', KEYS[1], 'mn') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'mn', -1)
end
return 1
