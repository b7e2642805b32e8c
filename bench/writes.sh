#!/usr/bin/env bash
# A writer's latency while readers run, cold start, and resident memory, bounded in time.
# newsroom (release, shipped defaults, cache on) runs on both cores; wrk keeps READERS
# connections reading the front ends' mix; meanwhile one editor PATCHes an article WRITES times
# in a row (each with the ETag of the last). Prints the writer's p50/p99/max, the readers' rate,
# the resident memory (idle, peak), and the cold start to the first article (launch -> first 200).
# Usage: bench/writes.sh [sqlite|postgres]   (READERS, WRITES, DURATION)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
readers="${READERS:-200}"
writes="${WRITES:-200}"
duration="${DURATION:-15}"
source bench/common.sh
bench_setup
work=$(mktemp -d)
port=18500
bench_database "$work" "$backend"
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" migrate --database-url "$url" >/dev/null
"$bin" seed --database-url "$url" >/dev/null
token=$("$bin" token create --database-url "$url" --name "bench writer" --scope content:write --scope content:publish)
slug="dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"

# Cold start: launch to the first 200 of an article, on an existing database.
started=$(date +%s%N)
# The readers stand for many clients but come from one address: the per-client connection
# limit (64) would refuse most of them, and the writer with them.
NEWSROOM_CONNECTIONS_PER_CLIENT=0 "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" \
  --seed-demo never >>"$work/server.log" 2>&1 &
pid=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/articles/$slug" 2>/dev/null; do sleep 0.005; done
cold_ms=$(( ($(date +%s%N) - started) / 1000000 ))
rss() { awk '/^'"$1"':/ {print int($2/1024)}' "/proc/$pid/status"; }
idle_rss=$(rss VmRSS)

cat >"$work/mix.lua" <<'LUA'
local paths = {"/api/v1/articles", "/api/v1/articles/__SLUG__", "/api/v1/events/sicw-2022/children",
  "/api/v1/people/to-lam/articles", "/api/v1/stats/visits"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
sed -i "s/__SLUG__/$slug/" "$work/mix.lua"
wrk -t2 -c"$readers" -d"${duration}s" -s "$work/mix.lua" "http://127.0.0.1:$port" >"$work/readers.txt" &
wrk_pid=$!
sleep 2
python3 - "$port" "$token" "$slug" "$writes" <<'PY'
import http.client, json, sys, time
port, token, slug, writes = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port)
auth = {"Authorization": f"Bearer {token}"}
conn.request("GET", f"/api/v1/articles/{slug}", headers=auth)
res = conn.getresponse(); res.read(); etag = res.getheader("ETag")
took = []
for n in range(writes):
    body = json.dumps({"byline": f"Phóng viên TTXVN tại Singapore ({n})"})
    start = time.perf_counter()
    conn.request("PATCH", f"/api/v1/articles/{slug}", body=body.encode(), headers={**auth,
                 "Content-Type": "application/merge-patch+json", "If-Match": etag})
    res = conn.getresponse(); res.read()
    took.append((time.perf_counter() - start) * 1000)
    assert res.status == 200, res.status
    etag = res.getheader("ETag")
took.sort()
pick = lambda q: took[min(len(took) - 1, int(q * len(took)))]
print(f"writer: {writes} PATCHes, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {took[-1]:.1f} ms")
PY
wait "$wrk_pid"
echo "readers: $(awk '/Requests\/sec/ {print $2}' "$work/readers.txt") req/s over $readers connections ($(awk '/Non-2xx/ {print $0}' "$work/readers.txt"))"
echo "memory: ${idle_rss} MiB resident idle, $(rss VmHWM) MiB at the peak"
echo "cold start: ${cold_ms} ms from launch to the first 200 of an article"
