# What every benchmark script sets up; sourced from bench/*.sh at the repository root.
# bench_setup: the tools (wrk, taskset) and the release build, whose binary is "$bin"
# (NEWSROOM_BIN=<binary> to measure another build, such as the one before a change).
# bench_database <work dir> <sqlite|postgres>: a fresh database for the run, its URL in "$url".

bench_setup() {
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/newsroom-target}"
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v taskset >/dev/null || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  # NEWSROOM_BIN runs another build (the one before a change, for a before-and-after).
  if [ -n "${NEWSROOM_BIN:-}" ]; then
    bin="$NEWSROOM_BIN"
  else
    cargo build --release --locked -q
    bin="$CARGO_TARGET_DIR/release/newsroom"
  fi
}

bench_database() {
  case "$2" in
    sqlite) url="$1/bench.db" ;;
    postgres)
      # Without TLS, as docs/operations.md advises on loopback: libpq's default (`prefer`)
      # encrypts every statement and reply, 15-20% of a cold read on this machine.
      url="postgres://postgres@127.0.0.1:5432/newsroom_bench?sslmode=disable"
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS newsroom_bench" \
        -c "CREATE DATABASE newsroom_bench" ;;
    *) echo "usage: $0 [sqlite|postgres]"; exit 2 ;;
  esac
}
