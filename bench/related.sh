#!/usr/bin/env bash
# Related articles at scale, response cache off: `GET /api/v1/articles/{slug}/related` for an
# article with many shared items (the most used tag's newest article) at each size, each size's
# server on core 0 (1 worker), wrk on core 1, sizes alternated ROUNDS times; cost = the first
# size's req/s over this size's. Data: bench/generate.py, in DATA, reused (as scale.sh).
# Usage: bench/related.sh   (SIZES, default "1000 100000"; DURATION seconds; ROUNDS; DATA dir)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${SIZES:-1000 100000}"
duration="${DURATION:-4}"
rounds="${ROUNDS:-2}"
data="${DATA:-/root/.cache/newsroom-bench-data}"
source bench/common.sh
bench_setup
mkdir -p "$data"
declare -A pid port_of path_of
trap 'for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
port=18900
for n in $sizes; do
  db="$data/articles-$n.db"
  if [ ! -f "$db" ]; then
    "$bin" migrate --database-url "$db.tmp" >/dev/null
    python3 bench/generate.py "$db.tmp" "$n"
    mv "$db.tmp" "$db"
  fi
  "$bin" migrate --database-url "$db" >/dev/null
  slug=$(python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tag = db.execute("SELECT tag_id FROM article_tags GROUP BY tag_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
print(db.execute("SELECT a.slug FROM articles a JOIN article_tags t ON t.article_id = a.id WHERE t.tag_id = ? AND a.status = 'published' AND a.deleted_at IS NULL ORDER BY a.published_at DESC LIMIT 1", (tag,)).fetchone()[0])
PY
)
  port_of[$n]=$port
  path_of[$n]="/api/v1/articles/$slug/related?limit=10"
  taskset -c 0 "$bin" serve --database-url "$db" --bind "127.0.0.1:$port" --workers 1 \
    --cache-bytes 0 --seed-demo never --search-fill-inline 100000000 --log warn >/dev/null 2>&1 &
  pid[$n]=$!
  for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS -o /dev/null "http://127.0.0.1:$port${path_of[$n]}"
  port=$((port + 1))
done
declare -A total
for _ in $(seq 1 "$rounds"); do
  for n in $sizes; do
    rps=$(taskset -c 1 wrk -t1 -c16 -d"${duration}s" "http://127.0.0.1:${port_of[$n]}${path_of[$n]}" | awk '/Requests\/sec/ {print $2}')
    total[$n]=$(python3 -c "print(${total[$n]:-0} + $rps)")
  done
done
first=""
echo "== related, cache off, wrk -t1 -c16 -d${duration}s x $rounds rounds"
for n in $sizes; do
  rps=$(python3 -c "print(round(${total[$n]} / $rounds))")
  [ -z "$first" ] && first=$rps
  echo "$n articles: $rps req/s, cost x$(python3 -c "print(round($first / $rps, 2))")  (${path_of[$n]})"
done
