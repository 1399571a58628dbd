-- POST /config of large values: {"key":"big/key-NNNNNN","value":{"data":"vvv..."}} over 1,000 keys.
-- wrk -s big-post.lua URL -- VALUE_BYTES      (default 60000)
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  pad = string.rep("v", tonumber(args[1] or "60000"))
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local body = string.format('{"key":"big/key-%06d","value":{"data":"%s"}}', math.random(0, 999), pad)
  return wrk.format("POST", "/config", headers, body)
end

dofile(os.getenv("BENCH_DIR") .. "/result.lua")
