"""Publish stage: the build's records → one DuckDB file, written whole or not at all.

The database is built in a temporary file beside the target from the tables declared in
etl/schema.py, checked against that declaration (keys unique and not null, accepted values,
references resolve), flushed to disk and only then renamed over the old file with `os.replace`,
which is atomic on POSIX. A build that fails or is killed at any moment
leaves the previous database serving and at most a stray temporary file, which the next build
removes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import duckdb
import polars as pl

from etl.model import METHOD_BASIS, Item, Mapping, SkippedBlock, SourceText
from etl.overrides import Decision
from etl.schema import ddl, frame, violations
from etl.taxonomy import Taxonomy
from etl.text import covered_share

# Which coverage state a city × concept cell is in: the first condition that holds, in this
# order, so a reviewer's judgement outranks a suggestion. One condition per COVERAGE_STATES
# entry (tests/test_schema.py); the names themselves are declared in etl/model.py.
STATE_CONDITIONS: dict[str, str] = {
    "confirmed": "d.any_accepted",
    "reviewed_not_covered": "r.city IS NOT NULL",
    "suggested": "d.units > 0",
    "not_found": "TRUE",
}
STATE_CASE = (
    "CASE "
    + " ".join(f"WHEN {when} THEN '{state}'" for state, when in STATE_CONDITIONS.items())
    + " END"
)

# The comparison unit is the policy component (unit), not the passage; rejected links count
# nowhere; a crosswalked concept gives *derived* ECCAR coverage, always kept apart from direct.
COVERAGE_VIEW = f"""
CREATE VIEW live_links AS
    SELECT m.item_id, m.concept_id, m.score, m.status, m.method, m.basis, i.city, i.kind,
           i.unit_id, i.doc_id
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
           list(DISTINCT basis ORDER BY basis) AS bases,
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
       d.best_score, coalesce(d.sources, 0) AS sources, coalesce(d.bases, []) AS bases,
       coalesce(v.derived_units, 0) AS derived_units, v.derived_from,
       {STATE_CASE} AS state
FROM cities ci CROSS JOIN concepts c
LEFT JOIN direct d ON d.city = ci.city AND d.concept_id = c.concept_id
LEFT JOIN derived v ON v.city = ci.city AND v.concept_id = c.concept_id
LEFT JOIN (SELECT DISTINCT city, concept_id FROM cell_reviews) r
       ON r.city = ci.city AND r.concept_id = c.concept_id;
