#!/usr/bin/env bash
# Import speed: `chancery import` (release) against pandas and polars on the same seeded
# synthetic SDMX-CSV file, same machine, one run each. Prints observations/s and the ratios.
# Target (issue 4): >= 1,000,000 observations/s and >= 5x pandas.
#
# Usage: bench/import.sh [ROWS]   (default 10000000; use 1000000 on a shared machine)
# The file is SDMX-CSV 2.0 (STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,TIME_PERIOD,
# OBS_VALUE,OBS_STATUS) over 50 countries x 200 indicators x 2 sexes x N years, a year at a
# time, seed 42.
# pandas: read_csv + to_sql into sqlite3 (one table, default chunking); polars: read_csv +
# executemany into sqlite3 in one transaction. PyPI packages go into a venv under
# target/bench-venv (created once; needs pip access to PyPI or a local mirror).
cd "$(dirname "$0")/.."
set -euo pipefail
ROWS=${1:-10000000}
WORK=$(mktemp -d /tmp/chancery-import.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
VENV=target/bench-venv

cargo build --release -q -p chancery-cli
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q pandas polars
fi

# The data: seeded, deterministic (bench/gen_sdmx.py).
python3 bench/gen_sdmx.py "$ROWS" "$WORK/data.csv"
# Written out before any tool reads it, so the first one timed is not also paying for that.
sync
SIZE=$(du -h "$WORK/data.csv" | cut -f1)
echo "file: $ROWS observations, $SIZE (SDMX-CSV 2.0)"

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# chancery: a fresh database with one admin, then the import (one transaction, one vintage).
DB="sqlite:$WORK/chancery.db"
target/release/chancery --database "$DB" init > /dev/null
echo "bench-password-1" | target/release/chancery --database "$DB" user add bench --role admin --clearance S --password-stdin > /dev/null
start=$(date +%s.%N)
target/release/chancery --database "$DB" --as bench import "$WORK/data.csv" --format sdmx-csv > "$WORK/chancery.out"
end=$(date +%s.%N)
T_CHANCERY=$(secs "$start" "$end")
grep -q "$ROWS imported" "$WORK/chancery.out" || { echo "chancery did not import every row:"; cat "$WORK/chancery.out"; exit 1; }
# The same file again: every observation compared with the stored one, nothing written.
start=$(date +%s.%N)
target/release/chancery --database "$DB" --as bench import "$WORK/data.csv" --format sdmx-csv > "$WORK/again.out"
end=$(date +%s.%N)
T_AGAIN=$(secs "$start" "$end")
grep -q "0 imported, $ROWS unchanged" "$WORK/again.out" || { echo "the second import changed something:"; cat "$WORK/again.out"; exit 1; }

T_PANDAS=$("$VENV/bin/python" - "$WORK/data.csv" "$WORK/pandas.db" <<'PY'
import sys, time, sqlite3
import pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], dtype={"TIME_PERIOD": str})
con = sqlite3.connect(sys.argv[2])
df.to_sql("observations", con, index=False)
con.commit(); con.close()
print(f"{time.perf_counter() - t:.3f}")
PY
)

T_POLARS=$("$VENV/bin/python" - "$WORK/data.csv" "$WORK/polars.db" <<'PY'
import sys, time, sqlite3
import polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], schema_overrides={"TIME_PERIOD": pl.Utf8})
con = sqlite3.connect(sys.argv[2])
con.execute("CREATE TABLE observations (STRUCTURE TEXT, STRUCTURE_ID TEXT, ACTION TEXT, REF_AREA TEXT, INDICATOR TEXT, SEX TEXT, TIME_PERIOD TEXT, OBS_VALUE REAL, OBS_STATUS TEXT)")
con.executemany("INSERT INTO observations VALUES (?,?,?,?,?,?,?,?,?)", df.iter_rows())
con.commit(); con.close()
print(f"{time.perf_counter() - t:.3f}")
PY
)

python3 - "$ROWS" "$T_CHANCERY" "$T_PANDAS" "$T_POLARS" "$T_AGAIN" <<'PY'
import sys
rows = int(sys.argv[1]); c, p, o, a = map(float, sys.argv[2:])
for name, t in (("chancery import", c), ("pandas read_csv + to_sql", p), ("polars read_csv + executemany", o),
                ("chancery import, same file again", a)):
    print(f"{name:32s} {t:9.3f} s {rows / t:14,.0f} obs/s")
print(f"chancery vs pandas: {p / c:.2f}x   chancery vs polars: {o / c:.2f}x   target: >= 1,000,000 obs/s and >= 5x pandas")
PY
