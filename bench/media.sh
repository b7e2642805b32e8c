#!/usr/bin/env bash
# Media in one run: uploads of 12-megapixel JPEGs with their variants (uploads per second, each
# counted until its eight variants are stored), resident memory while 4 such uploads run at
# once, and a variant served per second against `bench/ceiling` answering the same bytes.
# The images are made by Pillow (PyPI, in a venv): noise over a gradient, about as hard to
# compress as a photo, each with different bytes so no upload is a duplicate.
# Usage: bench/media.sh   (UPLOADS sequential uploads, default 6; DURATION seconds per wrk run)
set -euo pipefail
cd "$(dirname "$0")/.."
uploads="${UPLOADS:-6}"
duration="${DURATION:-5}"
source bench/common.sh
bench_setup
cargo build --release --locked -q --manifest-path bench/ceiling/Cargo.toml
ceiling="$CARGO_TARGET_DIR/release/ceiling"
venv=/root/.cache/newsroom-bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import PIL' 2>/dev/null || "$venv/bin/pip" install -q "pillow>=10"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=18910
ceiling_port=18911

count=$((uploads + 4))
"$venv/bin/python" - "$work" "$count" <<'PY'
import random, sys
from PIL import Image
out, count = sys.argv[1], int(sys.argv[2])
w, h = 4000, 3000
base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
for i in range(count):
    rng = random.Random(i)
    noise = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
    Image.blend(base, noise, 0.25).save(f"{out}/photo-{i}.jpg", quality=90)
PY
echo "== 12-megapixel JPEGs (4000 x 3000): $(du -h "$work/photo-0.jpg" | cut -f1) each"

"$bin" migrate --database-url "$work/media.db" >/dev/null
token=$("$bin" token create --database-url "$work/media.db" --name bench --scope content:write --scope content:publish 2>/dev/null)
taskset -c 0 "$bin" serve --database-url "$work/media.db" --bind "127.0.0.1:$port" --seed-demo never \
  --media-store "$work/store" --log warn --writes-per-minute 0 >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
until curl -fsS -o /dev/null "http://127.0.0.1:$port/livez" 2>/dev/null; do sleep 0.2; done

# Uploads one file and waits until its variants are stored; prints the item's id.
upload_and_wait() {
  local id
  id=$(curl -fsS "http://127.0.0.1:$port/api/v1/media" -H "Authorization: Bearer $token" \
    -H 'Content-Type: image/jpeg' --data-binary @"$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
  until curl -fsS "http://127.0.0.1:$port/api/v1/media/$id" -H "Authorization: Bearer $token" |
    grep -q '"variants_ready":true'; do sleep 0.05; done
  echo "$id"
}

echo "== $uploads uploads one after another (newsroom on core 0), each until its variants are stored"
started=$(date +%s.%N)
for i in $(seq 0 $((uploads - 1))); do upload_and_wait "$work/photo-$i.jpg" >/dev/null; done
elapsed=$(python3 -c "print($(date +%s.%N) - $started)")
python3 -c "print('uploads/s: %.2f (%.2f s each, variants included)' % ($uploads / $elapsed, $elapsed / $uploads))"

echo "== 4 uploads at once: resident memory of the server"
peak=0
running=()
for i in $(seq "$uploads" $((uploads + 3))); do
  upload_and_wait "$work/photo-$i.jpg" >/dev/null &
  running+=("$!")
done
alive() { for p in "${running[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while alive; do
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.05
done
for p in "${running[@]}"; do wait "$p"; done
echo "peak resident memory while 4 uploads ran: $((peak / 1024)) MiB (target: under 400 MiB)"

echo "== a variant served (640 px WebP), cache and ceiling on core 0, wrk -t1 -c8 on core 1"
variant=$(curl -fsS "http://127.0.0.1:$port/api/v1/media/1" -H "Authorization: Bearer $token" |
  python3 -c 'import json,sys; v=[x for x in json.load(sys.stdin)["data"]["variants"] if x["width"]==640 and x["content_type"]=="image/webp"]; print(v[0]["url"])')
python3 - "$port" "$variant" "$work/manifest.json" <<'PY'
import base64, json, sys, urllib.request
port, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as res:
    body = res.read()
    json.dump([{"path": path, "status": res.status,
                "headers": [[k.lower(), v] for k, v in res.getheaders()],
                "body": base64.b64encode(body).decode()}], open(out, "w"))
    print(f"   {path}: {len(body)} bytes", file=sys.stderr)
PY
WORKERS=1 taskset -c 0 "$ceiling" "$work/manifest.json" "127.0.0.1:$ceiling_port" >/dev/null 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$ceiling_port/" && break; sleep 0.1; done
measure() { taskset -c 1 wrk -t1 -c8 -d"${duration}s" "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ { print $2 }'; }
ours=$(measure "$port" "$variant")
bare=$(measure "$ceiling_port" "$variant")
python3 -c "print('variant: %.0f req/s, ceiling %.0f req/s, ratio %.3f' % ($ours, $bare, $ours / $bare))"
