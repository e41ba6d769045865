-- Take back a sign-in token and code that were issued but will not be sent now (the study's
-- pace said wait): nobody has them, and they must not push a real pending link out of the
-- account, nor count against the address's emails of the day. The retry issues fresh ones.
--
-- KEYS[1] account hash
-- ARGV[1] token hash   ARGV[2] code hash
-- Returns 1

local LINK, CODE, HASH_CHARS = '$PENDING_LINK', '$PENDING_CODE', $PENDING_HASH_CHARS

redis.call('HDEL', KEYS[1], LINK .. string.sub(ARGV[1], 1, HASH_CHARS),
  CODE .. string.sub(ARGV[2], 1, HASH_CHARS))
if tonumber(redis.call('HGET', KEYS[1], 'mn') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'mn', -1)
end
return 1
