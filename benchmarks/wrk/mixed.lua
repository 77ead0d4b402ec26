-- A mix of reads and writes, chosen request by request: BENCH_MIX weights
-- ("list:20,detail:60,create:20" = 80 % reads, 20 % writes) over
-- BENCH_LIST_PATH, BENCH_DETAIL_PATH (with "{n}" from BENCH_NUMBERS_FILE)
-- and BENCH_CREATE_PATH (an order as create.lua makes it). Reads send
-- BENCH_READ_TOKEN, creates BENCH_TOKEN. done() reports requests by kind.
local bench = require "bench"

local kinds, total, list_path, detail_path, create_path, numbers, src
local read_headers, write_headers, run
counter = 0
sent = {}

function setup(thread) bench.setup(thread) end

function init(args)
  bench.seed()
  run = bench.env("BENCH_SEED", "1")
  kinds, total = {}, 0
  for _, item in ipairs(bench.split(bench.env("BENCH_MIX", "list:20,detail:60,create:20"), ",")) do
    local name, weight = string.match(item, "(%a+):(%d+)")
    total = total + tonumber(weight)
    kinds[#kinds + 1] = {name, total}
  end
  list_path = bench.env("BENCH_LIST_PATH")
  detail_path = bench.env("BENCH_DETAIL_PATH")
  create_path = bench.env("BENCH_CREATE_PATH")
  numbers = bench.read_lines(bench.env("BENCH_NUMBERS_FILE"))
  src = bench.order_source()
  read_headers = bench.headers("BENCH_READ_TOKEN")
  write_headers = bench.headers("BENCH_TOKEN")
  write_headers["Content-Type"] = "application/json"
end

local function pick()
  local r = math.random(total)
  for _, k in ipairs(kinds) do
    if r <= k[2] then return k[1] end
  end
  return kinds[#kinds][1]
end

function request()
  local kind = pick()
  sent[kind] = (sent[kind] or 0) + 1
  if kind == "create" then
    counter = counter + 1
    local key = string.format("M%s-%d-%d", run, tid, counter)
    write_headers["Idempotency-Key"] = key
    return wrk.format("POST", create_path, write_headers, bench.order_body(src, key))
  elseif kind == "detail" then
    local p = string.gsub(detail_path, "{n}", numbers[math.random(#numbers)])
    return wrk.format("GET", p, read_headers)
  end
  return wrk.format("GET", list_path, read_headers)
end

response = bench.response

function done(summary, latency, requests)
  bench.done(summary, latency, requests, function(out, threads)
    local all = {}
    for _, t in ipairs(threads) do
      for k, n in pairs(t:get("sent") or {}) do all[k] = (all[k] or 0) + n end
    end
    out.sent_by_kind = all
  end)
end
