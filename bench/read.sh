#!/usr/bin/env bash
# Public reads against their ceiling, measured in one run: newsroom (release, shipped defaults,
# access log on) and `bench/ceiling` (a bare actix-web server answering the very bytes and headers
# newsroom sent, from memory) both pinned to core 0 with one worker, wrk pinned to core 1,
# alternating newsroom and ceiling ROUNDS times per URL, with the response cache on, then off.
# Usage: bench/read.sh [sqlite|postgres]   (DURATION seconds per run, CONNECTIONS, ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${DURATION:-5}"
connections="${CONNECTIONS:-32}"
rounds="${ROUNDS:-2}"
source bench/common.sh
bench_setup
cargo build --release --locked -q --manifest-path bench/ceiling/Cargo.toml
ceiling="$CARGO_TARGET_DIR/release/ceiling"
work=$(mktemp -d)
port=18400
ceiling_port=18401
bench_database "$work" "$backend"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

wait_for() { # port
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$1/livez" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "nothing answers on $1"; cat "$work"/*.log; exit 1
}

start_newsroom() { # cache bytes
  taskset -c 0 "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --seed-demo always \
    --workers 1 --cache-bytes "$1" >>"$work/newsroom.log" 2>&1 &
  newsroom_pid=$!
  pids+=("$newsroom_pid")
  wait_for "$port"
}

start_ceiling() {
  WORKERS=1 taskset -c 0 "$ceiling" "$work/manifest.json" "127.0.0.1:$ceiling_port" >>"$work/ceiling.log" 2>&1 &
  ceiling_pid=$!
  pids+=("$ceiling_pid")
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$ceiling_port/" && return; sleep 0.1; done
}

# The mix front ends use.
start_newsroom 67108864
slug=$(curl -fsS "http://127.0.0.1:$port/api/v1/articles?per_page=1&fields=slug" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')
paths=(
  "/api/v1/articles"
  "/api/v1/articles/$slug"
  "/api/v1/events/sicw-2022/children"
  "/api/v1/people/to-lam/articles"
  "/api/v1/stats/visits"
  "/feeds/articles.rss"
  "/sitemaps/news.xml"
  "/api/v1/changes?per_page=100"
)
# The ceiling answers with newsroom's own bytes and headers for each path.
python3 - "$port" "$work/manifest.json" "${paths[@]}" <<'PY'
import base64, json, sys, urllib.request
port, out, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
captured = []
for path in paths:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as res:
        body = res.read()
        captured.append({"path": path, "status": res.status,
                         "headers": [[k.lower(), v] for k, v in res.getheaders()],
                         "body": base64.b64encode(body).decode()})
        print(f"captured {path}: {len(body)} bytes", file=sys.stderr)
json.dump(captured, open(out, "w"))
PY
start_ceiling

measure() { # port path -> "req/s p50_us p99_us"
  taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$1$2" | awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = us($2) }
    $1 == "99%" { p99 = us($2) }
    END { printf "%s %s %s\n", rps, p50, p99 }'
}

echo "== $backend: newsroom and ceiling on core 0 (1 worker each), wrk -t1 -c$connections -d${duration}s on core 1, $rounds rounds A/B"
printf "%-6s %-45s %10s %10s %6s %8s %8s\n" cache path "req/s" ceiling ratio p50x p99x
run_mode() { # label
  for path in "${paths[@]}"; do
    curl -fsS -o /dev/null "http://127.0.0.1:$port$path" # warm
    n_rps=0; c_rps=0; n50=0; c50=0; n99=0; c99=0
    for _ in $(seq 1 "$rounds"); do
      read -r r a b < <(measure "$port" "$path"); n_rps=$(python3 -c "print($n_rps+$r)"); n50=$(python3 -c "print($n50+$a)"); n99=$(python3 -c "print($n99+$b)")
      read -r r a b < <(measure "$ceiling_port" "$path"); c_rps=$(python3 -c "print($c_rps+$r)"); c50=$(python3 -c "print($c50+$a)"); c99=$(python3 -c "print($c99+$b)")
    done
    python3 -c "
n, c, rounds = $n_rps, $c_rps, $rounds
print('%-6s %-45s %10.0f %10.0f %6.2f %8.1f %8.1f' % ('$1', '$path'[:45], n/rounds, c/rounds, n/c, $n50/max($c50,1), $n99/max($c99,1)))
open('$work/ratios', 'a').write('%s\t%s\t%.2f\n' % ('$1', '$path', n/c))"
  done
}
run_mode on
kill "$newsroom_pid"; wait "$newsroom_pid" 2>/dev/null || true
start_newsroom 0
run_mode off
echo "(ratio: newsroom req/s over ceiling req/s; p50x, p99x: newsroom latency over ceiling latency)"
# The summary to compare before and after a change (bench/RESULTS.md keeps them).
python3 - "$work/ratios" "$backend" "$slug" <<'PY'
import sys
ratios, backend, slug = {}, sys.argv[2], sys.argv[3]
for line in open(sys.argv[1]):
    mode, path, ratio = line.rstrip("\n").split("\t")
    ratios.setdefault(path.replace(slug, "{slug}"), {})[mode] = ratio
print(f"\n{backend}: ratio to the ceiling\n\n| path | cache on | cache off |\n|---|---|---|")
for path, by_mode in ratios.items():
    print(f"| `{path}` | {by_mode.get('on', '-')} | {by_mode.get('off', '-')} |")
PY
