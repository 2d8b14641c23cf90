"""Publish stage: the build's records → one DuckDB file, written whole or not at all.

The database is built in a temporary file beside the target from the tables declared in
etl/schema.py, checked against that declaration (keys unique and not null, accepted values,
references resolve), flushed to disk and only then renamed over the old file with `os.replace`,
which is atomic on POSIX. A build that fails or is killed at any moment
leaves the previous database serving and at most a stray temporary file, which the next build
removes.

A publish applies a `Change` to the database it starts from. A full publish starts from an
empty file and inserts every document. An incremental one starts from a copy of the database
the previous build published with the same code and data: it deletes the rows of the documents
that changed or went, inserts this build's (changed and new) documents, moves the positions of
the items after them and gives the other documents of their dedupe groups their new unit ids.
It is the same code either way (`Publication`): a full publish is the change from nothing.
Documents are added a batch at a time as the build makes them, so a build holds one batch of
records, not the corpus's; units, positions and the reviewed links are set at the end. The
small tables shaped only by shared inputs (the taxonomy's, quality, cell reviews, build inputs,
the log's corpus-wide lines) are rewritten whole every time; `coverage` is a view, so it follows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from operator import attrgetter
from pathlib import Path

import duckdb
import polars as pl

from etl.model import METHOD_BASIS, Item, Mapping, SkippedBlock, SourceText
from etl.overrides import Decision
from etl.schema import BUILD_INPUT_KINDS, Scope, columns_frame, ddl, frame, violations
from etl.schema import table as declared
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


# A build input row: (kind, name, digest), kind one of BUILD_INPUT_KINDS.
BuildInput = tuple[str, str, str]
DOCUMENT_INPUT, SHARED_INPUT, DECISIONS_INPUT = BUILD_INPUT_KINDS


@dataclass(frozen=True)
class Change:
    """What a publish does to the database it starts from (see the module's docstring).

    The default is a full publish: from an empty database, every document new.
    """

    previous: Path | None = None  # the database to start from (a copy of it); None: empty
    dropped: frozenset[str] = frozenset()  # documents whose rows go: changed or removed
    order: tuple[str, ...] = ()  # every document id in manifest order; item positions follow it
    inputs: tuple[BuildInput, ...] = ()  # this build's build_inputs rows
    previous_inputs: str = ""  # `inputs_digest` of `previous` when the build was planned
    # Of the items and reject links (item × concept) the review decisions name, those whose
    # rows stay in `previous`: what the overrides stage judges them by besides its documents.
    decided_items: frozenset[str] = frozenset()
    decided_links: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Documents:
    """Some documents' rows, as a build streams them into the database it publishes: a batch
    at a time, so that no more than a batch of them is held as records at once."""

    sources: Sequence[SourceText]
    repaired_texts: Sequence[str]
    items: Sequence[Item]
    languages: Sequence[str]  # each source's detected language
    skipped: Sequence[SkippedBlock] = ()
    suggestions: Sequence[Mapping] = ()
    # The links of the items no review decision names: their suggestions as they are (the
    # decided items' links are the overrides stage's, published by `Publication.finish`).
    mappings: Sequence[Mapping] = ()


@dataclass(frozen=True)
class Published:
    """What the published database holds, counted in it before the swap."""

    documents: int
    items: int
    units: int
    mappings: int


# Tables whose rows come from shared inputs only (the taxonomy, quality figures, review
# decisions, build inputs): a few hundred rows, rewritten whole by every publish.
WHOLE_TABLES: tuple[str, ...] = (
    "concepts",
    "concept_aliases",
    "crosswalk",
    "cell_reviews",
    "quality",
)
WHOLE_TABLES += ("build_inputs",)


def remove_dead_temporaries(target: Path) -> None:
    """Delete the temporary files of builds that were killed: a killed build leaves its
    temporary database and, since DuckDB logs writes beside it, a .wal. Run by every build,
    also one with nothing to publish, so an unchanged corpus does not keep them forever."""
    for pattern in (f".{target.name}.*.tmp", f".{target.name}.*.tmp.wal"):
        for stale in target.parent.glob(pattern):
            if not _alive(stale.name.removeprefix(f".{target.name}.").split(".")[0]):
                stale.unlink(missing_ok=True)


class Publication:
    """A publish under way: `change` applied to a temporary file beside `target` (a copy of
    the database it starts from, or a new one), documents added a batch at a time (`add`),
    then `finish`: positions placed, units regrouped, the corpus-wide tables written, checked,
    renamed over `target`. Leaving it unfinished (an error, a killed build) deletes the
    temporary file, so the database in place keeps serving."""

    def __init__(self, change: Change, target: Path) -> None:
        self.change = change
        self.target = target
        self.temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self.item_counts: dict[str, int] = {}  # items per document added
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Publication:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_temporaries(self.target)
        try:
            if self.change.previous is not None:
                shutil.copyfile(self.change.previous, self.temporary)
            self.con = con = duckdb.connect(str(self.temporary))
            if self.change.previous is None:
                con.execute(ddl())
                con.execute(COVERAGE_VIEW)
            elif inputs_digest(con) != self.change.previous_inputs:
                raise PublishCheckFailed(
                    f"{self.change.previous} was replaced while this build ran; build again"
                )
            _drop(con, self.change.dropped)
            con.execute("CREATE TEMP TABLE fresh (doc_id VARCHAR)")
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        self.temporary.unlink(missing_ok=True)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError("the publication is not open")
        return self.con

    def add(self, documents: Documents) -> None:
        """Insert some documents' rows; their items' positions count from 0 in each document
        until `finish` places them."""
        con = self.connection
        _insert(con, document_frames(documents))
        con.execute(
            "INSERT INTO fresh SELECT unnest(?::VARCHAR[])",
            [[s.meta.doc_id for s in documents.sources]],
        )
        for item in documents.items:
            self.item_counts[item.doc_id] = self.item_counts.get(item.doc_id, 0) + 1

    def finish(
        self,
        taxonomy: Taxonomy,
        mappings: Sequence[Mapping],
        not_covered: Sequence[Decision],
        quality: Sequence[dict[str, object]],
        log: Sequence[tuple[str, str]],
        regrouped: Sequence[tuple[str, str]],
    ) -> Published:
        """The corpus-wide rows (the decided items' `mappings`, the reviewed cells, the
        taxonomy's, quality, the log, build inputs), every item placed and regrouped; checked
        and atomically renamed over the target."""
        con = self.connection
        _place(con, self.change.order, self.item_counts)
        _insert(
            con,
            {
                **whole_frames(taxonomy, not_covered, quality, self.change.inputs),
                "mappings": _mapping_frame(mappings),
                "build_log": _log_frame(log),
            },
        )
        _regroup(con, regrouped)
        # A full publish checks every row; an incremental one the rows it changed (the
        # others passed the same check when `change.previous` was published).
        check(con, None if self.change.previous is None else _touched(con, bool(regrouped)))
        published = counts(con)
        con.execute("CHECKPOINT")
        con.close()
        self.con = None
        _swap(self.temporary, self.target)
        return published


def inputs_digest(con: duckdb.DuckDBPyConnection, schema: str = "main") -> str:
    """A digest of a database's `build_inputs` rows: what it was published from. Made by
    DuckDB (each value after its length, so no two row sets give one text): fetching the
    10,002 rows of a 10,000-document database and hashing them in Python took 0.36 s, twice
    per ingest."""
    (found,) = con.execute(
        "SELECT sha256(coalesce(string_agg(concat_ws(':', length(kind), kind, length(name), "  # noqa: S608
        "name, length(digest), digest), ';' ORDER BY kind, name, digest), '')) "
        f"FROM {schema}.build_inputs"
    ).fetchone()  # type: ignore[misc]
    return str(found)


def counts(con: duckdb.DuckDBPyConnection, schema: str = "main") -> Published:
    """Documents, items, units and mappings in a published database."""
    row = con.execute(
        f"SELECT (SELECT count(*) FROM {schema}.documents), count(*), count(DISTINCT unit_id), "  # noqa: S608
        f"(SELECT count(*) FROM {schema}.mappings) FROM {schema}.items"
    ).fetchall()[0]
    return Published(*(int(n) for n in row))


def _drop(con: duckdb.DuckDBPyConnection, dropped: frozenset[str]) -> None:
    """Delete the rows of the `dropped` documents (their items' links and unmapped-item lines
    with them), the log's corpus-wide lines and the `WHOLE_TABLES`."""
    con.execute(
        "CREATE TEMP TABLE dropped AS SELECT unnest(?::VARCHAR[]) AS doc_id", [sorted(dropped)]
    )
    con.execute(
        "CREATE TEMP TABLE gone AS SELECT item_id FROM items WHERE doc_id IN (FROM dropped)"
    )
    for links in ("suggestions", "mappings"):
        con.execute(f"DELETE FROM {links} WHERE item_id IN (FROM gone)")  # noqa: S608
    # The unmapped-item lines are `unmapped_messages`': the item's id, then ": ".
    con.execute(
        "DELETE FROM build_log WHERE topic <> ? OR EXISTS (SELECT 1 FROM gone "
        "WHERE starts_with(build_log.message, gone.item_id || ': '))",
        [UNMAPPED_TOPIC],
    )
    for rows in ("items", "skipped_blocks", "document_texts", "documents"):
        con.execute(f"DELETE FROM {rows} WHERE doc_id IN (FROM dropped)")  # noqa: S608
    for whole in WHOLE_TABLES:
        key = declared(whole).key
        if len(key) == 1:  # what `_touched` compares the rewritten table with
            con.execute(f"CREATE TEMP TABLE was_{whole} AS SELECT {key[0]} FROM {whole}")  # noqa: S608
        con.execute(f"DELETE FROM {whole}")  # noqa: S608


def _place(
    con: duckdb.DuckDBPyConnection, order: Sequence[str], item_counts: dict[str, int]
) -> None:
    """Move every item to its place in build order (`items.position`): the kept documents'
    items and the new ones (added counting from 0 in each document, `item_counts` of them).

    Positions count the items document by document in manifest order, so a document put in,
    taken out or grown moves every later document's items; all of them move by SQL.
    """
    kept = {
        doc_id: (int(first), int(count))
        for doc_id, first, count in con.execute(
            "SELECT doc_id, min(position), count(*) FROM items "
            "WHERE doc_id NOT IN (FROM fresh) GROUP BY doc_id"
        ).fetchall()
    }
    shifts: list[dict[str, object]] = []
    position = 0
    for doc_id in order or list(item_counts):
        first, count = kept.get(doc_id, (0, item_counts.get(doc_id, 0)))
        if first != position:
            shifts.append({"doc_id": doc_id, "shift": position - first})
        position += count
    if shifts:
        con.register(
            "shifts", pl.DataFrame(shifts, schema={"doc_id": pl.String, "shift": pl.Int32})
        )
        con.execute(
            "UPDATE items SET position = items.position + s.shift FROM shifts s "
            "WHERE items.doc_id = s.doc_id"
        )
        con.unregister("shifts")


def _regroup(con: duckdb.DuckDBPyConnection, regrouped: Sequence[tuple[str, str]]) -> None:
    """Give kept items the unit ids dedupe found for them with this build's documents (kept as
    the temporary table `regrouped`, which the check's scope names)."""
    schema = {"item_id": pl.String, "unit_id": pl.String}
    con.register("frame", pl.DataFrame(regrouped, schema=schema, orient="row"))
    con.execute("CREATE TEMP TABLE regrouped AS FROM frame")
    con.unregister("frame")
    con.execute(
        "UPDATE items SET unit_id = r.unit_id FROM regrouped r "
        "WHERE items.item_id = r.item_id AND items.unit_id <> r.unit_id"
    )


def _touched(con: duckdb.DuckDBPyConnection, regrouped: bool) -> Scope:
    """What an incremental publish changed, for `check` to look at: the rows of this build's
    documents (the temporary table `fresh`, filled as they were added), the kept items it
    regrouped (if it did), and the keys it deleted (the documents and items of the temporary
    tables `_drop` made, and any a table rewritten whole no longer has).

    Each scope names only what is there: the new items are listed once in a temporary table,
    and a kind of change this publish did not make (no regrouping, nothing deleted, as in an
    ingest of a new document) adds no condition. Every extra `OR` made the check's queries
    scan the 835,000 suggestions and links at 10,000 documents (0.5 of an ingest's 4 CPU s).
    A table rewritten whole is checked whole (a few hundred rows)."""
    con.execute(
        "CREATE TEMP TABLE fresh_items AS SELECT item_id FROM items WHERE doc_id IN (FROM fresh)"
    )
    own = "doc_id IN (FROM fresh)"
    links = "item_id IN (FROM fresh_items)"
    regrouped_items = " OR item_id IN (SELECT item_id FROM regrouped)" if regrouped else ""
    rewritten = [(t, declared(t).key[0]) for t in WHOLE_TABLES if len(declared(t).key) == 1]
    lost = {
        "documents": "FROM dropped",
        "items": "FROM gone",
        **{
            name: f"SELECT {key} FROM was_{name} EXCEPT SELECT {key} FROM {name}"  # noqa: S608
            for name, key in rewritten
        },
    }
    return Scope(
        changed={
            **{name: "TRUE" for name, _ in rewritten},
            "documents": own,
            "document_texts": own,
            "skipped_blocks": own,
            "items": links + regrouped_items,
            "suggestions": links,
            "mappings": links,
        },
        lost={
            name: keys
            for name, keys in lost.items()
            if con.execute(f"SELECT EXISTS ({keys})").fetchall()[0][0]  # noqa: S608
        },
    )


def revise(
    target: Path,
    mappings: Sequence[Mapping],
    not_covered: Sequence[Decision],
    stale: Sequence[str],
    decisions: str,
) -> None:
    """Replace the reviewed tables of a published database: copy, rewrite, check, swap.

    Review decisions change only `mappings`, `cell_reviews` and the stale-decision and
    unmapped-item lines of `build_log` (a rejected link can leave its item unmapped); rewriting
    those on a copy takes a fraction of a second where a rebuild takes seconds, and readers keep
    the old file until the atomic rename. `decisions` (their `decisions_digest`) is recorded
    as the build inputs' decisions row: the database is what a build would make with them.
    """
    temporary = target.with_name(f".{target.name}.{os.getpid()}.revise.tmp")
    try:
        shutil.copyfile(target, temporary)
        with duckdb.connect(str(temporary)) as con:
            con.execute("DELETE FROM mappings; DELETE FROM cell_reviews")
            con.execute(
                "UPDATE build_inputs SET digest = ? WHERE kind = ?", [decisions, DECISIONS_INPUT]
            )
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


def document_frames(documents: Documents) -> dict[str, pl.DataFrame]:
    """The documents' rows, one Polars frame per table, typed by etl/schema.py; each column is
    the record field of the same name (extra fields of a record are left out). Items are
    numbered from 0 in each document (`_place` moves them to their place in build order)."""
    item_counts: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    positions: list[int] = []
    for item in documents.items:
        within = item_counts.get(item.doc_id, 0)
        item_counts[item.doc_id] = within + 1
        positions.append(within)
        spans.setdefault(item.doc_id, []).append((item.char_start, item.char_end))
    sources = list(
        zip(documents.sources, documents.repaired_texts, documents.languages, strict=True)
    )
    return {
        "documents": frame(
            "documents",
            (
                {
                    **vars(s.meta),
                    "sha256": s.sha256,
                    "repaired": repaired != s.text,
                    "item_count": item_counts.get(s.meta.doc_id, 0),
                    "language": language,
                    "coverage": covered_share(s.text, spans.get(s.meta.doc_id, [])),
                }
                for s, repaired, language in sources
            ),
        ),
        "document_texts": frame(
            "document_texts",
            ({"doc_id": s.meta.doc_id, "text_raw": s.text, "text": r} for s, r, _ in sources),
        ),
        "items": columns_frame(
            "items",
            {
                **record_columns(documents.items, Item),
                "position": positions,
            },
        ),
        "skipped_blocks": columns_frame(
            "skipped_blocks", record_columns(documents.skipped, SkippedBlock)
        ),
        "suggestions": _mapping_frame(documents.suggestions, "suggestions"),
        "mappings": _mapping_frame(documents.mappings),
    }


def record_columns(records: Sequence[object], kind: type) -> dict[str, list[object]]:
    """Records of one dataclass → a list of values per field (`columns_frame`'s input)."""
    return {f.name: list(map(attrgetter(f.name), records)) for f in fields(kind)}


def whole_frames(
    taxonomy: Taxonomy,
    not_covered: Sequence[Decision],
    quality: Sequence[dict[str, object]],
    inputs: Sequence[BuildInput],
) -> dict[str, pl.DataFrame]:
    """The `WHOLE_TABLES`' rows, one frame each, typed by etl/schema.py."""
    concepts = taxonomy.concepts
    return {
        "concepts": frame(
            "concepts", ({**asdict(c), "position": n} for n, c in enumerate(concepts))
        ),
        "concept_aliases": frame(
            "concept_aliases",
            ({"concept_id": c.concept_id, "alias": a} for c in concepts for a in c.aliases),
        ),
        "crosswalk": frame(
            "crosswalk", ({"concept_id": a, "eccar_id": b} for a, b in taxonomy.crosswalk)
        ),
        "cell_reviews": _cell_review_frame(not_covered),
        "quality": frame("quality", quality),
        "build_inputs": frame(
            "build_inputs", ({"kind": k, "name": n, "digest": d} for k, n, d in inputs)
        ),
    }


def _mapping_frame(mappings: Sequence[Mapping], table: str = "mappings") -> pl.DataFrame:
    """Links' rows (of `mappings` or `suggestions`), a basis each: a link that came without
    one (a reviewer's addition) takes its method's."""
    columns = record_columns(mappings, Mapping)
    columns["basis"] = [link.basis or METHOD_BASIS[link.method] for link in mappings]
    return columns_frame(table, columns)


def _cell_review_frame(not_covered: Sequence[Decision]) -> pl.DataFrame:
    return columns_frame("cell_reviews", record_columns(not_covered, Decision))


def _log_frame(log: Sequence[tuple[str, str]]) -> pl.DataFrame:
    return frame("build_log", ({"topic": t, "message": m} for t, m in log))


def check(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> None:
    """Keys unique and not null, accepted values, references resolve (the rules declared in
    etl/schema.py), of every row or of those in `scope` — or raise, naming the bad keys and
    values."""
    problems = violations(con, scope)
    if problems:
        raise PublishCheckFailed("the built database breaks its own rules:\n" + "\n".join(problems))
