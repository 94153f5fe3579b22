#!/usr/bin/env bash
# Where an import's time goes: generates the seeded SDMX-CSV of bench/import.sh (ROWS, default
# 10,000,000), imports it with the release build into a fresh SQLite database under
# /usr/bin/time (wall, user, system, peak RSS), samples the import with `perf` for SECONDS_
# (default 8) starting DELAY seconds in (default 2, inside the parse of ten million rows), and
# prints the functions with the most samples, per thread (the parser thread is
# `tokio-rt-worker`, the writer `chancery`, SQLite's worker `sqlx-sqlite-wor`). Needs Debian linux-perf and time.
# Usage: bench/import_profile.sh [ROWS]   (BIN=path/to/chancery profiles another build)
cd "$(dirname "$0")/.."
set -euo pipefail
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install time" >&2; exit 1; }
ROWS=${1:-10000000}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p chancery-cli
  BIN=target/release/chancery
fi
WORK=$(mktemp -d /tmp/chancery-import-profile.XXXXXX)
trap 'kill "${IMPORT:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/gen_sdmx.py "$ROWS" "$WORK/data.csv"
DB="sqlite:$WORK/chancery.db"
$BIN --database "$DB" init > /dev/null
echo "bench-password-1" | $BIN --database "$DB" user add bench --role admin --clearance S --password-stdin > /dev/null
/usr/bin/time -f "%e s wall, %U s user, %S s system, peak RSS %M KB" -o "$WORK/time.txt" \
  $BIN --database "$DB" --as bench import "$WORK/data.csv" --format sdmx-csv > "$WORK/out.txt" &
IMPORT=$!
sleep "${DELAY:-2}"
PID=$(pgrep -f -n "import $WORK/data.csv" || true)
if [ -n "$PID" ]; then
  perf record -q -e cpu-clock -F 499 -g -p "$PID" -o "$WORK/perf.data" -- sleep "${SECONDS_:-8}" 2>/dev/null || true
fi
wait "$IMPORT"
IMPORT=""
cat "$WORK/out.txt"
echo "$ROWS observations: $(cat "$WORK/time.txt")"
if [ -s "$WORK/perf.data" ]; then
  echo "--- self time (top 25), ${SECONDS_:-8} s from ${DELAY:-2} s in"
  perf report -i "$WORK/perf.data" --no-children --sort comm,dso,symbol --stdio -q -g none 2>/dev/null \
    | grep -v '^$' | head -25 || true
else
  echo "the import finished before the sample started: lower DELAY"
fi
