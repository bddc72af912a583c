-- wrk script for kbs-graphql's benchmark: sends METHOD (GET or POST) with the body in
-- BODY_FILE (POST) and the Authorization header in AUTH, and prints one machine-readable line.
local method = os.getenv("METHOD") or "POST"
wrk.method = method
if method == "POST" then
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
local auth = os.getenv("AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"rps":%.2f,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
    summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
