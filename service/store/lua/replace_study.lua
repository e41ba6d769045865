-- Replace a study only if it is still at the version the writer started from (Bridge's
-- VersionHolder): two researchers editing at once cannot silently lose each other's change.
--
-- KEYS[1] the study's document
-- ARGV[1] the version the writer started from   ARGV[2] the new document (its version is one more)
-- Returns {"replaced", new version}, {"stale", current version} or {"missing", 0}.
local raw = redis.call('GET', KEYS[1])
if not raw then
  return {'missing', 0}
end
-- Documents stored before versions existed count as version 1, as stored_study reads them.
local current = tonumber(cjson.decode(raw)['version']) or 1
if current ~= tonumber(ARGV[1]) then
  return {'stale', current}
end
redis.call('SET', KEYS[1], ARGV[2])
return {'replaced', current + 1}
