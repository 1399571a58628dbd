-- GET /config/<prefix>/key-NNNNNN for random existing keys.
-- wrk -s get.lua URL -- KEYS PREFIX      (defaults 1000 bench)
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  keys = tonumber(args[1] or "1000")
  prefix = args[2] or "bench"
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", string.format("/config/%s/key-%06d", prefix, math.random(0, keys - 1)))
end

dofile(os.getenv("BENCH_DIR") .. "/result.lua")
