#!/usr/bin/env python3
"""The reference for bench/search.sh: the same corpus in a plain SQLite FTS5 table (porter
stemmer, diacritics removed), queried from Python's sqlite3 with the same query mix: matches
filtered by the viewer's level, count, and the best 20 by bm25 with a snippet.

Usage: search_fts5.py CORPUS QUERIES DB ROUNDS   (prints one JSON line)"""
import json
import re
import sqlite3
import statistics
import sys
import time

LEVEL = {"U": 0, "SBU": 1, "C": 2, "S": 3}


def to_fts(q):
    """Our query language to FTS5: words AND-ed, "phrases", -word -> NOT, prefix* kept."""
    parts = re.findall(r'-?"[^"]*"|\S+', q)
    pos, neg = [], []
    for p in parts:
        (neg if p.startswith("-") else pos).append(p.lstrip("-"))
    expr = " AND ".join(pos)
    for n in neg:
        expr += f" NOT {n}"
    return expr


def main():
    corpus, queries, db, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, level UNINDEXED, "
                "tokenize='porter unicode61 remove_diacritics 2')")
    started = time.perf_counter()
    n = 0
    with open(corpus) as f:
        batch = []
        for line in f:
            d = json.loads(line)
            batch.append((d["title"], d["body"], LEVEL[d["marking"]]))
            if len(batch) == 10000:
                con.executemany("INSERT INTO docs (title, body, level) VALUES (?, ?, ?)", batch)
                n += len(batch)
                batch = []
        con.executemany("INSERT INTO docs (title, body, level) VALUES (?, ?, ?)", batch)
        n += len(batch)
    con.commit()
    build = time.perf_counter() - started
    qs = [to_fts(q.strip()) for q in open(queries) if q.strip()]
    clearance = LEVEL["C"]

    def run(q):
        total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ? AND level <= ?",
                            (q, clearance)).fetchone()[0]
        rows = con.execute("SELECT rowid, snippet(docs, 1, '<b>', '</b>', '…', 24) FROM docs "
                           "WHERE docs MATCH ? AND level <= ? ORDER BY bm25(docs) LIMIT 20",
                           (q, clearance)).fetchall()
        return total, rows

    for q in qs:  # warm
        run(q)
    lat = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            run(q)
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(json.dumps({
        "docs": n, "build_s": round(build, 2), "docs_per_s": round(n / build),
        "p50_ms": round(statistics.median(lat), 3),
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 3),
    }))


if __name__ == "__main__":
    main()
