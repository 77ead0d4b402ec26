-- What the benchmark's wrk scripts share (benchmarks/wrk/*.lua; run_api.py
-- sets LUA_PATH so that `require "bench"` finds this file).
--
-- wrk runs each script once per thread (its own Lua state) and once in the
-- main state: setup(thread) runs in the main state for every thread before
-- it starts, init/request/response in the thread's own state, and done() in
-- the main state at the end, which reads each thread's globals with
-- thread:get(). So the per-thread counters below are globals.
--
-- Configuration comes from the environment (BENCH_*), set by
-- benchmarks/wrk.py for each slice.

local M = {}

function M.env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    if default == nil then
      error("the wrk script needs the environment variable " .. name)
    end
    return default
  end
  return value
end

function M.split(text, sep)
  local out = {}
  for item in string.gmatch(text, "([^" .. sep .. "]+)") do
    out[#out + 1] = item
  end
  return out
end

function M.read_lines(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot read " .. path)
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  return out
end

-- A minimal JSON encoder: tables with an array part are arrays.
local function escape(s)
  return (string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end))
end

function M.json(value)
  local kind = type(value)
  if kind == "table" then
    local parts = {}
    if #value > 0 then
      for _, v in ipairs(value) do parts[#parts + 1] = M.json(v) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for k, v in pairs(value) do
      parts[#parts + 1] = '"' .. escape(tostring(k)) .. '":' .. M.json(v)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "string" then
    return '"' .. escape(value) .. '"'
  elseif kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif kind == "boolean" then
    return tostring(value)
  end
  return "null"
end

-- --- threads and their counters ---------------------------------------------

local threads = {}
M.threads = threads

-- Globals of each thread's state (read by done() through thread:get).
tid = 0              -- this thread's number, 0-based (set by setup)
statuses = {}        -- HTTP status -> responses
nbad = 0             -- responses outside 2xx
samples = {}         -- the first few of them: "status body..."

function M.setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function M.seed()
  -- A seed per slice (BENCH_SEED) and per thread: unique keys and refs.
  math.randomseed(tonumber(M.env("BENCH_SEED", "1")) + 7919 * tid)
end

-- Success is 2xx only: a 3xx here means a lost session (the login page).
function M.response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status < 200 or status > 299 then
    nbad = nbad + 1
    if #samples < 3 then
      local where = headers["Location"] or headers["location"] or ""
      samples[#samples + 1] = key .. " " .. where .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

-- The latency distribution as quantiles over a grid of percentile bins
-- ({percentile, bin width, latency us}): 0.5-point bins up to p99, then
-- 0.05-point bins. The harness pools slices from them, each bin weighing
-- requests x width. (latency[i] does not give this wrk's histogram counts,
-- and percentile() walks the histogram: some 220 calls stay fast.)
local function quantiles(latency, requests)
  local out = {}
  if requests == 0 then return out end
  for i = 0, 197 do
    local p = i * 0.5 + 0.25
    out[#out + 1] = {p, 0.5, latency:percentile(p)}
  end
  for i = 0, 19 do
    local p = 99 + i * 0.05 + 0.025
    out[#out + 1] = {p, 0.05, latency:percentile(p)}
  end
  return out
end

-- Prints one line "BENCH_JSON {...}" that benchmarks/wrk.py parses; extra(t)
-- may add a script's own per-thread figures.
function M.done(summary, latency, requests, extra)
  local all_statuses, bad, all_samples = {}, 0, {}
  local out = {}
  for _, t in ipairs(threads) do
    for k, n in pairs(t:get("statuses") or {}) do
      all_statuses[k] = (all_statuses[k] or 0) + n
    end
    bad = bad + (t:get("nbad") or 0)
    for _, s in ipairs(t:get("samples") or {}) do
      if #all_samples < 5 then all_samples[#all_samples + 1] = s end
    end
  end
  if extra then extra(out, threads) end
  out.requests = summary.requests
  out.duration_us = summary.duration
  out.bytes = summary.bytes
  out.errors = {
    connect = summary.errors.connect,
    read = summary.errors.read,
    write = summary.errors.write,
    timeout = summary.errors.timeout,
    status_ge_400 = summary.errors.status,
    non_2xx = bad,
  }
  out.statuses = all_statuses
  out.samples = all_samples
  out.latency_us = {
    min = latency.min, max = latency.max, mean = latency.mean, stdev = latency.stdev,
    p50 = latency:percentile(50), p90 = latency:percentile(90),
    p99 = latency:percentile(99),
  }
  out.quantiles = quantiles(latency, summary.requests)
  io.write("BENCH_JSON " .. M.json(out) .. "\n")
end

-- --- order bodies ---------------------------------------------------------------

-- BENCH_CUSTOMERS and BENCH_SKUS: comma-separated ids and SKUs (seeded).
function M.order_source()
  return {
    customers = M.split(M.env("BENCH_CUSTOMERS"), ","),
    skus = M.split(M.env("BENCH_SKUS"), ","),
    delivery = M.env("BENCH_DELIVERY"),
    lines = tonumber(M.env("BENCH_LINES", "5")),
  }
end

-- An order with `lines` distinct SKUs, quantities 1-9, and its own external_ref.
function M.order_body(src, ref)
  local skus = src.skus
  local n = #skus
  local picked = {}
  local lines = {}
  while #lines < src.lines do
    local i = math.random(n)
    if not picked[i] then
      picked[i] = true
      lines[#lines + 1] = string.format('{"sku":"%s","quantity":%d}', skus[i], math.random(9))
    end
  end
  return string.format(
    '{"customer":%s,"channel":"api","requested_delivery_date":"%s",' ..
    '"payment_method":"bank_transfer","external_ref":"%s","lines":[%s]}',
    src.customers[math.random(#src.customers)], src.delivery, ref, table.concat(lines, ","))
end

-- The request headers: the token (BENCH_TOKEN) and/or cookies (BENCH_COOKIE).
function M.headers(token_var)
  local h = {}
  local token = os.getenv(token_var or "BENCH_TOKEN")
  if token and token ~= "" then h["Authorization"] = "Token " .. token end
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return h
end

return M
