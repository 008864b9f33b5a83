-- Shared by bench/create_pipeline.lua and bench/get_pipeline.lua (loaded with dofile).
--
-- wrk runs this script once in its main Lua state (setup, done) and once per thread (init,
-- request, response). Each thread counts its 200 and non-200 responses; done() adds them up and
-- prints one machine-readable line that bench/run.py parses:
--   BENCH_RESULT {"requests": ..., "ok": ..., "non200": ..., ...}

local common = {}

-- The headers boto3 sends (Content-Length and Host are added by wrk). The server reads only the
-- credential scope of Authorization (account from the access key, region from the scope).
common.headers = {
  ["User-Agent"] = "Boto3/1.44.8 md/Botocore#1.44.8 ua/2.1 os/linux lang/python#3.11.7 Botocore/1.44.8 (oib-bench wrk)",
  ["X-Amz-Date"] = "20250101T000000Z",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, SignedHeaders=host, Signature=0",
  ["amz-sdk-request"] = "attempt=1; max=1",
}

function common.random_hex(n)
  local f = io.open("/dev/urandom", "rb")
  local bytes = f:read(n)
  f:close()
  return (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- Percent-encoding as botocore does for query strings (unreserved: A-Z a-z 0-9 - _ . ~).
function common.urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

-- main state ------------------------------------------------------------------------------------
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local ok, bad, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    ok = ok + (t:get("ok") or 0)
    bad = bad + (t:get("bad") or 0)
    local s = t:get("first_bad")
    if sample == "" and s ~= nil and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "ok": %d, "non200": %d, ' ..
    '"status_errors": %d, "socket_errors": %d, "timeouts": %d, "latency_mean_us": %.1f, ' ..
    '"latency_p50_us": %d, "latency_p90_us": %d, "latency_p99_us": %d, "latency_max_us": %d, ' ..
    '"first_bad": %s}\n',
    summary.requests, summary.duration, ok, bad, e.status, e.connect + e.read + e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    json_string(sample)))
end

-- thread state ----------------------------------------------------------------------------------
ok, bad, first_bad = 0, 0, ""

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = tostring(status) .. " " .. (body or ""):sub(1, 300) end
  end
end

return common
