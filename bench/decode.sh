#!/usr/bin/env bash
# The decode bound (issue 21, finding 3), measured: the peak resident memory of newsroom while
# eight uploads are in flight at once, for two sets of PNGs built here (zero pixels, so a few
# hundred KB each: what costs is their size decoded, not their bytes):
#  - the hostile test's: 16-bit RGBA, 7000 x 7000 (392 MB decoded, over the 256 MiB cap: each is
#    a 422 said from the header);
#  - the largest that pass: 16-bit RGBA, 5600 x 5600 (251 MB decoded): each is decoded, made
#    into variants, and waits for room in the process's decode budget (256 MiB).
# The target is a peak under 400 MiB with eight in flight. Peak = VmHWM of the server process,
# read after each set (the first set's peak is read before the second starts).
# Usage: bench/decode.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=18920

python3 - "$work" <<'PY'
import struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
def png(path, size, marker):
    row = b"\0" + b"\0" * (size * 8)
    z = zlib.compressobj(9)
    parts = [z.compress(b"\0" + bytes([marker]) * 8 + b"\0" * ((size - 1) * 8))]
    for _ in range(size - 1):
        parts.append(z.compress(row))
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", size, size, 16, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)
for i in range(8):
    png(f"{out}/deep-7000-{i}.png", 7000, i + 1)
    png(f"{out}/deep-5600-{i}.png", 5600, i + 1)
PY
echo "== PNGs, 16-bit RGBA: 7000 x 7000 is $(du -k "$work/deep-7000-0.png" | cut -f1) KB, 5600 x 5600 is $(du -k "$work/deep-5600-0.png" | cut -f1) KB"

"$bin" migrate --database-url "$work/decode.db" >/dev/null
token=$("$bin" token create --database-url "$work/decode.db" --name bench --scope content:write 2>/dev/null)
"$bin" serve --database-url "$work/decode.db" --bind "127.0.0.1:$port" --seed-demo never \
  --media-store "$work/media" --media-max-bytes 20971520 >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.1; done
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }
echo "resident at rest: $(( $(kib VmRSS) / 1024 )) MiB"

upload_all() { # size
  local started=$(date +%s.%N) statuses=()
  for i in $(seq 0 7); do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST "http://127.0.0.1:$port/api/v1/media" \
      -H "Authorization: Bearer $token" -H 'Content-Type: image/png' \
      --data-binary @"$work/deep-$1-$i.png" >"$work/status-$1-$i" &
  done
  wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
  echo "  statuses: $(cat "$work"/status-"$1"-* | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
  echo "  wall time: $(python3 -c "import time; print(f'{time.time() - $started:.1f} s')")"
}

echo "== eight 7000 x 7000 at once (392 MB each decoded; the cap is 256 MiB)"
upload_all 7000
echo "  peak resident: $(( $(kib VmHWM) / 1024 )) MiB"
echo "== eight 5600 x 5600 at once (251 MB each decoded, under the cap: decoded one at a time)"
upload_all 5600
# The variants are made in the background: wait until every item has them.
for _ in $(seq 1 600); do
  pending=$(curl -fsS "http://127.0.0.1:$port/api/v1/media?per_page=100" -H "Authorization: Bearer $token" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(sum(1 for m in d if not m["variants_ready"]))')
  [ "$pending" = 0 ] && break
  sleep 0.5
done
echo "  variants pending after the wait: $pending"
echo "  peak resident (uploads and their variants): $(( $(kib VmHWM) / 1024 )) MiB (target: under 400 MiB)"
