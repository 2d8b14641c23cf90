"""The published database, declared once: every table's grain, columns, keys and rules.

Everything else about the tables is derived from `TABLES` and `VIEWS` below: the DDL publish
runs, the Polars schemas of the frames it inserts, the checks it makes before the swap (keys
unique and not null, accepted values, references resolve; a failure names the bad keys), the
contract check the tests run (tests/check_contract.py) and docs/SCHEMA.md.

To add a column: add a `Column` to its table here, and a field of the same name to the record
that fills it (publish builds each row from the record's fields; tests/test_schema.py checks
that records and tables agree). To add a table: add a `Table` here and one entry to
`publish.document_frames` (a document's rows) or `publish.whole_frames` (rows from
shared inputs) that gives its rows. Then regenerate the document:
`.venv/bin/python -m etl.schema > docs/SCHEMA.md`.

Column names marked `contract` are fixed by the data contract in the owners' DESIGN.md; other
tools and the evaluation read them, so they are never renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import duckdb
import polars as pl
import pyarrow as pa

from etl.model import (
    COVERAGE_STATES,
    DIMENSIONS,
    DOC_KINDS,
    DOCUMENT_LANGUAGES,
    ITEM_KINDS,
    MAPPING_BASES,
    MAPPING_METHODS,
    MAPPING_STATUSES,
    QUALITY_BOUNDS,
    SKIP_REASONS,
)

# The column types in use, as DuckDB spells them.
TEXT, INTEGER, COUNT, NUMBER, FLAG = "VARCHAR", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN"
INTEGERS, TEXTS = "INTEGER[]", "VARCHAR[]"

# DuckDB column type → the Polars type of the frame publish inserts into it.
POLARS_TYPES: dict[str, pl.DataType] = {
    TEXT: pl.String(),
    INTEGER: pl.Int32(),
    COUNT: pl.Int64(),
    NUMBER: pl.Float64(),
    FLAG: pl.Boolean(),
    INTEGERS: pl.List(pl.Int32()),
    TEXTS: pl.List(pl.String()),
}
# The list types as Arrow's: a list column is handed to Polars through Arrow, which converts
# a Python list of tuples in one call (6,600 items' years: 0.007 CPU s, where Polars' own
# constructor, a Series per row, took 0.067 s).
ARROW_LISTS: dict[str, pa.DataType] = {
    INTEGERS: pa.list_(pa.int32()),
    TEXTS: pa.list_(pa.string()),
}

# How many offending keys or values a failed check names per rule: enough to find the cause.
MAX_NAMED = 5

# What a `build_inputs` row is the digest of: one document's results; the code and shared data
# (taxonomy, rules, model, quality figures, undescribed files); the review decisions.
BUILD_INPUT_KINDS = ("document", "build", "decisions")


@dataclass(frozen=True)
class Column:
    """One column: its DuckDB type, what it means, and the rules its values keep."""

    name: str
    meaning: str
    type: str = TEXT
    nullable: bool = False
    accepted: tuple[str, ...] = ()  # the only values allowed (empty: any)
    references: str = ""  # a table whose one-column key every non-null value must be
    contract: bool = False  # named in the owners' data contract (DESIGN.md)


@dataclass(frozen=True)
class Table:
    """One table (or view): what one row is, its columns in order, and its key."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


CONCEPT_ID = "concept_id"

# A link's columns, shared by `suggestions` (the matcher's proposals) and `mappings` (the same
# links after review, which adds `status` between the two runs and marks the head as contract).
LINK_HEAD: tuple[Column, ...] = (
    Column("item_id", "the item", references="items"),
    Column(CONCEPT_ID, "the concept", references="concepts"),
    Column("score", "match strength, 0-100", NUMBER),
    Column("method", "how the link was found", accepted=MAPPING_METHODS),
    Column("matched_alias", "the alias that matched", nullable=True),
)
LINK_EVIDENCE: tuple[Column, ...] = (
    Column(
        "match_start",
        "where the match starts in the item's text, -1 when none",
        INTEGER,
        nullable=True,
    ),
    Column(
        "match_end",
        "where the match ends in the item's text, -1 when none",
        INTEGER,
        nullable=True,
    ),
    Column(
        "basis",
        "how it was found, finer than method: the passage's words, its document's "
        "subject, the learned model, an inference rule, the document's statement, a person",
        accepted=MAPPING_BASES,
    ),
    Column("evidence", "why, in words a reviewer reads", nullable=True),
)

