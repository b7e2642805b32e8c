#!/usr/bin/env bash
# Webhook delivery under a stream of writes, in one run: one editor creates WRITES tags in a row
# through the API (release build, shipped defaults) while a receiver on loopback takes every
# `tag.created` delivery. Prints the write rate, the delivery rate and their ratio, and the lag
# from a write's 201 to its delivery's arrival (p50, p99, max). Every delivery must arrive once.
# Usage: bench/webhooks.sh [sqlite|postgres]   (WRITES, default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
source bench/common.sh
bench_setup
work=$(mktemp -d)
port=18450
bench_database "$work" "$backend"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
token=$("$bin" token create --database-url "$url" --name bench --scope admin)
"$bin" serve --database-url "$url" --bind "127.0.0.1:$port" --seed-demo always \
  --webhook-allow-private --writes-per-minute 0 >"$work/newsroom.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$port" "$token" "${WRITES:-1000}" "$backend" <<'PY'
import http.client, http.server, json, sys, threading, time
port, token, writes, backend = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
arrived, ids = {}, []

class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arrived.setdefault(body["data"]["id"], time.monotonic())
        ids.append(self.headers["webhook-id"])
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
api = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
def post(path, body):
    api.request("POST", path, json.dumps(body), headers)
    res = api.getresponse()
    data = res.read()
    assert res.status == 201, (res.status, data)
    return json.loads(data)["data"]
post("/api/v1/webhooks", {"url": f"http://127.0.0.1:{server.server_port}/hook", "events": ["tag.created"]})
written = {}
started = time.monotonic()
for n in range(writes):
    tag = post("/api/v1/tags", {"name": f"Thẻ đo {n}"})
    written[tag["id"]] = time.monotonic()
wrote = time.monotonic() - started
deadline = time.monotonic() + 60
while len(arrived) < writes and time.monotonic() < deadline:
    time.sleep(0.05)
delivered = max(arrived.values()) - started
lags = sorted((arrived[i] - t) * 1000 for i, t in written.items() if i in arrived)
pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"== {backend}: {writes} tags written one after another, each a tag.created delivery")
print(f"writes      {writes / wrote:8.0f}/s")
print(f"deliveries  {len(arrived) / delivered:8.0f}/s  ratio to writes {len(arrived) / delivered / (writes / wrote):.2f}")
print(f"lag from 201 to arrival: p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {lags[-1]:.1f} ms")
print(f"arrived {len(arrived)} of {writes}; requests {len(ids)}, distinct webhook-ids {len(set(ids))}")
assert len(arrived) == writes and len(ids) == len(set(ids)) == writes, "every delivery once"
PY
