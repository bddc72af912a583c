-- wrk script for kbs-graphql's benchmark: sends METHOD (GET or POST) with the body in
-- BODY_FILE (POST), or each line of BODIES_FILE in turn (a mixed workload), and the
-- Authorization header in AUTH. Counts every answer by status, and the answers whose body
-- holds an "errors" member (GraphQL reports errors with a 200), and prints one
-- machine-readable line: a figure is only as good as the answers it counts.
local method = os.getenv("METHOD") or "POST"
wrk.method = method
if method == "POST" and os.getenv("BODY_FILE") then
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  wrk.body = f:read("*a")
  f:close()
end
if method == "POST" then
  wrk.headers["Content-Type"] = "application/json"
end
local auth = os.getenv("AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local bodies = nil
if os.getenv("BODIES_FILE") then
  bodies = {}
  for line in io.lines(os.getenv("BODIES_FILE")) do
    bodies[#bodies + 1] = line
  end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  statuses = {}
  error_bodies = 0
  next_body = 0
end

if bodies then
  function request()
    next_body = next_body % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[next_body])
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if body and string.find(body, '"errors"', 1, true) then
    error_bodies = error_bodies + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local counted = {}
  local errors_seen = 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counted[status] = (counted[status] or 0) + n
    end
    errors_seen = errors_seen + thread:get("error_bodies")
  end
  local parts = {}
  for status, n in pairs(counted) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  io.write(string.format(
    'WRK_JSON {"rps":%.2f,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d,"requests":%d,' ..
    '"statuses":{%s},"error_bodies":%d}\n',
    summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, summary.requests,
    table.concat(parts, ","), errors_seen))
end
