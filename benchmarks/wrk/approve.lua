-- POST /api/v1/orders/{number}/approve/ for each order of a pool of
-- submitted orders, each once: BENCH_POOL_FILE holds the numbers this slice
-- may use (one a line); thread t of T (BENCH_THREADS) takes lines t+1,
-- t+1+T, t+1+2T ... in order, so no two requests name the same order. A
-- thread that runs out asks for /bench-naive/pool-exhausted/ (a 404, counted
-- as an error and as "exhausted"). done() reports "pool_used": the number
-- of leading lines the next slice must skip.
local bench = require "bench"

local mine, headers, nthreads
used = 0
exhausted = 0
local BODY = '{"note":"benchmark"}'

function setup(thread) bench.setup(thread) end

function init(args)
  nthreads = tonumber(bench.env("BENCH_THREADS"))
  local all = bench.read_lines(bench.env("BENCH_POOL_FILE"))
  mine = {}
  for i = tid + 1, #all, nthreads do mine[#mine + 1] = all[i] end
  headers = bench.headers()
  headers["Content-Type"] = "application/json"
end

function request()
  if used >= #mine then
    exhausted = exhausted + 1
    return wrk.format("GET", "/bench-naive/pool-exhausted/", headers)
  end
  used = used + 1
  return wrk.format("POST", "/api/v1/orders/" .. mine[used] .. "/approve/", headers, BODY)
end

response = bench.response

function done(summary, latency, requests)
  bench.done(summary, latency, requests, function(out, threads)
    local n = #threads
    local last, gone = 0, 0
    for _, t in ipairs(threads) do
      local k = t:get("used") or 0
      if k > 0 then last = math.max(last, t:get("tid") + (k - 1) * n + 1) end
      gone = gone + (t:get("exhausted") or 0)
    end
    out.pool_used = last
    out.exhausted = gone
  end)
end
