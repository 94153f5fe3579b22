#!/usr/bin/env bash
# Search benchmark (issue 6, item 6): a seeded corpus of report paragraphs and sources, indexed
# by Chancery (tantivy, the real schema, analyzers and clearance-filtered query with facets and
# snippets) and by a plain SQLite FTS5 table queried from Python's sqlite3, in the same run;
# the same fixed query mix, warm; p50/p99 latency, index build rate, the ratio, and the
# resident memory of the process holding Chancery's index.
# Usage: bench/search.sh   (PARAGRAPHS=1000000 SOURCES=100000 ROUNDS=30 SEED=6 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
PARAGRAPHS=${PARAGRAPHS:-1000000}
SOURCES=${SOURCES:-100000}
ROUNDS=${ROUNDS:-30}
SEED=${SEED:-6}
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 1; }
python3 -c 'import sqlite3; c = sqlite3.connect(":memory:"); c.execute("CREATE VIRTUAL TABLE t USING fts5(x)")' \
  || { echo "this Python's sqlite3 has no FTS5" >&2; exit 1; }

cargo build --release -q -p chancery-search --example search_bench
WORK=$(mktemp -d /tmp/chancery-search-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "corpus: $PARAGRAPHS paragraphs, $SOURCES sources (seed $SEED)"
python3 bench/search_corpus.py "$PARAGRAPHS" "$SOURCES" "$SEED" "$WORK"
echo "query mix: $(paste -sd '|' "$WORK/queries.txt")"

CHANCERY=$(target/release/examples/search_bench "$WORK/corpus.jsonl" "$WORK/queries.txt" "$WORK/index" "$ROUNDS")
FTS5=$(python3 bench/search_fts5.py "$WORK/corpus.jsonl" "$WORK/queries.txt" "$WORK/fts5.db" "$ROUNDS")

python3 - "$CHANCERY" "$FTS5" <<'PY'
import json, sys
c, f = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':22}{'Chancery (tantivy)':>20}{'SQLite FTS5':>16}{'ratio':>10}")
print(f"{'documents':22}{c['docs']:>20}{f['docs']:>16}")
print(f"{'build (s)':22}{c['build_s']:>20}{f['build_s']:>16}{c['build_s'] / f['build_s']:>10.2f}")
print(f"{'build (docs/s)':22}{c['docs_per_s']:>20.0f}{f['docs_per_s']:>16.0f}{c['docs_per_s'] / f['docs_per_s']:>10.2f}")
print(f"{'query p50 (ms)':22}{c['p50_ms']:>20.3f}{f['p50_ms']:>16.3f}{c['p50_ms'] / f['p50_ms']:>10.2f}")
print(f"{'query p99 (ms)':22}{c['p99_ms']:>20.3f}{f['p99_ms']:>16.3f}{c['p99_ms'] / f['p99_ms']:>10.2f}")
print(f"{'p50/p99, index-wide BM25 statistics (ms)':44}{c['index_wide_p50_ms']:>10.3f}{c['index_wide_p99_ms']:>10.3f}")
print(f"first query after a commit (visible-document statistics computed): {c['first_query_ms']:.1f} ms")
for q in c['per_query']:
    print(f"  Chancery median {q['median_ms']:>9.3f} ms  {q['total']:>8} results  {q['q']}")
print(f"resident memory of the Chancery process after the queries: {c['rss_mb']} MiB")
print("Chancery: count + 8 facets + top 20 by BM25 over the viewer's visible documents (recency tie-break)")
print("  + snippets, clearance and scope filter in the query (SearchIndex::search, what the server calls);")
print("FTS5: count + top 20 by bm25 + snippet, level filter (no facets).")
ok_abs = c['p99_ms'] <= 20
ok_rel = c['p99_ms'] <= 1.5 * f['p99_ms']
print(f"target p99 <= 20 ms: {'met' if ok_abs else 'NOT met'}; within 1.5x of FTS5: {'met' if ok_rel else 'NOT met'}")
PY
