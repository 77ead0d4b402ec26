-- GET BENCH_PATH; a "{n}" in it is replaced, request by request, by an order
-- number picked at random from BENCH_NUMBERS_FILE (one a line). Sends
-- BENCH_TOKEN as "Authorization: Token ..." and/or BENCH_COOKIE (a logged-in
-- session's sessionid and csrftoken) when set. Lists, details and pages.
local bench = require "bench"

local path, headers, numbers

function setup(thread) bench.setup(thread) end

function init(args)
  bench.seed()
  path = bench.env("BENCH_PATH")
  headers = bench.headers()
  if string.find(path, "{n}", 1, true) then
    numbers = bench.read_lines(bench.env("BENCH_NUMBERS_FILE"))
  end
end

function request()
  local p = path
  if numbers then
    p = string.gsub(path, "{n}", numbers[math.random(#numbers)])
  end
  return wrk.format("GET", p, headers)
end

response = bench.response

function done(summary, latency, requests)
  bench.done(summary, latency, requests)
end
