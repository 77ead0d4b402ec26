-- POST an order with 5 lines of seeded SKUs to BENCH_PATH (the product's
-- /api/v1/orders/, the naive or the plain create), each request with its
-- own Idempotency-Key and external_ref: the slice's seed, the thread and a
-- per-thread counter. Environment: BENCH_PATH, BENCH_TOKEN (optional),
-- BENCH_CUSTOMERS, BENCH_SKUS, BENCH_DELIVERY, BENCH_SEED.
local bench = require "bench"

local path, src, headers, run
counter = 0

function setup(thread) bench.setup(thread) end

function init(args)
  bench.seed()
  path = bench.env("BENCH_PATH")
  run = bench.env("BENCH_SEED", "1")
  src = bench.order_source()
  headers = bench.headers()
  headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local key = string.format("B%s-%d-%d", run, tid, counter)
  headers["Idempotency-Key"] = key
  return wrk.format("POST", path, headers, bench.order_body(src, key))
end

response = bench.response

function done(summary, latency, requests)
  bench.done(summary, latency, requests)
end
