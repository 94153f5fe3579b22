#!/usr/bin/env bash
# Where a page's time goes: serves the demo (release build), loads one page with wrk as
# hq.editor and samples the server with `perf record` (DWARF call graphs), then prints the
# functions with the most samples, self and inclusive. Needs Debian wrk and linux-perf.
# Build with line tables for readable stacks: CARGO_PROFILE_RELEASE_DEBUG=line-tables-only.
# Usage: bench/profile.sh [PATH]   (default the OTTAWA report page; SECONDS_=5, CONNS=64;
#        BIN=path/to/chancery profiles another build; SERVE_ARGS=--no-page-reuse profiles
#        rendering, which a repeat view otherwise skips)
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }
PAGE=${1:-/taskings/CHN-2026-0001/reports/OTTAWA}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p chancery-cli
  BIN=target/release/chancery
fi
WORK=$(mktemp -d /tmp/chancery-profile.XXXXXX)
DB="sqlite:$WORK/bench.db"
$BIN --database "$DB" demo --no-serve > "$WORK/demo.txt"
PW=$(awk '$1 == "hq.editor" { print $5 }' "$WORK/demo.txt")
PORT=$(free_port)
$BIN --database "$DB" serve ${SERVE_ARGS:-} --bind "127.0.0.1:$PORT" 2> "$WORK/server.log" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
BASE="http://127.0.0.1:$PORT"
wait_http "$BASE/healthz"
login "$BASE" hq.editor "$PW" "$WORK/jar"
COOKIE="Cookie: chancery_session=$(cookie_of "$WORK/jar")"
curl -fs -o /dev/null -H "$COOKIE" "$BASE$PAGE"
perf record -q -F 499 --call-graph dwarf,16384 -p "$SERVER" -o "$WORK/perf.data" -- sleep "${SECONDS_:-5}" &
PERF=$!
wrk -t2 -c"${CONNS:-64}" -d"${SECONDS_:-5}s" --latency -H "$COOKIE" "$BASE$PAGE" | grep -E "Requests/sec|99%"
wait "$PERF"
perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio -q -g none 2>/dev/null > "$WORK/self.txt" || true
perf report -i "$WORK/perf.data" --children --sort symbol --stdio -q -g none 2>/dev/null > "$WORK/children.txt" || true
echo "--- self time (top 30)"
grep -v '^$' "$WORK/self.txt" | head -30 || true
echo "--- inclusive time (top 70)"
grep -v "^$" "$WORK/children.txt" | grep -v "poll<\|{closure\|fold<\|from_iter<\|collect<\|extend\|(inlined)" | head -70 || true
cp "$WORK/children.txt" "${KEEP:-$WORK}/" 2>/dev/null || true