TABLES: tuple[Table, ...] = (
    Table(
        "documents",
        "one row per source document",
        (
            Column("doc_id", "the source file's name without its extension", contract=True),
            Column("city", "the city whose document it is", contract=True),
            Column("organ", "the committee or office that wrote it", contract=True),
            Column("doc_kind", "what kind of paper it is", accepted=DOC_KINDS, contract=True),
            Column("title", "its title", contract=True),
            Column(
                "date",
                "its date: YYYY, YYYY-MM or YYYY-MM-DD, empty when unknown",
                nullable=True,
                contract=True,
            ),
            Column(
                "dnr",
                "its case number (diarienummer), empty when none",
                nullable=True,
                contract=True,
            ),
            Column(
                "relates_to",
                "the document it answers or implements, as the manifest names it",
                nullable=True,
                contract=True,
            ),
            Column("source_file", "its file name in data/raw", contract=True),
            Column("sha256", "sha256 of the source file's bytes", contract=True),
            Column("repaired", "whether OCR repair changed its text", FLAG),
            Column("item_count", "how many items were extracted from it", INTEGER),
            Column(
                "language", "its language, detected from its words", accepted=DOCUMENT_LANGUAGES
            ),
            Column("coverage", "share of its text's non-space characters inside an item", NUMBER),
        ),
        key=("doc_id",),
    ),
    Table(
        "document_texts",
        "one row per document: its text as loaded, and repaired",
        (
            Column("doc_id", "the document", references="documents"),
            Column("text_raw", "the text as loaded; item offsets point into it"),
            Column("text", "the text with OCR-lost å/ä/ö restored"),
        ),
        key=("doc_id",),
    ),
    Table(
        "items",
        "one row per extracted passage",
        (
            Column(
                "item_id", "a hash of the passage's words, stable across rebuilds", contract=True
            ),
            Column("doc_id", "the document it comes from", references="documents", contract=True),
            Column("city", "the document's city", contract=True),
            Column("kind", "what the passage is", accepted=ITEM_KINDS, contract=True),
            Column("text", "the passage, repaired", contract=True),
            Column("text_raw", "the passage as in the source", contract=True),
            Column("section", "the standard heading it stands under", contract=True),
            Column("subsection", "the heading within that section, empty when none", nullable=True),
            Column(
                "char_start", "where text_raw starts in the document's text", INTEGER, contract=True
            ),
            Column(
                "char_end", "where text_raw ends in the document's text", INTEGER, contract=True
            ),
            Column(
                "unit_id",
                "the policy component it describes: shared by items that describe "
                "the same one, else its own item_id",
                references="items",
                contract=True,
            ),
            Column("parent_id", "the item it is a sub-point of, empty when none", nullable=True),
            Column("years", "the years the passage names", INTEGERS, nullable=True),
            Column("position", "its place in build order (document, then text order)", INTEGER),
        ),
        key=("item_id",),
    ),
    Table(
        "skipped_blocks",
        "one row per stretch of a document's text that became no item, with the reason",
        (
            Column("doc_id", "the document", references="documents"),
            Column("char_start", "where the stretch starts in the document's text", INTEGER),
            Column("char_end", "where it ends", INTEGER),
            Column("reason", "why it is no item", accepted=SKIP_REASONS),
            Column("text_raw", "the stretch as in the source"),
        ),
        key=("doc_id", "char_start", "char_end"),
    ),
    Table(
        "concepts",
        "one row per taxonomy concept",
        (
            Column(CONCEPT_ID, "the concept's id, e.g. eccar.07", contract=True),
            Column("dimension", "the dimension it belongs to", accepted=DIMENSIONS, contract=True),
            Column("label_sv", "its label in Swedish", contract=True),
            Column("label_en", "its label in English", contract=True),
            Column("scope_sv", "what it covers, in Swedish"),
            Column("scope_en", "what it covers, in English"),
            Column("position", "its place in the taxonomy file", INTEGER),
        ),
        key=(CONCEPT_ID,),
    ),
    Table(
        "concept_aliases",
        "one row per concept × alias",
        (
            Column(CONCEPT_ID, "the concept", references="concepts"),
            Column("alias", "a phrase that signals it"),
        ),
        key=(CONCEPT_ID, "alias"),
    ),
    Table(
        "crosswalk",
        "one row per concept × ECCAR commitment it counts towards",
        (
            Column(CONCEPT_ID, "the function, focus or arena concept", references="concepts"),
            Column(
                "eccar_id",
                "the ECCAR commitment it gives derived coverage of",
                references="concepts",
            ),
        ),
        key=(CONCEPT_ID, "eccar_id"),
    ),
    Table(
        "suggestions",
        "one row per item × concept the matcher proposed, before review",
        (*LINK_HEAD, *LINK_EVIDENCE),
        key=("item_id", CONCEPT_ID),
    ),
    Table(
        "mappings",
        "one row per item × concept, reviewed decisions applied",
        (
            *(replace(c, contract=True) for c in LINK_HEAD),
            Column(
                "status",
                "the review state; rejected rows count nowhere",
                accepted=MAPPING_STATUSES,
                contract=True,
            ),
            *LINK_EVIDENCE,
        ),
        key=("item_id", CONCEPT_ID),
    ),
    Table(
        "cell_reviews",
        "one row per city × concept a reviewer judged not covered",
        (
            Column("city", "the city"),
            Column(CONCEPT_ID, "the concept", references="concepts"),
            Column("reviewer", "who decided", nullable=True),
            Column("decided_at", "when, ISO 8601", nullable=True),
            Column("note", "the reviewer's note", nullable=True),
        ),
        key=("city", CONCEPT_ID),
    ),
    Table(
        "quality",
        "one row per concept with measured precision and recall, one per dimension (concept_id = "
        "the dimension), and one row 'all' with the micro-average over every pair",
        (
            Column(CONCEPT_ID, "the concept, a dimension, or 'all'"),
            Column("precision", "share of its links that gold confirms", NUMBER, nullable=True),
            Column("recall", "share of gold links the matcher found", NUMBER, nullable=True),
            Column("support", "gold links measured on", INTEGER, nullable=True),
            *(
                Column(
                    bound,
                    "95 % Wilson interval bound; NULL when too few pairs",
                    NUMBER,
                    nullable=True,
                )
                for bound in QUALITY_BOUNDS
            ),
        ),
        key=(CONCEPT_ID,),
    ),
    Table(
        "build_log",
        "one row per build message: unmapped items, stale decisions",
        (
            Column("topic", "what the message is about"),
            Column("message", "the message"),
        ),
    ),
    Table(
        "build_inputs",
        "one row per document, one for the code and data the whole build depends on and one for "
        "the review decisions applied: a digest of what the published rows were made from, so "
        "that the next build republishes only the documents whose digest changed",
        (
            Column("kind", "what the digest is of", accepted=BUILD_INPUT_KINDS),
            Column("name", "the document's id; empty for the other kinds"),
            Column("digest", "sha256 of the inputs, as the build cache keys them"),
        ),
        key=("kind", "name"),
    ),
)

