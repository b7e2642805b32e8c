#!/usr/bin/env bash
# Search at scale, against the ceiling, in one run per size: a mix of rare and common queries on
# /api/v1/search and on a list with sort=relevance, each as req/s, as a ratio to `bench/ceiling`
# answering the very same bytes, and (rare queries) as the cost at each size over the cost at the
# first size. The response cache is off: every request searches. Data comes from
# bench/generate.py (the rare phrase `kỳ lân ... vịnh Hạ Long` is in exactly ten articles at every
# size), written once into DATA and reused; the first start on a database fills its search index
# (timed and printed).
# Usage: bench/search.sh [sqlite|postgres]   (SIZES: default "10000 100000 1000000" on SQLite,
# "100000" on PostgreSQL; DURATION seconds per run; ROUNDS A/B rounds; DATA dir)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
case "$backend" in
  sqlite) sizes="${SIZES:-10000 100000 1000000}" ;;
  postgres) sizes="${SIZES:-100000}" ;;
  *) echo "usage: $0 [sqlite|postgres]"; exit 2 ;;
esac
duration="${DURATION:-4}"
rounds="${ROUNDS:-2}"
data="${DATA:-/root/.cache/newsroom-bench-data}"
source bench/common.sh
bench_setup
cargo build --release --locked -q --manifest-path bench/ceiling/Cargo.toml
ceiling="$CARGO_TARGET_DIR/release/ceiling"
mkdir -p "$data"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=18900
ceiling_port=18901

paths=(
  "rare=/api/v1/search?q=k%E1%BB%B3%20l%C3%A2n&count=none"
  "rare-prefix=/api/v1/search?q=v%E1%BB%8Bnh%20h%E1%BA%A1%20lo&count=none"
  "rare-list=/api/v1/articles?q=k%E1%BB%B3%20l%C3%A2n&sort=relevance&count=none&fields=title"
  "rare-total=/api/v1/search?q=k%E1%BB%B3%20l%C3%A2n"
  "common=/api/v1/search?q=an%20ninh&count=none"
  "common-word=/api/v1/search?q=m%E1%BA%A1ng&count=none"
  "common-total=/api/v1/search?q=an%20ninh"
)

measure() { # port path -> req/s
  taskset -c 1 wrk -t1 -c8 -d"${duration}s" --timeout 30s "http://127.0.0.1:$1$2" |
    awk '/Requests\/sec/ { print $2 }'
}

declare -A rps
echo "== $backend search, cache off: newsroom and ceiling on core 0 (1 worker each), wrk -t1 -c8 -d${duration}s on core 1, $rounds rounds A/B"
printf "%-9s %-13s %10s %10s %7s\n" articles query "req/s" ceiling ratio
for n in $sizes; do
  db="$data/articles-$n.db"
  if [ ! -f "$db" ]; then
    "$bin" migrate --database-url "$db.tmp" >/dev/null
    python3 bench/generate.py "$db.tmp" "$n"
    mv "$db.tmp" "$db"
  fi
  url="$db"
  if [ "$backend" = postgres ]; then
    url="postgres://postgres@127.0.0.1:5432/newsroom_search_$n"
    have=$(psql -tA -h 127.0.0.1 -U postgres -d "newsroom_search_$n" -c "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
    if [ "$have" != "$n" ]; then
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS newsroom_search_$n" \
        -c "CREATE DATABASE newsroom_search_$n"
      "$bin" migrate --database-url "$url" >/dev/null
      python3 bench/load_postgres.py "$db" "$url"
    fi
  fi
  started=$(date +%s)
  # No stored representations rendered ahead: that background work would share the core.
  NEWSROOM_RENDITIONS_AHEAD=0 taskset -c 0 "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --seed-demo never --workers 1 \
    --cache-bytes 0 --log warn >"$work/server-$n.log" 2>&1 &
  server=$!
  pids+=("$server")
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/livez" 2>/dev/null; do sleep 0.2; done
  echo "   ($n articles: answering $(( $(date +%s) - started )) s after launch)"
  # A database new to this build's index layout is filled on the first start: at once when
  # small, in the background when large (search answers 503 meanwhile).
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/search?q=x")" = 200 ]; do sleep 1; done
  echo "   ($n articles: search answering $(( $(date +%s) - started )) s after launch)"
  python3 - "$port" "$work/manifest-$n.json" "${paths[@]}" <<'PY'
import base64, json, sys, urllib.request
port, out, named = sys.argv[1], sys.argv[2], sys.argv[3:]
captured = []
for item in named:
    name, path = item.split("=", 1)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as res:
        body = res.read()
        data = json.loads(body)
        captured.append({"path": path, "status": res.status,
                         "headers": [[k.lower(), v] for k, v in res.getheaders()],
                         "body": base64.b64encode(body).decode()})
        print(f"   {name}: {len(data['data'])} results, total {data['meta'].get('total', '-')}", file=sys.stderr)
json.dump(captured, open(out, "w"))
PY
  WORKERS=1 taskset -c 0 "$ceiling" "$work/manifest-$n.json" "127.0.0.1:$ceiling_port" >"$work/ceiling.log" 2>&1 &
  ceiling_pid=$!
  pids+=("$ceiling_pid")
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$ceiling_port/" && break; sleep 0.1; done
  for item in "${paths[@]}"; do
    name=${item%%=*}; path=${item#*=}
    ours=0; bare=0
    for _ in $(seq 1 "$rounds"); do
      ours=$(python3 -c "print($ours + $(measure "$port" "$path"))")
      bare=$(python3 -c "print($bare + $(measure "$ceiling_port" "$path"))")
    done
    rps[$n,$name]=$(python3 -c "print($ours / $rounds)")
    python3 -c "print('%-9s %-13s %10.0f %10.0f %7.3f' % ($n, '$name', $ours / $rounds, $bare / $rounds, $ours / $bare))"
  done
  kill "$ceiling_pid" "$server"; wait "$ceiling_pid" "$server" 2>/dev/null || true
done
first=${sizes%% *}
echo "== cost at each size over the cost at $first articles (req/s at $first over req/s here)"
for n in $sizes; do
  for name in rare rare-prefix rare-list common; do
    python3 -c "
here = ${rps[$n,$name]}
print('%-9s %-13s %s' % ($n, '$name', 'x%.2f' % (${rps[$first,$name]} / here) if here > 0 else 'no request answered within the run'))"
  done
done
