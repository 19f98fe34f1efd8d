-- wrk script of bench/throughput.py: walk a list of request paths (varied keys), keep-alive.
--
--   wrk -s wrk_paths.lua URL -- PATHS_FILE THREADS METHOD EXPECTED [BODY]
--
-- PATHS_FILE holds one request path a line; thread n of THREADS starts at path n * len / THREADS
-- and every request takes the next one (wrapping), so no thread repeats a query in a row and the
-- threads do not walk in step. METHOD is GET or PATCH; EXPECTED the statuses that count as a
-- success ("200" or "200,204"); BODY (optional) is sent with Content-Type application/json, each
-- "@N@" in it replaced by a request counter (a PATCH that changes something every time).
-- At the end one line "WRK-RESULT {json}" gives the totals, the latency percentiles (µs), the
-- socket errors, and per thread the statuses outside EXPECTED and the responses that announced
-- "Connection: close" (either makes the run invalid: the server must keep every connection).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local paths = {}
local index = 1
local counter = 0
local method = "GET"
local body = nil
local expected = {}
local headers = {}
unexpected = 0
closes = 0
answered = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  local count = tonumber(args[2])
  method = args[3]
  for code in string.gmatch(args[4], "%d+") do
    expected[tonumber(code)] = true
  end
  if args[5] ~= nil and #args[5] > 0 then
    body = args[5]
  end
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  if body ~= nil then
    headers["Content-Type"] = "application/json"
  end
  index = math.floor(thread_id * #paths / count) % #paths + 1
end

function request()
  local path = paths[index]
  index = index + 1
  if index > #paths then
    index = 1
  end
  counter = counter + 1
  local payload = nil
  if body ~= nil then
    payload = string.gsub(body, "@N@", tostring(counter))
  end
  return wrk.format(method, path, headers, payload)
end

function response(status, response_headers, response_body)
  answered = answered + 1
  if not expected[status] then
    unexpected = unexpected + 1
  end
  for name, value in pairs(response_headers) do
    if string.lower(name) == "connection" and string.lower(value) == "close" then
      closes = closes + 1
    end
  end
end

function done(summary, latency, requests)
  local per_thread = {}
  local total_unexpected, total_closes, total_answered = 0, 0, 0
  for _, thread in ipairs(threads) do
    local u, c, a = thread:get("unexpected"), thread:get("closes"), thread:get("answered")
    total_unexpected = total_unexpected + u
    total_closes = total_closes + c
    total_answered = total_answered + a
    per_thread[#per_thread + 1] = string.format(
      '{"id":%d,"answered":%d,"unexpected":%d,"closes":%d}', thread:get("thread_id"), a, u, c)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d},' ..
    '"answered":%d,"unexpected":%d,"closes":%d,"threads":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, total_answered, total_unexpected, total_closes, table.concat(per_thread, ",")))
end