# Views publish defines over the tables (their SQL is in etl/publish.py); the columns are
# declared here so that the docs show them and publish checks the SQL still gives them.
VIEWS: tuple[Table, ...] = (
    Table(
        "live_links",
        "one row per item × concept link that counts (not rejected)",
        (
            Column("item_id", "the item"),
            Column(CONCEPT_ID, "the concept"),
            Column("score", "match strength, 0-100", NUMBER),
            Column("status", "the review state", accepted=MAPPING_STATUSES),
            Column("method", "how the link was found", accepted=MAPPING_METHODS),
            Column("basis", "how it was found, finer than method", accepted=MAPPING_BASES),
            Column("city", "the item's city"),
            Column("kind", "the item's kind", accepted=ITEM_KINDS),
            Column("unit_id", "the item's unit"),
            Column("doc_id", "the item's document"),
        ),
    ),
    Table(
        "coverage",
        "one row per city × concept: how much of the city's work maps to it, and its state",
        (
            Column("city", "the city", nullable=True),
            Column(CONCEPT_ID, "the concept", nullable=True),
            Column("dimension", "the concept's dimension", nullable=True, accepted=DIMENSIONS),
            Column("position", "the concept's place in the taxonomy", INTEGER, nullable=True),
            Column(
                "units", "policy components linked (what comparisons count)", COUNT, nullable=True
            ),
            Column("items", "passages linked", COUNT, nullable=True),
            Column("components", "linked passages of kind component", COUNT, nullable=True),
            Column("activities", "linked passages of kind activity", COUNT, nullable=True),
            Column("responses", "linked passages of kind response", COUNT, nullable=True),
            Column(
                "recommendations", "linked passages of kind recommendation", COUNT, nullable=True
            ),
            Column("best_score", "the strongest link's score", NUMBER, nullable=True),
            Column("sources", "documents the links come from", COUNT, nullable=True),
            Column("bases", "the ways its links were found (see mappings.basis)", TEXTS),
            Column(
                "derived_units",
                "units counted through the crosswalk (ECCAR only)",
                COUNT,
                nullable=True,
            ),
            Column(
                "derived_from",
                "the concepts derived coverage comes through",
                TEXTS,
                nullable=True,
            ),
            Column("state", "the cell's coverage state", nullable=True, accepted=COVERAGE_STATES),
        ),
        key=("city", CONCEPT_ID),
    ),
)


