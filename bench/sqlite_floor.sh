#!/usr/bin/env bash
# SQLite's own cost of storing 1,000,000 observations one row each, with no parser and no
# binding: the rows are built inside the engine first, then inserted by one `INSERT … SELECT`
# per table layout, each in its own transaction. This was the floor under `chancery import`
# while observations were stored one row each (migrations 0003–0008): the `observations`
# table as it was (rowid table + primary-key index), the same as WITHOUT ROWID, the same fed
# in key order, and the same rows with no key at all (what pandas' `to_sql` writes). Kept as
# the reason for observation blocks (migration 0009: one row per series, country and vintage).
# Needs the sqlite3 command-line shell (Debian `sqlite3`).
#
# Usage: bench/sqlite_floor.sh [ROWS]   (default 1000000)
set -euo pipefail
ROWS=${1:-1000000}
command -v sqlite3 >/dev/null || { echo "sqlite3 (the shell) is missing: apt install sqlite3" >&2; exit 1; }
WORK=$(mktemp -d /tmp/chancery-sqlite-floor.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

COLUMNS="country TEXT NOT NULL, series TEXT NOT NULL, period TEXT NOT NULL, vintage_id INTEGER NOT NULL,
  value REAL, unit TEXT, status TEXT, provisional INTEGER NOT NULL, estimate INTEGER NOT NULL,
  break_in_series INTEGER NOT NULL, source_publisher TEXT, source_title TEXT, source_url TEXT,
  note TEXT, line INTEGER NOT NULL"
KEY="PRIMARY KEY (series, country, period, vintage_id)"
SELECT="SELECT c, s, p, 1, i * 0.5, NULL, 'A', 0, 0, 0, NULL, NULL, NULL, NULL, i + 2 FROM src"

run() { # NAME CREATE-SUFFIX ORDER
  sqlite3 "$WORK/floor.db" <<SQL | awk -v name="$1" '/^Run Time/ {t = $4} END {printf "%-44s %7.3f s\n", name, t}'
PRAGMA cache_size = -262144;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
DROP TABLE IF EXISTS o;
CREATE TABLE o ($COLUMNS$2;
BEGIN;
.timer on
INSERT INTO o $SELECT $3;
.timer off
COMMIT;
SQL
}

# 50 countries x 200 indicators x 2 sexes per year, like bench/import.sh's file.
sqlite3 "$WORK/floor.db" "PRAGMA journal_mode = WAL;
  CREATE TABLE src AS SELECT 'C' || (value / 200 % 50) AS c,
    'IND' || (value % 200) || '.' || ((value / 10000) % 2) AS s,
    CAST(1950 + value / 20000 AS TEXT) AS p, value AS i
  FROM generate_series(0, $ROWS - 1);" > /dev/null
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), $ROWS rows, one INSERT … SELECT each:"
run "observations as migrated (rowid + key index)" ", $KEY)" ""
run "WITHOUT ROWID" ", $KEY) WITHOUT ROWID" ""
run "WITHOUT ROWID, rows in key order" ", $KEY) WITHOUT ROWID" "ORDER BY s, c, p"
run "no key (what pandas to_sql writes)" ")" ""
