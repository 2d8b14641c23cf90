"""The pipeline: the stages in order, and the build that runs them.

    load → parse → repair → extract → dedupe → map → overrides → publish

`STAGES` is the one place the order is written down. Parsing, repair and extraction are a pure
function of one document (`process_document`), so they can fan out over a process pool; dedupe
and mapping see the whole corpus; publish writes the database atomically.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path

import duckdb

from etl.dedupe import assign_units
from etl.extract import extract_items, skipped_blocks
from etl.load import load_source
from etl.manifest import load_manifest, undescribed_files
from etl.map import load_knowledge, map_items
from etl.model import QUALITY_ALL, Item, Mapping, ParsedDocument, SourceText
from etl.overrides import apply_decisions, load_decisions
from etl.parse import parse_document
from etl.paths import Paths
from etl.publish import Build, publish, revise
from etl.repair import Lexicon, build_lexicon, needs_repair, repair_text
from etl.taxonomy import load_taxonomy

STAGES: tuple[tuple[str, Callable[..., object]], ...] = (
    ("load", load_source),
    ("parse", parse_document),
    ("repair", repair_text),
    ("extract", extract_items),
    ("dedupe", assign_units),
    ("map", map_items),
    ("overrides", apply_decisions),
    ("publish", publish),
)
Progress = Callable[[str], None]
# Measured (benchmarks/results/build.md): the pool breaks even at 4 documents and saves 17 %
# at 32; from 16 on it is worth starting.
POOL_MIN_DOCUMENTS = 16


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the command line and the tests."""

    documents: int
    items: int
    units: int
    mappings: int
    seconds: float
    messages: tuple[tuple[str, str], ...]
    # Passages per document id: what an ingest reports, without opening the new database (in
    # the app's process a new connection would still see the old file; DuckDB shares it).
    items_by_document: tuple[tuple[str, int], ...] = ()


def process_document(
    source: SourceText, lexicon: Lexicon
) -> tuple[ParsedDocument, str, tuple[Item, ...]]:
    """parse → repair → extract for one document: (repaired parse, repaired text, items)."""
    parsed = parse_document(source)
    if not needs_repair(source.text):
        return parsed, source.text, extract_items(parsed)
    blocks = tuple(replace(b, text=repair_text(b.text, lexicon)) for b in parsed.blocks)
    repaired = replace(parsed, blocks=blocks)
    return repaired, repair_text(source.text, lexicon), extract_items(repaired)


def read_sources(paths: Paths) -> tuple[SourceText, ...]:
    """Manifest + files in data/raw → loaded documents (the load stage, for every document)."""
    metas = load_manifest(paths.manifest, paths.cities, paths.raw)
    return tuple(load_source(m, (paths.raw / m.source_file).read_bytes()) for m in metas)


def lexicon_for(sources: Sequence[SourceText]) -> Lexicon:
    """The repair lexicon: general Swedish plus the corpus's own clean documents."""
    return build_lexicon(s.text for s in sources if not needs_repair(s.text))


def build(paths: Paths, progress: Progress = print) -> BuildReport:
    """Full rebuild from data/raw, the manifest, the taxonomy and the review file into paths.db."""
    started = time.perf_counter()
    sources = read_sources(paths)
    taxonomy = load_taxonomy(paths.taxonomy)
    decisions = load_decisions(paths.review)
    lexicon = lexicon_for(sources)
    processed = _process_all(sources, lexicon, progress)
    items = assign_units(
        [item for _, _, doc_items in processed for item in doc_items],
        {s.meta.doc_id: s.meta.relates_to for s in sources},
    )
    progress(f"dedupe: {len(items)} items form {len({i.unit_id for i in items})} units")
    suggestions = map_items(
        items,
        taxonomy,
        {s.meta.doc_id: s.meta for s in sources},
        load_knowledge(paths.data, taxonomy),
    )
    progress(f"map: {len(suggestions)} suggested links")
    outcome = apply_decisions(
        suggestions,
        decisions,
        (i.item_id for i in items),
        (c.concept_id for c in taxonomy.concepts),
    )
    mapped = {m.item_id for m in outcome.mappings if m.status != "rejected"}
    log = [("unmapped", f"{i.item_id}: {i.text[:80]}") for i in items if i.item_id not in mapped]
    log += [("stale decision", message) for message in outcome.unapplied]
    log += [
        (
            "undescribed file",
            f"data/raw/{name} has no row in the manifest; describe it or remove it",
        )
        for name in undescribed_files((s.meta for s in sources), paths.raw)
    ]
    for topic, message in log:
        if topic == "stale decision":
            progress(f"warning: review decision no longer applies: {message}")
        elif topic == "undescribed file":
            progress(f"warning: not in the database: {message}")
    progress(
        f"overrides: {len(decisions)} decisions, {len(outcome.unapplied)} no longer apply; "
        f"{sum(t == 'unmapped' for t, _ in log)} items unmapped"
    )
    publish(
        Build(
            sources=sources,
            repaired_texts=[text for _, text, _ in processed],
            items=items,
            taxonomy=taxonomy,
            suggestions=suggestions,
            mappings=outcome.mappings,
            not_covered=outcome.not_covered,
            quality=read_quality(paths.quality),
            log=log,
            languages={parsed.source.meta.doc_id: parsed.language for parsed, _, _ in processed},
            skipped=[block for parsed, _, _ in processed for block in skipped_blocks(parsed)],
        ),
        paths.db,
    )
    seconds = time.perf_counter() - started
    progress(f"published {paths.db} in {seconds:.1f} s")
    return BuildReport(
        documents=len(sources),
        items=len(items),
        units=len({i.unit_id for i in items}),
        mappings=len(outcome.mappings),
        seconds=seconds,
        messages=tuple(log),
        items_by_document=tuple(Counter(i.doc_id for i in items).items()),
    )


