-- End every session and reauth token of an account at once (disabled, or signed out).
-- Sessions are keyed by their token alone, so instead of finding each one, the account's
-- session generation moves on: a session records the generation it was made in, and one of
-- an older generation is refused from then on.
--
-- KEYS[1] account hash   KEYS[2] reauth token set
-- ARGV[1] participant id   ARGV[2] "1" to end the sessions too, "0" for the reauth tokens only
-- Returns 1 when done, 0 when the account is gone or belongs to somebody else now.

if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'gen', 1) end
-- No reauthentication may hand the ended session back (see authenticate.lua).
redis.call('HDEL', KEYS[1], 'sseed', 'sx')
redis.call('DEL', KEYS[2])
return 1
