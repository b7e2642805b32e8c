#!/usr/bin/env bash
# Reads at scale with the response cache off, on SQLite or PostgreSQL: page 1 of the latest articles (with and
# without the total), a deep page by cursor, lists filtered by a tag and by an event, and one
# article, at each size, each as a ratio to the same request at the first size; resident memory
# under that load and the cold start (launch to the first 200 of an article) on the existing
# database. Data comes from bench/generate.py, written once into DATA and reused; PostgreSQL gets
# the same rows (bench/load_postgres.py) in a database per size, also reused.
# Usage: bench/scale.sh [sqlite|postgres]   (SIZES: default "1000 100000 1000000" on SQLite,
# "1000 100000" on PostgreSQL; DURATION seconds per URL; DATA dir)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
case "$backend" in
  sqlite) sizes="${SIZES:-1000 100000 1000000}" ;;
  postgres) sizes="${SIZES:-1000 100000}" ;;
  *) echo "usage: $0 [sqlite|postgres]"; exit 2 ;;
esac
duration="${DURATION:-4}"
data="${DATA:-/root/.cache/newsroom-bench-data}"
source bench/common.sh
bench_setup
mkdir -p "$data"
rounds="${ROUNDS:-2}"
declare -A pid port_of paths
trap 'for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

echo "== $backend, cache off, every size's server on core 0 (1 worker each), wrk -t1 -c32 -d${duration}s on core 1,"
echo "   sizes alternated $rounds times per request; cost = the first size's req/s over this size's"
port=18800
for n in $sizes; do
  db="$data/articles-$n.db"
  if [ ! -f "$db" ]; then
    "$bin" migrate --database-url "$db.tmp" >/dev/null
    python3 bench/generate.py "$db.tmp" "$n"
    mv "$db.tmp" "$db"
  fi
  "$bin" migrate --database-url "$db" >/dev/null # the cold start measures a ready database
  url="$db"
  if [ "$backend" = postgres ]; then
    url="postgres://postgres@127.0.0.1:5432/newsroom_scale_$n"
    have=$(psql -tA -h 127.0.0.1 -U postgres -d "newsroom_scale_$n" -c "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
    if [ "$have" != "$n" ]; then
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS newsroom_scale_$n" \
        -c "CREATE DATABASE newsroom_scale_$n"
      "$bin" migrate --database-url "$url" >/dev/null
      python3 bench/load_postgres.py "$db" "$url"
    fi
    "$bin" migrate --database-url "$url" >/dev/null
  fi
  # What to ask for: a deep cursor (the middle of the list), the most used tag and event (a
  # filtered page of 5 is full at every size), an article.
  read -r tag event slug < <(python3 - "$db" "$n" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
id_ = db.execute("SELECT id FROM articles ORDER BY published_at DESC, id ASC LIMIT 1 OFFSET ?", (n // 2,)).fetchone()[0]
tag = db.execute("SELECT t.slug FROM tags t JOIN article_tags a ON a.tag_id = t.id GROUP BY t.id ORDER BY count(*) DESC, t.id LIMIT 1").fetchone()[0]
event = db.execute("SELECT e.slug FROM events e JOIN article_events a ON a.event_id = e.id GROUP BY e.id ORDER BY count(*) DESC, e.id LIMIT 1").fetchone()[0]
slug = db.execute("SELECT slug FROM articles WHERE id = ?", (id_,)).fetchone()[0]
print(tag, event, slug)
PY
)
  port=$((port + 1))
  port_of[$n]=$port
  started=$(date +%s%N)
  taskset -c 0 "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --seed-demo never --workers 1 \
    --cache-bytes 0 --log warn >"$data/server-$n.log" 2>&1 &
  pid[$n]=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/articles/$slug" 2>/dev/null; do sleep 0.005; done
  echo "$n articles: cold start $(( ($(date +%s%N) - started) / 1000000 )) ms from launch to the first article"
  # A real cursor to the middle of the list (cursors are signed): the one after page n/2 of 1.
  cursor=$(curl -fsS "http://127.0.0.1:$port/api/v1/articles?count=none&per_page=1&page=$((n / 2))" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["meta"]["next_cursor"])')
  paths[$n]="page1=/api/v1/articles page1-nocount=/api/v1/articles?count=none deep-cursor=/api/v1/articles?count=none&cursor=$cursor by-tag=/api/v1/articles?tag=$tag&per_page=5 by-event=/api/v1/articles?event=$event&per_page=5 article=/api/v1/articles/$slug"
done

# Requests wrk gave up on still run on a server: wait until it is idle again.
settle() {
  for _ in $(seq 1 600); do
    t=$(curl -sS -m 120 -o /dev/null -w "%{time_total}" "http://127.0.0.1:$1/readyz" || echo 1)
    python3 -c "import sys; sys.exit(0 if $t < 0.05 else 1)" && break
    sleep 0.1
  done
}
load() { # port path -> "req/s p50 p99"
  taskset -c 1 wrk -t1 -c32 -d"${duration}s" --timeout 10s --latency "http://127.0.0.1:$1$2" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%s %.2f %.2f\n", rps, p50, p99 }'
}

printf "%-9s %-14s %10s %9s %9s\n" articles request "req/s" "p50 ms" "p99 ms"
first=${sizes%% *}
for name in page1 page1-nocount deep-cursor by-tag by-event article; do
  declare -A sum=() p50s=() p99s=()
  for _ in $(seq 1 "$rounds"); do
    for n in $sizes; do
      path=$(tr ' ' '\n' <<<"${paths[$n]}" | awk -F= -v k="$name" '$1 == k { sub(/^[^=]*=/, ""); print }')
      settle "${port_of[$n]}"
      read -r rps p50 p99 < <(load "${port_of[$n]}" "$path")
      sum[$n]=$(python3 -c "print(${sum[$n]:-0} + $rps)")
      p50s[$n]="${p50s[$n]:-} $p50"; p99s[$n]="${p99s[$n]:-} $p99"
    done
  done
  for n in $sizes; do
    mean=$(python3 -c "print(${sum[$n]} / $rounds)")
    cost=$(python3 -c "print(f'{${sum[$first]} / max(${sum[$n]}, 0.001):.2f}')")
    printf "%-9s %-14s %10.0f %9s %9s   cost x%s\n" "$n" "$name" "$mean" \
      "$(tr ' ' '\n' <<<"${p50s[$n]}" | sort -n | tail -1)" "$(tr ' ' '\n' <<<"${p99s[$n]}" | sort -n | tail -1)" "$cost"
  done
done
for n in $sizes; do
  echo "$n articles: resident memory peak $(awk '/^VmHWM:/ {print int($2/1024)}' "/proc/${pid[$n]}/status") MiB"
done
