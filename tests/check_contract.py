#!/usr/bin/env python3
"""Check a Rights Atlas DuckDB file against the project's declared schema (etl/schema.py).

Usage: check_contract.py [DB]   (default: $ATLAS_DB or data/atlas.duckdb)
Prints one line per problem and exits 1 if there is any; prints a summary and exits 0 otherwise.

What it checks is derived from etl/schema.py, which marks the columns the owners' data contract
(DESIGN.md) names: every declared table and view exists with its columns and types, the
contract's concept ids are present, and the rules publish checks hold (keys, accepted values,
references). It is a superset of the owners' own checker (../shared/tools/check_contract.py),
which tests/test_schema.py also runs when ../shared is present.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from etl.schema import TABLES, VIEWS, Table, violations
from etl.taxonomy import REQUIRED_CONCEPT_IDS


def shape_problems(con: duckdb.DuckDBPyConnection, declared: Table) -> list[str]:
    """Missing tables and columns, and columns of another type than declared."""
    have = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
            [declared.name],
        ).fetchall()
    )
    if not have:
        return [f"missing table or view: {declared.name}"]
    problems = []
    for column in declared.columns:
        if column.name not in have:
            problems.append(f"{declared.name}: missing column {column.name}")
        elif have[column.name] != column.type:
            problems.append(
                f"{declared.name}.{column.name}: type {have[column.name]}, declared {column.type}"
            )
    return problems


def contract_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Everything that breaks the declared schema, one line each; empty when the file is sound."""
    problems = [p for declared in (*TABLES, *VIEWS) for p in shape_problems(con, declared)]
    if problems:
        return problems
    ids = {row[0] for row in con.execute("SELECT concept_id FROM concepts").fetchall()}
    problems += [f"concepts: missing id {c}" for c in REQUIRED_CONCEPT_IDS if c not in ids]
    return problems + violations(con)


def main() -> int:
    path = Path(
        sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ATLAS_DB", "data/atlas.duckdb")
    )
    if not path.exists():
        print(f"no database at {path}: build it first (python -m etl build)")
        return 1
    with duckdb.connect(str(path), read_only=True) as con:
        problems = contract_problems(con)
        for problem in problems:
            print(problem)
        if problems:
            return 1
        contract_tables = [t.name for t in TABLES if any(c.contract for c in t.columns)]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in contract_tables}  # noqa: S608
    print("contract holds: " + ", ".join(f"{t}={n[0] if n else 0}" for t, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
