-- POST /v3/auth/email with a fresh address every request.
-- wrk ... -s request_link.lua URL -- STUDY RUN_ID
local report = dofile((debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./") .. "report.lua")

local study, run_id
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  study, run_id = args[1], args[2]
end

function request()
  counter = counter + 1
  local body = string.format('{"study":"%s","email":"bench-%s-%d@example.org"}', study, run_id, counter)
  return wrk.format("POST", "/v3/auth/email", headers, body)
end

done = report.done
