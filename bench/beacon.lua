-- wrk script for the visit beacon: every request is a new reader (its own X-Forwarded-For and a
-- User-Agent from a small list), sent through a trusted proxy (127.0.0.1), so that every beacon
-- counts. Beacons stop `tail` seconds before the end (the rest of the run asks /livez, which
-- counts nothing), so each one has been answered by the end and the expected count is exact.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
}

function init(args)
  sent = 0
  answered = 0
  duration = tonumber(args[1]) or 10
  tail = tonumber(args[2]) or 2
  started = os.time()
  stop_at = started + duration - tail
  article = args[3] or "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
end

function request()
  if os.time() >= stop_at then
    return wrk.format("GET", "/livez")
  end
  sent = sent + 1
  local n = sent
  -- A distinct client address for every beacon (unique below 16.7 million a thread).
  local ip = string.format("%d.%d.%d.%d", 20 + id, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  local body = string.format('{"path":"/bai-viet/%d","article":"%s"}', n % 100, article)
  local headers = {
    ["Content-Type"] = "text/plain;charset=UTF-8",
    ["User-Agent"] = agents[(n % #agents) + 1],
    ["X-Forwarded-For"] = ip,
  }
  return wrk.format("POST", "/api/v1/visits", headers, body)
end

function response(status, headers, body)
  if status == 202 then
    answered = answered + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  local sent_total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("answered")
    sent_total = sent_total + t:get("sent")
  end
  local window = tonumber(threads[1]:get("duration")) - tonumber(threads[1]:get("tail"))
  io.write(string.format("BEACONS_SENT=%d\nBEACONS_ANSWERED=%d\nBEACON_RPS=%.1f\n", sent_total, total, total / window))
end
