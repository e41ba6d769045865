-- Put dead letters back into the outbox (after the cause is fixed).
-- KEYS[1] dead-letter stream   KEYS[2] outbox stream   ARGV[1..] dead-letter entry ids
-- ARGV[i] may be "*" alone: every dead letter. Returns how many were re-queued.
local ids = ARGV
if ARGV[1] == '*' then
  ids = {}
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
    ids[#ids + 1] = entry[1]
  end
end
local moved = 0
for _, id in ipairs(ids) do
  local entry = redis.call('XRANGE', KEYS[1], id, id)
  if entry[1] then
    local fields = entry[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'job' then
        redis.call('XADD', KEYS[2], '*', 'job', fields[i + 1])
        redis.call('XDEL', KEYS[1], id)
        moved = moved + 1
      end
    end
  end
end
return moved
