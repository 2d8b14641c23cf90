#!/usr/bin/env python3
# Copied verbatim from the project owners' shared/tools so the tests do not need ../shared.
"""Check a Rights Atlas DuckDB file against the data contract in shared/DESIGN.md.

Usage: check_contract.py [DB]   (default: $ATLAS_DB or data/atlas.duckdb)
Prints one line per problem and exits 1 if there is any; prints a summary and exits 0 otherwise.
Run it with the project's own Python (the one that has duckdb installed).
"""
import os
import sys

REQUIRED = {
    "documents": ["doc_id", "city", "organ", "doc_kind", "title", "date", "dnr", "relates_to", "source_file", "sha256"],
    "items": ["item_id", "doc_id", "city", "kind", "text", "text_raw", "section", "char_start", "char_end", "unit_id"],
    "concepts": ["concept_id", "dimension", "label_sv", "label_en"],
    "mappings": ["item_id", "concept_id", "score", "method", "matched_alias", "status"],
}
CONCEPT_IDS = (
    [f"eccar.{i:02d}" for i in range(1, 11)]
    + [f"function.{n}" for n in "governance knowledge competence methods collaboration communication followup participation service".split()]
    + [f"focus.{n}" for n in "racism_general afrophobia antisemitism antiziganism islamophobia anti_sami national_minorities children_youth lgbtqi gender_equality disability".split()]
    + [f"arena.{n}" for n in "school labour_market culture leisure_sport housing social_services employer digital".split()]
)
KINDS = {"component", "activity", "response", "recommendation"}
METHODS = {"fuzzy", "stated", "manual"}
STATUSES = {"auto", "accepted", "rejected"}


def main() -> int:
    try:
        import duckdb
    except ImportError:
        print("duckdb is not importable by this Python; run with the project's virtual environment")
        return 1
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ATLAS_DB", "data/atlas.duckdb")
    if not os.path.exists(path):
        print(f"no database at {path}: build it first (python -m etl build)")
        return 1
    con = duckdb.connect(path, read_only=True)
    problems = []
    for table, cols in REQUIRED.items():
        have = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}
        if not have:
            problems.append(f"missing table or view: {table}")
            continue
        problems += [f"{table}: missing column {c}" for c in cols if c not in have]
    if not problems:
        ids = {r[0] for r in con.execute("select concept_id from concepts").fetchall()}
        problems += [f"concepts: missing id {c}" for c in CONCEPT_IDS if c not in ids]
        bad = con.execute("select distinct kind from items").fetchall()
        problems += [f"items: unknown kind {k[0]!r}" for k in bad if k[0] not in KINDS]
        for col, allowed in (("method", METHODS), ("status", STATUSES)):
            for (v,) in con.execute(f"select distinct {col} from mappings").fetchall():
                if v not in allowed:
                    problems.append(f"mappings: unknown {col} {v!r}")
        orphans = con.execute(
            "select count(*) from mappings m left join items i using (item_id) where i.item_id is null").fetchone()[0]
        if orphans:
            problems.append(f"mappings: {orphans} rows point at no item")
        unknown = con.execute(
            "select count(*) from mappings m left join concepts c using (concept_id) where c.concept_id is null").fetchone()[0]
        if unknown:
            problems.append(f"mappings: {unknown} rows point at no concept")
    for p in problems:
        print(p)
    if problems:
        return 1
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in REQUIRED}
    print("contract holds: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