def reapply_decisions(paths: Paths) -> tuple[str, ...]:
    """The review file → the published database's reviewed tables, without a full rebuild.

    The Review page calls this after each decision: mappings are recomputed from the stored
    suggestions and every decision, checked, and swapped in atomically. A lock beside the
    database keeps two reviewers' re-applications in order. Returns the decisions that no
    longer apply.
    """
    lock = paths.db.with_name(f".{paths.db.name}.lock")
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with duckdb.connect(str(paths.db), read_only=True) as con:
            # By name, so a new Mapping field cannot silently shift the others.
            names = [f.name for f in fields(Mapping)]
            select = ", ".join("'auto'" if n == "status" else n for n in names)
            suggestions = [
                Mapping(**dict(zip(names, row, strict=True)))
                for row in con.execute(f"SELECT {select} FROM suggestions").fetchall()  # noqa: S608
            ]
            item_ids = [row[0] for row in con.execute("SELECT item_id FROM items").fetchall()]
            concept_ids = [r[0] for r in con.execute("SELECT concept_id FROM concepts").fetchall()]
        outcome = apply_decisions(suggestions, load_decisions(paths.review), item_ids, concept_ids)
        revise(paths.db, outcome.mappings, outcome.not_covered, outcome.unapplied)
    return outcome.unapplied


def _process_all(
    sources: Sequence[SourceText], lexicon: Lexicon, progress: Progress
) -> list[tuple[ParsedDocument, str, tuple[Item, ...]]]:
    results = []
    if len(sources) >= POOL_MIN_DOCUMENTS:
        with ProcessPoolExecutor(initializer=_receive_lexicon, initargs=(lexicon,)) as pool:
            outputs = list(pool.map(_process_in_worker, sources))
    else:
        outputs = [process_document(s, lexicon) for s in sources]
    for n, (source, output) in enumerate(zip(sources, outputs, strict=True), start=1):
        parsed, text, doc_items = output
        repaired = " (repaired)" if text != source.text else ""
        progress(
            f"[{n}/{len(sources)}] {source.meta.source_file}{repaired}: "
            f"{len(parsed.sections)} sections, {len(doc_items)} items"
        )
        results.append(output)
    return results


_worker_lexicon: Lexicon | None = None


def _receive_lexicon(lexicon: Lexicon) -> None:
    """Pool initializer: the lexicon travels once per worker, not once per document."""
    global _worker_lexicon
    _worker_lexicon = lexicon


def _process_in_worker(source: SourceText) -> tuple[ParsedDocument, str, tuple[Item, ...]]:
    assert _worker_lexicon is not None, "the pool initializer did not run"
    return process_document(source, _worker_lexicon)


def read_quality(path: Path) -> list[dict[str, object]]:
    """Measured precision and recall (written by benchmarks/evaluate_mapping.py) as rows.

    One row per concept, one per dimension (its name as concept_id) and one `QUALITY_ALL` row
    with the micro-average over all item × concept pairs; each with its Wilson 95 % interval.
    A figure is None where there were too few labelled pairs to say.
    """
    if not path.exists():
        return []
    measured = json.loads(path.read_text(encoding="utf-8"))
    slices = {**measured.get("concepts", {}), **measured.get("dimensions", {})}
    if "overall" in measured:
        slices[QUALITY_ALL] = measured["overall"]
    rows = []
    for concept_id, figures in slices.items():
        precision = figures.get("precision_interval") or [None, None]
        recall = figures.get("recall_interval") or [None, None]
        rows.append(
            {
                "concept_id": concept_id,
                "precision": figures["precision"],
                "recall": figures["recall"],
                "support": figures["pairs"],
                "precision_low": precision[0],
                "precision_high": precision[1],
                "recall_low": recall[0],
                "recall_high": recall[1],
            }
        )
    return rows
