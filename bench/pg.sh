#!/usr/bin/env bash
# Scale-out benchmark (issue 7, item 7): two release servers on one local PostgreSQL under a
# mixed load (report reads, dashboard reads, comment writes), beside one server on SQLite.
# Starts its own throwaway PostgreSQL cluster. Needs Debian wrk and postgresql.
# Usage: bench/pg.sh   (DURATION=10s CONNS=64 by default)
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PG_BIN" ] || { echo "PostgreSQL is missing: apt-get install postgresql" >&2; exit 1; }

cargo build --release -q -p chancery-cli
WORK=$(mktemp -d /tmp/chancery-bench.XXXXXX)
BIN=target/release/chancery
PIDS=()
as_postgres=()
[ "$(id -u)" = 0 ] && { chown postgres "$WORK"; as_postgres=(runuser -u postgres --); }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PGPORT=$(free_port)
"${as_postgres[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
"${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c 'CREATE DATABASE chancery' >/dev/null
PGURL="postgres://postgres@127.0.0.1:$PGPORT/chancery"

# run_servers DB N: starts N servers on DB, sets BASES; logs in once (sessions are shared).
run_servers() {
  local db=$1 n=$2
  $BIN --database "$db" demo --no-serve > "$WORK/demo.txt"
  BASES=()
  for _ in $(seq 1 "$n"); do
    local port; port=$(free_port)
    $BIN --database "$db" serve --bind "127.0.0.1:$port" 2>> "$WORK/server.log" &
    PIDS+=($!)
    BASES+=("http://127.0.0.1:$port")
    wait_http "http://127.0.0.1:$port/healthz"
  done
  rm -f "$WORK/jar"
  login "${BASES[0]}" ottawa.drafter "$(awk '$1 == "ottawa.drafter" { print $5 }' "$WORK/demo.txt")" "$WORK/jar"
  export BENCH_COOKIE; BENCH_COOKIE=$(cookie_of "$WORK/jar")
  export BENCH_CSRF; BENCH_CSRF=$(curl -fs -b "$WORK/jar" "${BASES[0]}/" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | sed 's/.*value="//; s/"//')
}

# mixed LABEL: runs the mixed load against every server in BASES at once.
mixed() {
  local label=$1 per=$(( ${CONNS:-64} / ${#BASES[@]} )) i=0 loads=()
  for base in "${BASES[@]}"; do
    CONNS=$per wrk_run "$label-$i" "$base" -s bench/mixed.lua > "$WORK/$label-$i.txt" &
    loads+=($!)
    i=$((i + 1))
  done
  wait "${loads[@]}"
  cat "$WORK/$label"-*.txt
  python3 - "$WORK" "$label" <<'PY'
import glob, sys
work, label = sys.argv[1], sys.argv[2]
total = sum(float(open(f).read()) for f in glob.glob(f"{work}/{label}-*.rps"))
print(f"{label}: {total:.0f} req/s in total")
open(f"{work}/{label}.total", "w").write(str(total))
PY
}

echo "mixed load: 80% report page, 15% dashboard, 5% comment POST; ${CONNS:-64} connections in all, ${DURATION:-10s}"
run_servers "sqlite:$WORK/bench.db" 1
mixed sqlite-1-server
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; PIDS=()
run_servers "$PGURL" 2
mixed postgres-2-servers
python3 -c "a=float(open('$WORK/postgres-2-servers.total').read()); b=float(open('$WORK/sqlite-1-server.total').read()); print(f'two servers on PostgreSQL: {a/b:.2f}x the single SQLite server')"
echo "comments written: $(psql -qtA -h 127.0.0.1 -p "$PGPORT" -U postgres -d chancery -c 'SELECT COUNT(*) FROM comments')"
echo "audit chain: $($BIN --database "$PGURL" audit verify)"