"""  # noqa: S608 (built from the constants above, no outside input)

# The build_log topic of review decisions that no longer apply (the Review page lists them).
STALE_TOPIC = "stale decision"
UNMAPPED_TOPIC = "unmapped"


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
    languages: dict[str, str] = field(default_factory=dict)  # doc_id → detected language
    skipped: Sequence[SkippedBlock] = ()


def publish(build: Build, target: Path) -> None:
    """Write `build` to a temporary file, check it, and atomically replace `target` with it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A killed build leaves its temporary file and, since DuckDB logs writes beside it, a .wal.
    for pattern in (f".{target.name}.*.tmp", f".{target.name}.*.tmp.wal"):
        for stale in target.parent.glob(pattern):
            if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
                stale.unlink(missing_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with duckdb.connect(str(temporary)) as con:
            con.execute(ddl())
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

    Review decisions change only `mappings`, `cell_reviews` and the stale-decision and
    unmapped-item lines of `build_log` (a rejected link can leave its item unmapped); rewriting
    those on a copy takes a fraction of a second where a rebuild takes seconds, and readers keep
    the old file until the atomic rename.
    """
    temporary = target.with_name(f".{target.name}.{os.getpid()}.revise.tmp")
    try:
        shutil.copyfile(target, temporary)
        with duckdb.connect(str(temporary)) as con:
            con.execute("DELETE FROM mappings; DELETE FROM cell_reviews")
            items = con.execute("SELECT item_id, text FROM items ORDER BY position").fetchall()
            con.execute(
                "DELETE FROM build_log WHERE topic IN (?, ?)", [STALE_TOPIC, UNMAPPED_TOPIC]
            )
            log = unmapped_messages(items, mappings)
            log += [(STALE_TOPIC, message) for message in stale]
            _insert(
                con,
                {
                    "mappings": _mapping_frame(mappings),
                    "cell_reviews": _cell_review_frame(not_covered),
                    "build_log": _log_frame(log),
                },
            )
            check(con)
            con.execute("CHECKPOINT")
        _swap(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def unmapped_messages(
    items: Iterable[tuple[str, str]], mappings: Sequence[Mapping]
) -> list[tuple[str, str]]:
    """A log line for each (item_id, text) no link holds (none, or only rejected ones)."""
    mapped = {m.item_id for m in mappings if m.status != "rejected"}
    return [
        (UNMAPPED_TOPIC, f"{item_id}: {text[:80]}")
        for item_id, text in items
        if item_id not in mapped
    ]


def _insert(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    for table, rows in tables.items():
        con.register("frame", rows)
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
    """One Polars frame per table, typed by etl/schema.py; each column is the record field of
    the same name (extra fields of a record are left out)."""
    counts: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for item in build.items:
        counts[item.doc_id] = counts.get(item.doc_id, 0) + 1
        spans.setdefault(item.doc_id, []).append((item.char_start, item.char_end))
    sources = list(zip(build.sources, build.repaired_texts, strict=True))
    concepts = build.taxonomy.concepts
    return {
        "documents": frame(
            "documents",
            (
                {
                    **vars(s.meta),
                    "sha256": s.sha256,
                    "repaired": repaired != s.text,
                    "item_count": counts.get(s.meta.doc_id, 0),
                    "language": build.languages.get(s.meta.doc_id, "sv"),
                    "coverage": covered_share(s.text, spans.get(s.meta.doc_id, [])),
                }
                for s, repaired in sources
            ),
        ),
        "document_texts": frame(
            "document_texts",
            ({"doc_id": s.meta.doc_id, "text_raw": s.text, "text": r} for s, r in sources),
        ),
        "items": frame(
            "items",
            (
                {**vars(item), "years": list(item.years), "position": n}
                for n, item in enumerate(build.items)
            ),
        ),
        "skipped_blocks": frame("skipped_blocks", map(_flat_row, build.skipped)),
        "concepts": frame(
            "concepts", ({**asdict(c), "position": n} for n, c in enumerate(concepts))
        ),
        "concept_aliases": frame(
            "concept_aliases",
            ({"concept_id": c.concept_id, "alias": a} for c in concepts for a in c.aliases),
        ),
        "crosswalk": frame(
            "crosswalk", ({"concept_id": a, "eccar_id": b} for a, b in build.taxonomy.crosswalk)
        ),
        "suggestions": frame(
            "suggestions",
            map(_row_with_basis, build.suggestions),
        ),
        "mappings": _mapping_frame(build.mappings),
        "cell_reviews": _cell_review_frame(build.not_covered),
        "quality": frame("quality", build.quality),
        "build_log": _log_frame(build.log),
    }


def _mapping_frame(mappings: Sequence[Mapping]) -> pl.DataFrame:
    """Mappings with a basis each: a link that came without one takes it from its method."""
    return frame(
        "mappings",
        map(_row_with_basis, mappings),
    )


def _row_with_basis(link: Mapping) -> dict[str, object]:
    """A link's row; one that came without a basis (a reviewer's addition) takes its method's."""
    return {**_flat_row(link), "basis": link.basis or METHOD_BASIS[link.method]}


def _flat_row(record: Mapping | SkippedBlock | Decision) -> dict[str, object]:
    """A record of plain values as a dict: `asdict` without its deep copy, which took half of
    publish at 1,000 documents (170,000 links)."""
    return {name: getattr(record, name) for name in _FIELD_NAMES[type(record)]}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in fields(kind)) for kind in (Mapping, SkippedBlock, Decision)
}


def _cell_review_frame(not_covered: Sequence[Decision]) -> pl.DataFrame:
    return frame("cell_reviews", map(_flat_row, not_covered))


def _log_frame(log: Sequence[tuple[str, str]]) -> pl.DataFrame:
    return frame("build_log", ({"topic": t, "message": m} for t, m in log))


def check(con: duckdb.DuckDBPyConnection) -> None:
    """Keys unique and not null, accepted values, references resolve (the rules declared in
    etl/schema.py) — or raise, naming the bad keys and values."""
    problems = violations(con)
    if problems:
        raise PublishCheckFailed("the built database breaks its own rules:\n" + "\n".join(problems))
