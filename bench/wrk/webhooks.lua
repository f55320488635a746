-- wrk script for ./scripts/bench.sh: POSTs pre-signed Stripe deliveries, each exactly once per thread share.
--
--   wrk -t2 -c64 -d15s --latency -s bench/wrk/webhooks.lua URL -- RECORDS_FILE THREADS
--
-- RECORDS_FILE (bench/payloads.py write_wrk_file): per delivery a Stripe-Signature line, a byte-length line,
-- the body, "\n". Thread k of THREADS takes records k, k+THREADS, … and stops once it has as many answers as
-- it has records (the request cap); a thread that is still sending when its share ends wraps around, so a
-- few extra requests (at most its connections) are redeliveries and are counted as such. The `done`
-- callback prints one line "WRK_JSON {…}" with the summary, latency percentiles and answer counts.

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("tid", started)
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  assert(path and nthreads, "usage: -- RECORDS_FILE THREADS")
  local f = assert(io.open(path, "rb"))
  reqs = {}
  local i = 0
  while true do
    local header = f:read("*l")
    if header == nil or header == "" then break end
    local len = tonumber(f:read("*l"))
    local body = f:read(len)
    f:read(1)
    if i % nthreads == tid - 1 then
      reqs[#reqs + 1] = wrk.format("POST", wrk.path, {
        ["Content-Type"] = "application/json; charset=utf-8",
        ["Stripe-Signature"] = header,
        ["User-Agent"] = "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      }, body)
    end
    i = i + 1
  end
  f:close()
  nreqs = #reqs
  idx, wrapped = 0, 0
  answered, ok, accepted, duplicate, ignored, other, non200 = 0, 0, 0, 0, 0, 0, 0
end

function request()
  idx = idx + 1
  if idx > nreqs then
    idx, wrapped = 1, wrapped + 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  answered = answered + 1
  if status == 200 then
    ok = ok + 1
    if string.find(body, '"accepted"', 1, true) then
      accepted = accepted + 1
    elseif string.find(body, '"duplicate"', 1, true) then
      duplicate = duplicate + 1
    elseif string.find(body, '"ignored"', 1, true) then
      ignored = ignored + 1
    else
      other = other + 1
    end
  else
    non200 = non200 + 1
  end
  if answered >= nreqs then
    wrk.thread:stop()
  end
end

local function num(x)
  return string.format("%.3f", x)
end

function done(summary, latency, requests)
  local counts = { records = 0, answered = 0, ok = 0, accepted = 0, duplicate = 0, ignored = 0, other = 0,
                   non200 = 0, wrapped = 0 }
  for _, t in ipairs(threads) do
    counts.records = counts.records + (t:get("nreqs") or 0)
    for _, k in ipairs({ "answered", "ok", "accepted", "duplicate", "ignored", "other", "non200", "wrapped" }) do
      counts[k] = counts[k] + (t:get(k) or 0)
    end
  end
  local parts = {}
  local function add(k, v) parts[#parts + 1] = string.format('"%s": %s', k, v) end
  add("duration_us", summary.duration)
  add("requests", summary.requests)
  add("bytes", summary.bytes)
  add("errors", string.format('{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
  local pct = {}
  for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
    pct[#pct + 1] = string.format('"%s": %s', tostring(p), num(latency:percentile(p)))
  end
  add("latency_us", string.format('{"min": %s, "mean": %s, "max": %s, "stdev": %s, "percentiles": {%s}}',
    num(latency.min), num(latency.mean), num(latency.max), num(latency.stdev), table.concat(pct, ", ")))
  local c = {}
  for k, v in pairs(counts) do c[#c + 1] = string.format('"%s": %d', k, v) end
  add("counts", "{" .. table.concat(c, ", ") .. "}")
  io.write("WRK_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
