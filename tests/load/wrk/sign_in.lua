-- POST /v3/auth/email/signIn, each request with a token nobody has used yet.
-- wrk ... -s sign_in.lua URL -- STUDY TOKENS_FILE   (one "address token" per line)
local report = dofile((debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./") .. "report.lua")

local study
local bodies = {}
local next_body = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  study = args[1]
  for line in io.lines(args[2]) do
    local email, token = line:match("^(%S+) (%S+)$")
    bodies[#bodies + 1] = string.format(
      '{"study":"%s","email":"%s","token":"%s"}', study, email, token)
  end
end

-- Past the end of the list a token would be reused and refused; bench.py makes the list long
-- enough and treats any refusal as a failed run.
function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v3/auth/email/signIn", headers, bodies[next_body])
end

done = report.done