def table(name: str) -> Table:
    """The declaration of a table or view by name."""
    for declared in (*TABLES, *VIEWS):
        if declared.name == name:
            return declared
    raise KeyError(f"no table or view {name!r} in etl/schema.py")


def ddl() -> str:
    """CREATE TABLE statements for every table, in declaration order.

    A one-column key becomes the PRIMARY KEY (DuckDB enforces it on insert); every key, however
    many columns, is also checked by `violations` so that a failure names the keys.
    """
    statements = []
    for declared in TABLES:
        lines = []
        for column in declared.columns:
            line = f"    {column.name} {column.type}"
            if declared.key == (column.name,):
                line += " PRIMARY KEY"
            elif not column.nullable:
                line += " NOT NULL"
            lines.append(line)
        body = ",\n".join(lines)
        statements.append(f"-- {declared.grain}\nCREATE TABLE {declared.name} (\n{body}\n);")
    return "\n".join(statements)


def polars_schema(name: str) -> dict[str, pl.DataType]:
    """Column name → Polars type of a table, in column order."""
    return {c.name: POLARS_TYPES[c.type] for c in table(name).columns}


def frame(name: str, rows: Iterable[Mapping[str, object]]) -> pl.DataFrame:
    """Rows (dicts keyed by column name) → the frame publish inserts into table `name`.

    Keys that are not columns of the table are left out (a record may carry more fields than
    one table stores); a column missing from a row is a programming error, named here rather
    than left to become a null. For the small tables; the large ones give `columns_frame`
    their columns, which saves making a dict per row.
    """
    schema = polars_schema(name)
    rows = list(rows)
    for row in rows:
        missing = [c for c in schema if c not in row]
        if missing:
            raise KeyError(f"{name}: rows lack column(s) {', '.join(missing)}")
    return columns_frame(name, {c: [row[c] for row in rows] for c in schema})


def columns_frame(name: str, columns: Mapping[str, Sequence[object]]) -> pl.DataFrame:
    """Columns (a list of values keyed by column name) → the frame publish inserts into table
    `name`; keys that are not columns of the table are left out, a missing column is named.

    One list per column, not one dict per row: at 200 generated documents (46,000 rows of
    items, skipped blocks and links) making their frames took 0.77 CPU s from a dict per row
    and 0.3 s from columns (benchmarks/results/scale.md, "Write path")."""
    schema = polars_schema(name)
    missing = [c for c in schema if c not in columns]
    if missing:
        raise KeyError(f"{name}: rows lack column(s) {', '.join(missing)}")
    lists = {c.name: ARROW_LISTS[c.type] for c in table(name).columns if c.type in ARROW_LISTS}
    return pl.DataFrame(
        {
            c: pl.Series(c, pa.array(columns[c], lists[c])) if c in lists else columns[c]
            for c in schema
        },
        schema=schema,
    )


@dataclass(frozen=True)
class Scope:
    """The rows a change to a checked database touched, so that only they are checked.

    `changed`: per table, a SQL condition true of its new and updated rows; a table not named
    here was written whole and is checked whole. `lost`: per table, a query giving the keys
    deleted from it, so that rows still referring to one are found. Rows outside the scope
    passed the same rules when the database was last checked, and views are checked by shape
    only: their rows follow by their SQL (unchanged: same code) from the tables' rows.
    """

    changed: Mapping[str, str]
    lost: Mapping[str, str]


def violations(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> list[str]:
    """Every broken rule of the declared tables and views in `con`, naming the bad keys; with
    a `scope`, of the rows it names."""
    problems: list[str] = []
    for declared in TABLES if scope else (*TABLES, *VIEWS):
        rows = declared.name
        if declared in VIEWS:
            # A view runs its query again on every read: its rules are checked on one copy of
            # its rows (checking `coverage` itself took 1.1 of the 1.7 s at 1,000 documents).
            rows = f"checked_{declared.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS FROM {declared.name}")
        where = scope.changed.get(declared.name, "TRUE") if scope else "TRUE"
        problems += _key_violations(con, declared, rows, where)
        for column in declared.columns:
            problems += _value_violations(con, declared, column, rows, where)
            problems += _reference_violations(
                con, declared, column, rows, _referring(where, column, scope)
            )
        if declared in VIEWS:
            con.execute(f"DROP TABLE {rows}")
    for view in VIEWS:
        problems += _shape_violations(con, view)
    return problems


