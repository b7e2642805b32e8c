#!/usr/bin/env bash
# Beacon load on loopback, bounded in time: beacons answered per second as a ratio to /livez
# measured in the same run, then a graceful stop and a check that the stored totals are exactly
# what was sent. Usage: bench/beacon.sh [sqlite|postgres]  (DURATION, CONNECTIONS to tune;
# DB_FILE=<a bench/generate.py database> runs SQLite on a copy of it, naming one of its articles)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-32}"
tail_seconds=2
source bench/common.sh
bench_setup
work=$(mktemp -d)
port=18300
bench_database "$work" "$backend"
seed=always
article=dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7
if [ -n "${DB_FILE:-}" ]; then
  cp "$DB_FILE" "$url"
  "$bin" migrate --database-url "$url" >/dev/null
  seed=never
  article=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT slug FROM articles ORDER BY id DESC LIMIT 1').fetchone()[0])" "$url")
fi
pid=""
start() {
  "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --seed-demo "$seed" \
    --trusted-proxies 127.0.0.1 --log warn >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "server did not start"; cat "$work/server.log"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; }
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

start
echo "== $backend: wrk -t1 -c$connections -d${duration}s, loopback, release build, $(nproc) cores shared by wrk and server"
livez=$(wrk -t1 -c"$connections" -d"${duration}s" "http://127.0.0.1:$port/livez" | awk '/Requests\/sec/ {print $2}')
out=$(wrk -t1 -c"$connections" -d"${duration}s" -s bench/beacon.lua "http://127.0.0.1:$port/api/v1/visits" -- "$duration" "$tail_seconds" "$article")
answered=$(awk -F= '/^BEACONS_ANSWERED=/ {print $2}' <<<"$out")
sent=$(awk -F= '/^BEACONS_SENT=/ {print $2}' <<<"$out")
beacon_rps=$(awk -F= '/^BEACON_RPS=/ {print $2}' <<<"$out")
echo "livez:   $livez requests/s"
echo "beacons: $beacon_rps answered/s ($answered answered of $sent sent)"
awk -v b="$beacon_rps" -v l="$livez" 'BEGIN { printf "ratio beacon/livez: %.2f\n", b / l }'

# Graceful stop: everything accepted must be counted by the final flush.
stop
start
stats=$(curl -fsS "http://127.0.0.1:$port/api/v1/stats/visits")
today=$(python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d["today"], d["visitors_today"])' <<<"$stats")
views=$(curl -fsS "http://127.0.0.1:$port/api/v1/articles/$article?fields=view_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["view_count"])')
stop
echo "stored after a graceful stop: views and visitors today = $today, the article's view_count = $views"
if [ "$today" = "$answered $answered" ] && [ "$views" = "$answered" ]; then
  echo "totals match what was sent: OK"
else
  echo "totals DIFFER from the $answered beacons sent"; exit 1
fi
