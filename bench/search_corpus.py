#!/usr/bin/env python3
"""Seeded synthetic corpus for bench/search.sh: report paragraphs and sources as JSON lines
(one document per line, the fields chancery-search indexes), plus the fixed query mix.

Usage: search_corpus.py PARAGRAPHS SOURCES SEED OUT_DIR
Writes OUT_DIR/corpus.jsonl and OUT_DIR/queries.txt. No personal data: the text is drawn from a
fixed vocabulary of policy words."""
import json
import random
import sys

WORDS = """migration asylum claims housing completions rent reception centre capacity border
crossings irregular interceptions refugee resettlement detention removal deportation appeal
tribunal court judgment integration language employment permit visa quota family
reunification labour shortage wages public safety police hate crime offence victims
suspects charged convicted acquitted protest speech expression prosecution online platform
regulation ministry parliament bill amendment consultation statistics survey census rate
per residents population growth municipality province region city rural urban school
hospital waiting list benefit welfare budget spending target plan levels annual quarter
increase decrease record high low estimate provisional revision series indicator
government response minister statement agreement protocol treaty cooperation bilateral
humanitarian smuggling trafficking exploitation worker inspection sector agriculture
construction care health accommodation shelter homelessness emergency temporary
permanent residence citizenship naturalisation""".split()
EXTRA = ["safe third country", "two-tiered justice", "housing pressure", "reception capacity"]
POSTS = ["OTTAWA", "WELLINGTON", "CANBERRA", "LONDON", "PARIS", "BERLIN", "ROME", "MADRID",
         "STOCKHOLM", "THE-HAGUE", "BRUSSELS", "DUBLIN"]
COUNTRIES = ["CAN", "NZL", "AUS", "GBR", "FRA", "DEU", "ITA", "ESP", "SWE", "NLD", "BEL", "IRL"]
SECTIONS = ["summary", "migration_flows_policy", "housing", "equality_before_law",
            "public_safety", "expression", "government_response", "assessment"]
LEVELS = ["U", "U", "U", "SBU", "SBU", "C", "S"]
LANGS = ["en", "en", "en", "fr", "de", "it", "es", "sv", "nl"]
QUERIES = [
    "housing",
    "asylum claims",
    '"safe third country"',
    "reception -housing",
    "migr*",
    "hate crime victims",
    '"public safety" police',
    "detention appeal tribunal",
    "quota",
    "resettlement refugee",
]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(EXTRA))
    return " ".join(words).capitalize() + "."


def main():
    paragraphs, sources, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    with open(f"{out}/corpus.jsonl", "w") as f:
        for i in range(paragraphs):
            p = rng.randrange(len(POSTS))
            year = 2018 + rng.randrange(8)
            body = " ".join(sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(1, 4)))
            f.write(json.dumps({
                "key": f"para:{i}", "kind": "paragraph", "title": f"CHN-{year}-{1 + i % 50:04d} {POSTS[p]}",
                "body": body, "lang": "en", "marking": rng.choice(LEVELS), "post": POSTS[p],
                "country": COUNTRIES[p], "tasking": f"CHN-{year}-{1 + i % 50:04d}",
                "section": rng.choice(SECTIONS), "date": f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
                "status": rng.choice(["transmitted", "accepted", "accepted", "draft"]),
            }) + "\n")
        for i in range(sources):
            year = 2010 + rng.randrange(16)
            f.write(json.dumps({
                "key": f"source:{i}", "kind": "source", "title": sentence(rng, rng.randrange(4, 10)),
                "body": " ".join(sentence(rng, rng.randrange(10, 30)) for _ in range(rng.randrange(2, 8))),
                "lang": rng.choice(LANGS), "marking": rng.choice(["U", "U", "U", "SBU", "C"]),
                "grade": "ABCDEF"[rng.randrange(6)] + "123456"[rng.randrange(6)],
                "date": f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
            }) + "\n")
    with open(f"{out}/queries.txt", "w") as f:
        f.write("\n".join(QUERIES) + "\n")


if __name__ == "__main__":
    main()
