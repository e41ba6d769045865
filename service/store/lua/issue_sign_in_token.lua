-- Record a new sign-in link token and its typed code for an account, if it is there and has
-- not had its day's share of sign-in emails. A disabled account gets its email too, as in
-- Bridge: tapping the link answers 423, so the participant learns why instead of hearing nothing.
-- The link and its code expire together; at most $MAX_SIGN_IN_TOKENS links and as many codes
-- stay outstanding (earlier unexpired ones stay valid; the new one always stays). Wrong guesses
-- against the codes (the account's field WRONG, see authenticate.lua) count while any code is
-- pending: a new code issued while one is pending continues the count, one issued after they
-- all expired starts it again.
--
-- Pending links and codes are fields of the account hash, LINK .. hash and CODE .. hash ->
-- expiry (ms), hash being the first HASH_CHARS characters of the secret's keyed hash: a hash
-- that exists anyway takes two small fields for far less than two keys of their own. Hashes
-- keep no expiry per field (Redis 7.0), so expired ones are dropped here and when a link or code
-- is used (authenticate.lua); an account holds at most the last few of each kind meanwhile.
-- Links and codes of the earlier layout (sorted sets, KEYS[2] and KEYS[3]) are moved into the
-- hash here, so that they count against the cap and stay valid until they expire.
-- The day's count of emails lives in the account hash too (mday: when the day ends, ms; mn: how
-- many), so an address without an account costs no key at all.
--
-- KEYS[1] account hash   KEYS[2] link set (earlier layout)   KEYS[3] code set (earlier layout)
-- ARGV[1] token hash   ARGV[2] code hash   ARGV[3] ttl (ms)
-- ARGV[4] sign-in emails allowed per address and day (0 = no cap)
-- Returns {"none"} | {"capped"} | {"issued", address as written, expiry (ms), the
-- participant's languages (comma-separated, '' for none), which choose the email's language}

local LINK, CODE, HASH_CHARS = '$PENDING_LINK', '$PENDING_CODE', $PENDING_HASH_CHARS
local WRONG = '$WRONG_CODES_FIELD'

local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then
  return {'none'}
end
local account = {}
for i = 1, #flat, 2 do account[flat[i]] = flat[i + 1] end
if not account['id'] then return {'none'} end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local cap = tonumber(ARGV[4])
if cap > 0 then
  if tonumber(account['mday'] or '0') > now then
    if tonumber(account['mn'] or '0') >= cap then return {'capped'} end
    redis.call('HINCRBY', KEYS[1], 'mn', 1)
  else
    redis.call('HSET', KEYS[1], 'mday', now + 86400000, 'mn', 1)
  end
end

local expiry = now + tonumber(ARGV[3])
local writes, drops = {}, {}

-- The earlier layout's unexpired entries become fields (they are older than the new ones).
for _, kind in ipairs({{KEYS[2], LINK}, {KEYS[3], CODE}}) do
  local entries = redis.call('ZRANGE', kind[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local field = kind[2] .. string.sub(entries[i], 1, HASH_CHARS)
    if tonumber(entries[i + 1]) > now and not account[field] then
      account[field] = entries[i + 1]
      flat[#flat + 1] = field
      flat[#flat + 1] = entries[i + 1]
      writes[#writes + 1] = field
      writes[#writes + 1] = entries[i + 1]
    end
  end
end
redis.call('DEL', KEYS[2], KEYS[3])

-- Adds the new field of a kind; drops expired ones and, beyond $MAX_SIGN_IN_TOKENS, the ones
-- closest to expiry (the oldest). Returns how many of the kind were pending before.
local function add(prefix, field)
  local kept = {}
  for i = 1, #flat, 2 do
    local name = flat[i]
    if string.sub(name, 1, #prefix) == prefix and name ~= field then
      local at = tonumber(account[name])
      if at > now then kept[#kept + 1] = {at, name} else drops[#drops + 1] = name end
    end
  end
  table.sort(kept, function(a, b) return a[1] < b[1] end)
  for i = 1, #kept - ($MAX_SIGN_IN_TOKENS - 1) do drops[#drops + 1] = kept[i][2] end
  writes[#writes + 1] = field
  writes[#writes + 1] = expiry
  return #kept
end

add(LINK, LINK .. string.sub(ARGV[1], 1, HASH_CHARS))
if add(CODE, CODE .. string.sub(ARGV[2], 1, HASH_CHARS)) == 0 and account[WRONG] then
  drops[#drops + 1] = WRONG  -- no code was pending: the count of wrong ones starts again
end
-- A dropped field is never one written here: fields of the earlier layout that are dropped
-- at once are written and deleted in this order, which leaves them deleted.
if #writes > 0 then redis.call('HSET', KEYS[1], unpack(writes)) end
if #drops > 0 then redis.call('HDEL', KEYS[1], unpack(drops)) end
return {'issued', account['email'], expiry, account['lang'] or ''}
