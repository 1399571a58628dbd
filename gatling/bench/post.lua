-- POST /config {"key": <random existing key>, "value": {...~100 bytes...}}: updates, so the key count stays fixed.
-- wrk -s post.lua URL -- KEYS PREFIX      (defaults 1000 bench)
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  keys = tonumber(args[1] or "1000")
  prefix = args[2] or "bench"
  math.randomseed(os.time() * 1000 + id)
  pad = string.rep("v", 80)
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local body = string.format('{"key":"%s/key-%06d","value":{"data":"%s","n":%d}}',
    prefix, math.random(0, keys - 1), pad, math.random(0, 1000000))
  return wrk.format("POST", "/config", headers, body)
end

dofile(os.getenv("BENCH_DIR") .. "/result.lua")