def _referring(where: str, column: Column, scope: Scope | None) -> str:
    """Which rows' `column` to look up: the scope's rows, and any row that refers to a key its
    parent lost; every row when the parent was written whole."""
    if not scope or not column.references or column.references not in scope.changed:
        return "TRUE"
    lost = scope.lost.get(column.references)
    return f"({where}) OR {column.name} IN ({lost})" if lost else where


def _key_violations(
    con: duckdb.DuckDBPyConnection, declared: Table, rows: str, where: str
) -> list[str]:
    if not declared.key:
        return []
    columns = ", ".join(declared.key)
    nulls = " OR ".join(f"{c} IS NULL" for c in declared.key)
    if where == "TRUE":
        query = (
            f"SELECT {columns}, count(*) FROM {rows} GROUP BY ALL "  # noqa: S608
            f"HAVING count(*) > 1 OR {nulls} LIMIT {MAX_NAMED}"
        )
    else:  # every row sharing a key with a touched row, and touched rows with a null key
        same = " AND ".join(f"r.{c} = n.{c}" for c in declared.key)
        query = (
            f"WITH touched AS (SELECT {columns} FROM {rows} WHERE {where}) "  # noqa: S608
            f"SELECT {columns}, count(*) FROM {rows} r SEMI JOIN touched n ON {same} "
            f"GROUP BY ALL HAVING count(*) > 1 "
            f"UNION ALL SELECT {columns}, 1 FROM touched WHERE {nulls} LIMIT {MAX_NAMED}"
        )
    bad = con.execute(query).fetchall()
    return [f"{declared.name}: key {row[:-1]} repeated {row[-1]} times or null" for row in bad]


def _value_violations(
    con: duckdb.DuckDBPyConnection, declared: Table, column: Column, rows: str, where: str
) -> list[str]:
    if not column.accepted:
        return []
    bad = con.execute(
        f"SELECT DISTINCT {column.name} FROM {rows} WHERE ({where}) "  # noqa: S608
        f"AND {column.name} NOT IN (SELECT unnest(?::VARCHAR[])) LIMIT {MAX_NAMED}",
        [list(column.accepted)],
    ).fetchall()
    return [f"{declared.name}.{column.name}: value {row[0]!r} not allowed" for row in bad]


def _reference_violations(
    con: duckdb.DuckDBPyConnection, declared: Table, column: Column, rows: str, where: str
) -> list[str]:
    if not column.references:
        return []
    (parent_key,) = table(column.references).key
    bad = con.execute(
        f"SELECT DISTINCT t.{column.name} FROM (FROM {rows} WHERE {where}) t "  # noqa: S608
        f"ANTI JOIN {column.references} p ON t.{column.name} = p.{parent_key} "
        f"WHERE t.{column.name} IS NOT NULL LIMIT {MAX_NAMED}"
    ).fetchall()
    return [
        f"{declared.name}.{column.name}: {row[0]!r} not found in {column.references}" for row in bad
    ]


def _shape_violations(con: duckdb.DuckDBPyConnection, view: Table) -> list[str]:
    """The view's SQL (in publish) still gives the declared columns, in order, with their types."""
    actual = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {view.name}").fetchall()]
    declared = [(c.name, c.type) for c in view.columns]
    if actual == declared:
        return []
    return [f"{view.name}: columns {actual} differ from etl/schema.py {declared}"]


def markdown() -> str:
    """docs/SCHEMA.md: every table and view with its grain, key, columns and rules."""
    lines = [
        "# The published database",
        "",
        "Generated from `etl/schema.py` by `.venv/bin/python -m etl.schema > docs/SCHEMA.md`;",
        "edit the declaration there, not this file (tests/test_schema.py keeps them equal).",
        "Columns in **bold** are fixed by the data contract (DESIGN.md).",
        "",
    ]
    for kind, declared_tables in (("table", TABLES), ("view", VIEWS)):
        for declared in declared_tables:
            lines += [f"## `{declared.name}` ({kind})", "", f"Grain: {declared.grain}."]
            if declared.key:
                lines.append(f"Key: {', '.join(declared.key)}.")
            lines += ["", "| column | type | meaning | rules |", "|---|---|---|---|"]
            for column in declared.columns:
                name = f"**{column.name}**" if column.contract else column.name
                lines.append(f"| {name} | {column.type} | {column.meaning} | {_rules(column)} |")
            lines.append("")
    return "\n".join(lines)


def _rules(column: Column) -> str:
    rules = ["may be null" if column.nullable else "not null"]
    if column.accepted:
        rules.append("one of " + ", ".join(f"`{v}`" for v in column.accepted))
    if column.references:
        rules.append(f"refers to {column.references}")
    return "; ".join(rules)


if __name__ == "__main__":
    print(markdown())
