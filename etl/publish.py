"""Publish stage: the build's records → one DuckDB file, written whole or not at all.

The database is built in a temporary file beside the target, checked (keys unique and not
null, accepted values, references resolve), flushed to disk and only then renamed over the old
file with `os.replace`, which is atomic on POSIX. A build that fails or is killed at any moment
leaves the previous database serving and at most a stray temporary file, which the next build
removes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from etl.model import ITEM_KINDS, MAPPING_METHODS, MAPPING_STATUSES, Item, Mapping, SourceText
from etl.overrides import Decision
from etl.taxonomy import Taxonomy

SCHEMA = """
CREATE TABLE documents (        -- one row per source document
    doc_id VARCHAR PRIMARY KEY, city VARCHAR NOT NULL, organ VARCHAR NOT NULL,
    doc_kind VARCHAR NOT NULL, title VARCHAR NOT NULL, date VARCHAR, dnr VARCHAR,
    relates_to VARCHAR, source_file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    repaired BOOLEAN NOT NULL, item_count INTEGER NOT NULL
);
CREATE TABLE document_texts (   -- one row per document: its text as loaded, and repaired
    doc_id VARCHAR PRIMARY KEY, text_raw VARCHAR NOT NULL, text VARCHAR NOT NULL
);
CREATE TABLE items (            -- one row per extracted passage
    item_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, city VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, text VARCHAR NOT NULL, text_raw VARCHAR NOT NULL,
    section VARCHAR NOT NULL, subsection VARCHAR, char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL, unit_id VARCHAR NOT NULL, parent_id VARCHAR,
    years INTEGER[], position INTEGER NOT NULL
);
CREATE TABLE concepts (         -- one row per taxonomy concept
    concept_id VARCHAR PRIMARY KEY, dimension VARCHAR NOT NULL, label_sv VARCHAR NOT NULL,
    label_en VARCHAR NOT NULL, scope_sv VARCHAR NOT NULL, scope_en VARCHAR NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE concept_aliases (  -- one row per concept × alias
    concept_id VARCHAR NOT NULL, alias VARCHAR NOT NULL
);
CREATE TABLE crosswalk (        -- one row per concept × ECCAR commitment it counts towards
    concept_id VARCHAR NOT NULL, eccar_id VARCHAR NOT NULL
);
CREATE TABLE suggestions (      -- one row per item × concept the matcher proposed, before review
    item_id VARCHAR NOT NULL, concept_id VARCHAR NOT NULL, score DOUBLE NOT NULL,
    method VARCHAR NOT NULL, matched_alias VARCHAR, match_start INTEGER, match_end INTEGER
);
CREATE TABLE mappings (         -- one row per item × concept, reviewed decisions applied
    item_id VARCHAR NOT NULL, concept_id VARCHAR NOT NULL, score DOUBLE NOT NULL,
    method VARCHAR NOT NULL, matched_alias VARCHAR, status VARCHAR NOT NULL,
    match_start INTEGER, match_end INTEGER
);
CREATE TABLE cell_reviews (     -- one row per city × concept a reviewer judged not covered
    city VARCHAR NOT NULL, concept_id VARCHAR NOT NULL, reviewer VARCHAR,
    decided_at VARCHAR, note VARCHAR
);
CREATE TABLE quality (          -- one row per concept with measured precision and recall, and
                                -- one row 'all' with the micro-average over every pair
    concept_id VARCHAR PRIMARY KEY, precision DOUBLE, recall DOUBLE, support INTEGER
);
CREATE TABLE build_log (        -- one row per build message: unmapped items, stale decisions
    topic VARCHAR NOT NULL, message VARCHAR NOT NULL
);
"""

# The comparison unit is the policy component (unit), not the passage; rejected links count
# nowhere; a crosswalked concept gives *derived* ECCAR coverage, always kept apart from direct.
COVERAGE_VIEW = """
CREATE VIEW live_links AS
    SELECT m.item_id, m.concept_id, m.score, m.status, m.method, i.city, i.kind, i.unit_id,
           i.doc_id
    FROM mappings m JOIN items i USING (item_id)
    WHERE m.status <> 'rejected';
CREATE VIEW coverage AS
WITH direct AS (
    SELECT city, concept_id,
           count(DISTINCT unit_id) AS units, count(*) AS items,
           count(*) FILTER (WHERE kind = 'component') AS components,
           count(*) FILTER (WHERE kind = 'activity') AS activities,
           count(*) FILTER (WHERE kind = 'response') AS responses,
           count(*) FILTER (WHERE kind = 'recommendation') AS recommendations,
           max(score) AS best_score, count(DISTINCT doc_id) AS sources,
           bool_or(status = 'accepted') AS any_accepted
    FROM live_links GROUP BY city, concept_id
), derived AS (
    SELECT l.city, x.eccar_id AS concept_id, count(DISTINCT l.unit_id) AS derived_units,
           list(DISTINCT l.concept_id ORDER BY l.concept_id) AS derived_from
    FROM live_links l JOIN crosswalk x USING (concept_id)
    GROUP BY l.city, x.eccar_id
), cities AS (SELECT DISTINCT city FROM documents)
SELECT ci.city, c.concept_id, c.dimension, c.position,
       coalesce(d.units, 0) AS units, coalesce(d.items, 0) AS items,
       coalesce(d.components, 0) AS components, coalesce(d.activities, 0) AS activities,
       coalesce(d.responses, 0) AS responses,
       coalesce(d.recommendations, 0) AS recommendations,
       d.best_score, coalesce(d.sources, 0) AS sources,
       coalesce(v.derived_units, 0) AS derived_units, v.derived_from,
       CASE WHEN d.any_accepted THEN 'confirmed'
            WHEN r.city IS NOT NULL THEN 'reviewed_not_covered'
            WHEN d.units > 0 THEN 'suggested'
            ELSE 'not_found' END AS state
FROM cities ci CROSS JOIN concepts c
LEFT JOIN direct d ON d.city = ci.city AND d.concept_id = c.concept_id
LEFT JOIN derived v ON v.city = ci.city AND v.concept_id = c.concept_id
LEFT JOIN (SELECT DISTINCT city, concept_id FROM cell_reviews) r
       ON r.city = ci.city AND r.concept_id = c.concept_id;
"""

KEYS = {
    "documents": ("doc_id",),
    "items": ("item_id",),
    "concepts": ("concept_id",),
    "concept_aliases": ("concept_id", "alias"),
    "crosswalk": ("concept_id", "eccar_id"),
    "suggestions": ("item_id", "concept_id"),
    "mappings": ("item_id", "concept_id"),
    "cell_reviews": ("city", "concept_id"),
}
ACCEPTED_VALUES = {
    ("items", "kind"): ITEM_KINDS,
    ("mappings", "method"): MAPPING_METHODS,
    ("mappings", "status"): MAPPING_STATUSES,
}
REFERENCES = (
    ("items", "doc_id", "documents"),
    ("mappings", "item_id", "items"),
    ("mappings", "concept_id", "concepts"),
    ("crosswalk", "eccar_id", "concepts"),
)


# The build_log topic of review decisions that no longer apply (the Review page lists them).
STALE_TOPIC = "stale decision"


class PublishCheckFailed(RuntimeError):
    """The built tables broke their own grain; the old database stays in place."""


@dataclass(frozen=True)
class Build:
    """Everything one build publishes."""

    sources: Sequence[SourceText]
    repaired_texts: Sequence[str]
    items: Sequence[Item]
    taxonomy: Taxonomy
    suggestions: Sequence[Mapping]
    mappings: Sequence[Mapping]
    not_covered: Sequence[Decision]
    quality: Sequence[dict[str, object]]
    log: Sequence[tuple[str, str]]


def publish(build: Build, target: Path) -> None:
    """Write `build` to a temporary file, check it, and atomically replace `target` with it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
            stale.unlink(missing_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with duckdb.connect(str(temporary)) as con:
            con.execute(SCHEMA)
            _insert(con, frames(build))
            con.execute(COVERAGE_VIEW)
            check(con)
            con.execute("CHECKPOINT")
        _swap(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def revise(
    target: Path,
    mappings: Sequence[Mapping],
    not_covered: Sequence[Decision],
    stale: Sequence[str],
) -> None:
    """Replace the reviewed tables of a published database: copy, rewrite, check, swap.

    Review decisions change only `mappings`, `cell_reviews` and the stale-decision lines of
    `build_log`; rewriting those on a copy takes a fraction of a second where a rebuild takes
    seconds, and readers keep the old file until the atomic rename.
    """
    temporary = target.with_name(f".{target.name}.{os.getpid()}.revise.tmp")
    try:
        shutil.copyfile(target, temporary)
        with duckdb.connect(str(temporary)) as con:
            con.execute("DELETE FROM mappings; DELETE FROM cell_reviews")
            con.execute("DELETE FROM build_log WHERE topic = ?", [STALE_TOPIC])
            log = [(STALE_TOPIC, message) for message in stale]
            _insert(
                con,
                {
                    "mappings": _mapping_frame(mappings, with_status=True),
                    "cell_reviews": _cell_review_frame(not_covered),
                    "build_log": _log_frame(log),
                },
            )
            check(con)
            con.execute("CHECKPOINT")
        _swap(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _insert(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    for table, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")  # noqa: S608
        con.unregister("frame")


def _swap(temporary: Path, target: Path) -> None:
    """Flush the finished file to disk, then rename it over the target (atomic on POSIX)."""
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def _alive(pid: str) -> bool:
    """Whether the build that owns a temporary file is still running (then leave it alone)."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def frames(build: Build) -> dict[str, pl.DataFrame]:
    """One Polars frame per table, columns named as in `SCHEMA`."""
    counts: dict[str, int] = {}
    for item in build.items:
        counts[item.doc_id] = counts.get(item.doc_id, 0) + 1
    taxonomy = build.taxonomy
    return {
        "documents": pl.DataFrame(
            [
                {
                    **vars(s.meta),
                    "sha256": s.sha256,
                    "repaired": repaired != s.text,
                    "item_count": counts.get(s.meta.doc_id, 0),
                }
                for s, repaired in zip(build.sources, build.repaired_texts, strict=True)
            ]
        ),
        "document_texts": pl.DataFrame(
            {
                "doc_id": [s.meta.doc_id for s in build.sources],
                "text_raw": [s.text for s in build.sources],
                "text": list(build.repaired_texts),
            }
        ),
        "items": pl.DataFrame(
            [
                {**vars(item), "years": list(item.years), "position": n}
                for n, item in enumerate(build.items)
            ],
            schema_overrides={"years": pl.List(pl.Int32)},
        ),
        "concepts": pl.DataFrame(
            [
                {
                    "concept_id": c.concept_id,
                    "dimension": c.dimension,
                    "label_sv": c.label_sv,
                    "label_en": c.label_en,
                    "scope_sv": c.scope_sv,
                    "scope_en": c.scope_en,
                    "position": n,
                }
                for n, c in enumerate(taxonomy.concepts)
            ]
        ),
        "concept_aliases": pl.DataFrame(
            [{"concept_id": c.concept_id, "alias": a} for c in taxonomy.concepts for a in c.aliases]
        ),
        "crosswalk": pl.DataFrame(
            [{"concept_id": a, "eccar_id": b} for a, b in taxonomy.crosswalk],
            schema={"concept_id": pl.String, "eccar_id": pl.String},
        ),
        "suggestions": _mapping_frame(build.suggestions, with_status=False),
        "mappings": _mapping_frame(build.mappings, with_status=True),
        "cell_reviews": _cell_review_frame(build.not_covered),
        "quality": pl.DataFrame(
            list(build.quality),
            schema={
                "concept_id": pl.String,
                "precision": pl.Float64,
                "recall": pl.Float64,
                "support": pl.Int32,
            },
        ),
        "build_log": _log_frame(build.log),
    }


def _cell_review_frame(not_covered: Sequence[Decision]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "city": d.city,
                "concept_id": d.concept_id,
                "reviewer": d.reviewer,
                "decided_at": d.decided_at,
                "note": d.note,
            }
            for d in not_covered
        ],
        schema={k: pl.String for k in ("city", "concept_id", "reviewer", "decided_at", "note")},
    )


def _log_frame(log: Sequence[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"topic": t, "message": m} for t, m in log],
        schema={"topic": pl.String, "message": pl.String},
    )


def _mapping_frame(mappings: Sequence[Mapping], with_status: bool) -> pl.DataFrame:
    schema = {
        "item_id": pl.String,
        "concept_id": pl.String,
        "score": pl.Float64,
        "method": pl.String,
        "matched_alias": pl.String,
        "status": pl.String,
        "match_start": pl.Int32,
        "match_end": pl.Int32,
    }
    frame = pl.DataFrame([vars(m) for m in mappings], schema=schema)
    return frame if with_status else frame.drop("status")


def check(con: duckdb.DuckDBPyConnection) -> None:
    """Keys unique and not null, accepted values, references resolve — or name what is bad."""
    problems: list[str] = []
    for table, key in KEYS.items():
        columns = ", ".join(key)
        nulls = " OR ".join(f"{c} IS NULL" for c in key)
        bad = con.execute(
            f"SELECT {columns}, count(*) FROM {table} GROUP BY ALL "  # noqa: S608
            f"HAVING count(*) > 1 OR {nulls} LIMIT 5"
        ).fetchall()
        problems += [f"{table}: key {row[:-1]} repeated {row[-1]} times or null" for row in bad]
    for (table, column), allowed in ACCEPTED_VALUES.items():
        bad = con.execute(
            f"SELECT DISTINCT {column} FROM {table} "  # noqa: S608
            f"WHERE {column} NOT IN (SELECT unnest(?::VARCHAR[]))",
            [list(allowed)],
        ).fetchall()
        problems += [f"{table}.{column}: value {row[0]!r} not allowed" for row in bad]
    for table, column, parent in REFERENCES:
        bad = con.execute(
            f"SELECT DISTINCT t.{column} FROM {table} t ANTI JOIN {parent} p "  # noqa: S608
            f"ON t.{column} = p.{parent_key(parent)} LIMIT 5"
        ).fetchall()
        problems += [f"{table}.{column}: {row[0]!r} not found in {parent}" for row in bad]
    if problems:
        raise PublishCheckFailed("the built database breaks its own rules:\n" + "\n".join(problems))


def parent_key(table: str) -> str:
    return KEYS[table][0]
