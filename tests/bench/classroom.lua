-- A classroom on one server (wrk script). Every connection is a student stepping about once a
-- second (think time 0.7-1.3 s): most follow one of a few shared links near the lecturer's
-- step (the lecturer moves on every 2 s), fetching the step trace and now and then the
-- heatmaps or the link itself; some explore scenarios of their own with POST /api/v1/step.
-- Arguments: engine version, scenario template file (with %s for the learning rate), link ids.

local version = "1"
local template = nil
local links = {}
local start = 0

function init(args)
  version = args[1]
  local f = io.open(args[2], "r")
  template = f:read("*a")
  f:close()
  for i = 3, #args do
    links[#links + 1] = args[i]
  end
  start = os.time()
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function delay()
  return math.random(700, 1300)
end

function request()
  local lecturer = math.floor((os.time() - start) / 2)
  local r = math.random()
  if r < 0.85 then
    local id = links[math.random(#links)]
    local step = math.max(0, lecturer + math.random(-3, 1))
    local path
    local k = math.random()
    if k < 0.80 then
      path = "/api/v1/links/" .. id .. "/step?step=" .. step .. "&trace_samples=32&v=" .. version
    elseif k < 0.95 then
      path = "/api/v1/links/" .. id .. "/heatmaps?resolution=24&step=" .. step .. "&v=" .. version
    else
      path = "/api/v1/links/" .. id
    end
    return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
  end
  -- a student's own scenario: their learning rate, a small step
  local lr = string.format("%.3f", 0.01 + math.random(0, 50) / 1000)
  local body = string.format(template, lr, math.random(0, 20))
  return wrk.format("POST", "/api/v1/step",
    { ["Content-Type"] = "application/json", ["Accept-Encoding"] = "gzip" }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'CLASSROOM {"requests": %d, "duration_s": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.connect, e.read, e.write, e.timeout, e.status))
end
