"""The pipeline: the stages in order, and the build that runs them.

`STAGES` is the build. `build()` runs exactly these records, in this order, each a function of
the inputs it names and nothing else:

    load → parse → repair → extract → compare → account → match → stated → map   per document
    dedupe → overrides → log → publish                       once, over the whole corpus

A document stage's inputs are the document's own values (`meta`, `data`, earlier outputs) and
the build's shared data (`lexicon`, `taxonomy`, `knowledge`); a corpus stage sees each document
value as a list, one entry per document in manifest order, plus `decisions`, `quality`, `raw`
and `db`. When a stage's signature changes, its `inputs` tuple is the one line to change.

Document stages fan out over a process pool, and what they keep (`kept`) is stored in the build
cache (etl/cache.py) under a key made of the document's bytes and manifest row, the data the
stage reads and the source code of the stage's module and its imports. So an ingest runs the
document stages for one document, a taxonomy, rules or model change reruns only match → stated →
map, and
results are only reused where they would come out the same. Publishing stays atomic.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from collections.abc import Mapping as MappingType
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from functools import cached_property, partial
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import duckdb

from etl.cache import BuildCache, code_digest, digest, files_digest
from etl.dedupe import assign_units, comparison_texts
from etl.extract import extract_items, skipped_blocks
from etl.load import load_source
from etl.manifest import load_manifest, undescribed_files
from etl.map import MODEL_FILE, RULES_FILE, Knowledge, best_links, load_knowledge, match_items
from etl.model import (
    QUALITY_ALL,
    DocumentMeta,
    Item,
    Mapping,
    ParsedDocument,
    SkippedBlock,
    SourceText,
)
from etl.overrides import Outcome, apply_decisions, load_decisions
from etl.parse import parse_document
from etl.paths import Paths
from etl.publish import STALE_TOPIC, UNMAPPED_TOPIC, Build, publish, revise, unmapped_messages
from etl.repair import (
    Lexicon,
    build_lexicon,
    domain_word_counts,
    lexicon_from_counts,
    needs_repair,
    repair_document,
)
from etl.stated import stated_links
from etl.taxonomy import Taxonomy, load_taxonomy

Progress = Callable[[str], None]
Scope = Literal["document", "corpus"]
Task = tuple[int, list[str], dict[str, Any]]  # a document's index, planned stages, inputs


@dataclass(frozen=True)
class Stage:
    """One step of the build: `run(*inputs)` gives `outputs` (a tuple unless there is one)."""

    name: str
    run: Callable[..., Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    scope: Scope
    kept: tuple[str, ...] = ()  # outputs stored in the build cache (document stages only)
    # An item-wise document stage: run once over many documents' items at a time, which gives
    # the same records as document by document (each record names its `item_id`) without the
    # per-call cost (the matcher prepares every alias on each call: 50-80 ms).
    batched: bool = False


def dedupe_corpus(
    items: Sequence[tuple[Item, ...]],
    compared: Sequence[tuple[str, ...]],
    sources: Sequence[SourceText],
) -> list[Item]:
    """The dedupe stage over every document's items: `unit_id` joins the same component."""
    policies = {s.meta.doc_id: s.meta.relates_to for s in sources}
    return list(
        assign_units(
            list(chain.from_iterable(items)), policies, list(chain.from_iterable(compared))
        )
    )


def review_corpus(
    suggestions: Sequence[tuple[Mapping, ...]],
    decisions: Sequence[Any],
    units: Sequence[Item],
    taxonomy: Taxonomy,
) -> Outcome:
    """The overrides stage: every review decision re-applied to this build's suggestions."""
    return apply_decisions(
        list(chain.from_iterable(suggestions)),
        decisions,
        (i.item_id for i in units),
        (c.concept_id for c in taxonomy.concepts),
    )


def account_for(parsed: ParsedDocument) -> tuple[str, tuple[SkippedBlock, ...]]:
    """The reader's account of a document besides its items: the language it was read in, and
    every stretch that became no item (with why)."""
    return parsed.language, skipped_blocks(parsed)


def build_messages(
    units: Sequence[Item], outcome: Outcome, sources: Sequence[SourceText], raw: Path
) -> list[tuple[str, str]]:
    """The build log: items nothing maps to, review decisions that no longer apply, and files
    in data/raw the manifest does not describe."""
    log = unmapped_messages(((i.item_id, i.text) for i in units), outcome.mappings)
    log += [(STALE_TOPIC, message) for message in outcome.unapplied]
    return log + [
        (
            "undescribed file",
            f"data/raw/{name} has no row in the manifest; describe it or remove it",
        )
        for name in undescribed_files((s.meta for s in sources), raw)
    ]


def publish_corpus(
    sources: Sequence[SourceText],
    repaired_texts: Sequence[str],
    units: Sequence[Item],
    taxonomy: Taxonomy,
    suggestions: Sequence[tuple[Mapping, ...]],
    outcome: Outcome,
    quality: Sequence[dict[str, object]],
    log: Sequence[tuple[str, str]],
    languages: Sequence[str],
    skipped: Sequence[tuple[SkippedBlock, ...]],
    db: Path,
) -> Path:
    """The publish stage: everything into a new database file, checked, renamed over `db`."""
    publish(
        Build(
            sources=sources,
            repaired_texts=repaired_texts,
            items=units,
            taxonomy=taxonomy,
            suggestions=list(chain.from_iterable(suggestions)),
            mappings=outcome.mappings,
            not_covered=outcome.not_covered,
            quality=quality,
            log=log,
            languages={s.meta.doc_id: lang for s, lang in zip(sources, languages, strict=True)},
            skipped=list(chain.from_iterable(skipped)),
        ),
        db,
    )
    return db


STAGES: tuple[Stage, ...] = (
    Stage("load", load_source, ("meta", "data"), ("source",), "document", kept=("source",)),
    Stage("parse", parse_document, ("source",), ("parsed",), "document"),
    Stage(
        "repair",
        repair_document,
        ("parsed", "lexicon"),
        ("repaired", "repaired_text"),
        "document",
        kept=("repaired_text",),
    ),
    Stage("extract", extract_items, ("repaired",), ("items",), "document", kept=("items",)),
    Stage(
        "compare",
        comparison_texts,
        ("items",),
        ("compared",),
        "document",
        kept=("compared",),
    ),
    Stage(
        "account",
        account_for,
        ("repaired",),
        ("language_read", "skipped"),
        "document",
        kept=("language_read", "skipped"),
    ),
    Stage(
        "match",
        match_items,
        ("items", "taxonomy", "meta", "knowledge"),
        ("matched", "hits"),
        "document",
        batched=True,
    ),
    Stage(
        "stated",
        stated_links,
        ("items", "hits", "taxonomy"),
        ("stated",),
        "document",
        batched=True,
    ),
    Stage(
        "map",
        best_links,
        ("items", "matched", "stated", "taxonomy"),
        ("suggestions",),
        "document",
        kept=("suggestions",),
        batched=True,
    ),
    Stage("dedupe", dedupe_corpus, ("items", "compared", "source"), ("units",), "corpus"),
    Stage(
        "overrides",
        review_corpus,
        ("suggestions", "decisions", "units", "taxonomy"),
        ("outcome",),
        "corpus",
    ),
    Stage("log", build_messages, ("units", "outcome", "source", "raw"), ("log",), "corpus"),
    Stage(
        "publish",
        publish_corpus,
        (
            "source",
            "repaired_text",
            "units",
            "taxonomy",
            "suggestions",
            "outcome",
            "quality",
            "log",
            "language_read",
            "skipped",
            "db",
        ),
        ("published",),
        "corpus",
    ),
)
# A document's own inputs; every other input a document stage names is shared by the build.
DOCUMENT_INPUTS = ("meta", "data")
# Measured (benchmarks/results/build.md): the pool gains nothing that shows at 4 documents,
# saves 9 % at 32 and about a quarter at 96 (2026-12-01); from 16 on it is worth starting.
POOL_MIN_DOCUMENTS = 16
# Documents per pool task and per cache transaction: large enough that pickling and commits
# are a small share, small enough that a killed build loses little (about a second of work).
BATCH_DOCUMENTS = 32


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the command line and the tests."""

    documents: int
    items: int
    units: int
    mappings: int
    seconds: float
    messages: tuple[tuple[str, str], ...]
    processed: int = 0  # documents whose document stages ran (the rest came from the cache)
    # Passages per document id: what an ingest reports, without opening the new database (in
    # the app's process a new connection would still see the old file; DuckDB shares it).
    items_by_document: tuple[tuple[str, int], ...] = ()


class Shared:
    """The build's shared inputs, read from `paths` only when a stage asks for them."""

    def __init__(self, paths: Paths, cache: BuildCache) -> None:
        self.paths = paths
        self.cache = cache

    @cached_property
    def lexicon(self) -> Lexicon:
        """From the build cache when the domain words and the repair code are unchanged:
        unpickling takes a quarter of the time of building it from wordfreq's list."""
        found = self.cache.get_many([self.lexicon_key]).get(self.lexicon_key)
        if isinstance(found, Lexicon):
            return found
        lexicon = read_lexicon(self.paths)
        self.cache.put_many({self.lexicon_key: lexicon})
        return lexicon

    @cached_property
    def lexicon_key(self) -> str:
        """The domain words, the OCR rules (data/language/sv-ocr.toml, in `language`) and the
        repair code."""
        return digest(
            "lexicon",
            self.keys["lexicon"],
            self.language,
            code_digest(repair_document.__module__),
        )

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_taxonomy(self.paths.taxonomy)

    @cached_property
    def knowledge(self) -> Knowledge:
        return load_knowledge(self.paths.data, self.taxonomy)

    @cached_property
    def decisions(self) -> tuple[Any, ...]:
        return load_decisions(self.paths.review)

    @cached_property
    def quality(self) -> list[dict[str, object]]:
        return read_quality(self.paths.quality)

    @cached_property
    def raw(self) -> Path:
        return self.paths.raw

    @cached_property
    def db(self) -> Path:
        return self.paths.db

    def value(self, name: str) -> Any:
        return getattr(self, name)

    @cached_property
    def keys(self) -> dict[str, str]:
        """Cache keys of the shared inputs document stages read: a digest of their files."""
        return {
            "lexicon": files_digest([self.paths.domain_words]),
            "taxonomy": files_digest([self.paths.taxonomy]),
            "knowledge": files_digest([self.paths.data / RULES_FILE, self.paths.data / MODEL_FILE]),
        }

    @cached_property
    def language(self) -> str:
        """Digest of what shapes every document stage besides its own code: the language files
        (data/language/) and this module, which runs the stages (batching, planning)."""
        folder = self.paths.language
        files = [p for p in folder.glob("*") if p != self.paths.domain_words and p.is_file()]
        return files_digest([*files, Path(__file__)])


def document_stages() -> list[Stage]:
    return [s for s in STAGES if s.scope == "document"]


def corpus_stages() -> list[Stage]:
    return [s for s in STAGES if s.scope == "corpus"]


def output_keys(
    meta: DocumentMeta, data: bytes, shared_keys: MappingType[str, str], language: str
) -> dict[str, str]:
    """Cache key of every document stage output: its stage, that stage's code and data, and
    the keys of its inputs, so a key changes exactly when something upstream changed."""
    keys = {
        "meta": digest(json.dumps(asdict(meta), sort_keys=True)),
        "data": digest(data),
        **shared_keys,
    }
    for stage in document_stages():
        stage_key = digest(
            stage.name,
            code_digest(stage.run.__module__),
            language,
            *(keys[i] for i in stage.inputs),
        )
        keys.update({out: digest(stage_key, out) for out in stage.outputs})
    return keys


def plan(wanted: Sequence[str], have: set[str]) -> tuple[list[Stage], set[str]]:
    """The document stages to run to obtain `wanted` given the values in `have`, in `STAGES`
    order, and which of `have` they (or `wanted`) read."""
    producer = {out: stage for stage in document_stages() for out in stage.outputs}
    run: set[str] = set()
    reads: set[str] = set()

    def need(name: str) -> None:
        if name in have:
            reads.add(name)
        elif name in producer and producer[name].name not in run:
            stage = producer[name]
            for name_in in stage.inputs:
                need(name_in)
            run.add(stage.name)

    for name in wanted:
        need(name)
    return [s for s in document_stages() if s.name in run], reads


def run_stages(stages: Sequence[Stage], values: dict[str, Any]) -> dict[str, Any]:
    """Run `stages` in order on `values` (updated with every output) and return `values`."""
    for stage in stages:
        result = stage.run(*(values[name] for name in stage.inputs))
        outputs = result if len(stage.outputs) > 1 else (result,)
        values.update(zip(stage.outputs, outputs, strict=True))
    return values


def build(paths: Paths, progress: Progress = print) -> BuildReport:
    """Build paths.db from data/raw, the manifest, the taxonomy and the review file.

    Every result is what a build from scratch would give; document results are taken from the
    build cache where their inputs did not change.
    """
    started = time.perf_counter()
    metas = load_manifest(paths.manifest, paths.cities, paths.raw)
    wanted = sorted({n for s in corpus_stages() for n in s.inputs if _is_document_value(n)})
    with BuildCache(paths.cache) as cache:
        shared = Shared(paths, cache)
        documents, processed = _document_values(paths, metas, wanted, shared, cache, progress)
        for problem in cache.problems:
            progress(f"warning: {problem}")
    corpus: dict[str, Any] = {name: [d[name] for d in documents] for name in wanted}
    for stage in corpus_stages():
        for name in stage.inputs:
            if name not in corpus:
                corpus[name] = shared.value(name)
        run_stages([stage], corpus)
        for line in _stage_summary(stage.name, corpus):
            progress(line)
    seconds = time.perf_counter() - started
    progress(f"published {paths.db} in {seconds:.1f} s")
    units, outcome = corpus["units"], corpus["outcome"]
    return BuildReport(
        documents=len(metas),
        items=len(units),
        units=len({i.unit_id for i in units}),
        mappings=len(outcome.mappings),
        seconds=seconds,
        messages=tuple(corpus["log"]),
        processed=processed,
        items_by_document=tuple(Counter(i.doc_id for i in units).items()),
    )


def _is_document_value(name: str) -> bool:
    return any(name in s.outputs for s in document_stages())


def _document_values(
    paths: Paths,
    metas: Sequence[DocumentMeta],
    wanted: Sequence[str],
    shared: Shared,
    cache: BuildCache,
    progress: Progress,
) -> tuple[list[dict[str, Any]], int]:
    """Each document's wanted values, from the cache or by running its document stages."""
    datas = [(paths.raw / m.source_file).read_bytes() for m in metas]
    keys = [
        output_keys(meta, data, shared.keys, shared.language)
        for meta, data in zip(metas, datas, strict=True)
    ]
    kept = [out for s in document_stages() for out in s.kept]
    found = cache.get_many(k[out] for k in keys for out in kept)
    documents: list[dict[str, Any]] = []
    tasks: list[Task] = []
    for n, (meta, data, key) in enumerate(zip(metas, datas, keys, strict=True)):
        cached = {out: found[key[out]] for out in kept if key[out] in found}
        stages, reads = plan(wanted, set(cached))
        documents.append({out: cached[out] for out in reads})
        if stages:
            own = {"meta": meta, "data": data, **documents[-1]}
            consumed = {i for s in stages for i in s.inputs}
            tasks.append((n, [s.name for s in stages], {k: own[k] for k in consumed if k in own}))
    needed = {i for _, names, _ in tasks for s in STAGES if s.name in names for i in s.inputs}
    constants = {name: shared.value(name) for name in shared.keys if name in needed}
    for n, outputs in _run_tasks(tasks, constants, cache, keys, wanted):
        documents[n].update(outputs)
        progress(_document_summary(n, len(metas), documents[n]))
    if len(tasks) < len(metas):
        progress(f"{len(metas) - len(tasks)} unchanged documents taken from the build cache")
    cache.keep_only([shared.lexicon_key, *(k[out] for k in keys for out in kept)])
    return documents, len(tasks)


def _run_tasks(
    tasks: list[Task],
    constants: dict[str, Any],
    cache: BuildCache,
    keys: Sequence[dict[str, str]],
    wanted: Sequence[str],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run the tasks' stages in chunks of documents (in a pool when there are many); store
    kept outputs a chunk at a time, each one transaction, so a killed build keeps what it
    finished. Each document's `wanted` and kept outputs come back, nothing else."""
    chunks = [tasks[n : n + BATCH_DOCUMENTS] for n in range(0, len(tasks), BATCH_DOCUMENTS)]
    kept = [out for stage in document_stages() for out in stage.kept]
    returned = frozenset(wanted) | frozenset(kept)
    cores = len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
    if len(tasks) >= POOL_MIN_DOCUMENTS and cores > 1:
        pool = ProcessPoolExecutor(cores, initializer=_receive_constants, initargs=(constants,))
        run = partial(_run_in_worker, returned=returned)
        results: Iterator[list[dict[str, Any]]] = pool.map(run, chunks)
    else:
        pool = None
        results = (run_chunk(chunk, constants, returned) for chunk in chunks)
    try:
        for chunk, outputs in zip(chunks, results, strict=True):
            cache.put_many(
                {
                    keys[n][out]: produced[out]
                    for (n, _, _), produced in zip(chunk, outputs, strict=True)
                    for out in kept
                    if out in produced
                }
            )
            for (n, _, _), produced in zip(chunk, outputs, strict=True):
                yield n, produced
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _document_summary(n: int, total: int, outputs: dict[str, Any]) -> str:
    source = outputs["source"]
    repaired = " (repaired)" if outputs["repaired_text"] != source.text else ""
    return f"[{n + 1}/{total}] {source.meta.source_file}{repaired}: {len(outputs['items'])} items"


def _stage_summary(name: str, corpus: dict[str, Any]) -> list[str]:
    """The progress lines after a corpus stage (none for publish: `build` says it)."""
    if name == "dedupe":
        units = corpus["units"]
        return [f"dedupe: {len(units)} items form {len({i.unit_id for i in units})} units"]
    if name == "overrides":
        outcome = corpus["outcome"]
        stale = [f"warning: review decision no longer applies: {m}" for m in outcome.unapplied]
        counts = f"{len(corpus['decisions'])} decisions, {len(outcome.unapplied)} no longer apply"
        return [*stale, f"overrides: {counts}"]
    if name == "log":
        log = corpus["log"]
        undescribed = [
            f"warning: not in the database: {m}" for t, m in log if t == "undescribed file"
        ]
        unmapped = sum(topic == UNMAPPED_TOPIC for topic, _ in log)
        return [*undescribed, f"log: {unmapped} items unmapped"]
    return []


_worker_constants: dict[str, Any] = {}


def _receive_constants(constants: dict[str, Any]) -> None:
    """Pool initializer: the lexicon and taxonomy travel once per worker, not per document."""
    _worker_constants.update(constants)


def _run_in_worker(chunk: list[Task], returned: frozenset[str]) -> list[dict[str, Any]]:
    return run_chunk(chunk, _worker_constants, returned)


def run_chunk(
    chunk: Sequence[Task], constants: dict[str, Any], returned: Collection[str]
) -> list[dict[str, Any]]:
    """The planned stages of some documents, in `STAGES` order; what each produced of
    `returned`.

    Only what the caller reads travels back from a worker: the parse before and after repair
    and the matcher's intermediate records are a quarter or more of a chunk's pickle and were
    unpickled in the build's main process for nothing.

    A batched stage runs once over the documents that plan it, its records handed back to
    their documents by `item_id`; every other stage runs document by document.
    """
    values = [{**constants, **task_values} for _, _, task_values in chunk]
    for stage in document_stages():
        planned = [v for (_, names, _), v in zip(chunk, values, strict=True) if stage.name in names]
        if not planned:
            continue
        if not stage.batched:
            for own in planned:
                run_stages([stage], own)
            continue
        shared = {
            name: planned[0][name] if name in constants else _gathered([v[name] for v in planned])
            for name in stage.inputs
        }
        run_stages([stage], shared)
        owner = {item.item_id: n for n, own in enumerate(planned) for item in own["items"]}
        for out in stage.outputs:
            parts: list[list[Any]] = [[] for _ in planned]
            for record in shared[out]:
                parts[owner[record.item_id]].append(record)
            for own, part in zip(planned, parts, strict=True):
                own[out] = tuple(part)
    return [
        {
            out: own[out]
            for stage in document_stages()
            if stage.name in names
            for out in stage.outputs
            if out in returned
        }
        for (_, names, _), own in zip(chunk, values, strict=True)
    ]


def _gathered(values: Sequence[Any]) -> tuple[Any, ...]:
    """The documents' values of one input for a batched stage: their records (tuples) one after
    another; a single value per document (its manifest row) as one entry each."""
    if all(isinstance(v, tuple) for v in values):
        return tuple(chain.from_iterable(values))
    return tuple(values)


def process_document(
    source: SourceText, lexicon: Lexicon
) -> tuple[ParsedDocument, str, tuple[Item, ...]]:
    """parse → repair → extract for one loaded document: (repaired parse, repaired text, items)."""
    stages, _ = plan(["repaired", "repaired_text", "items"], {"source", "lexicon"})
    values = run_stages(stages, {"source": source, "lexicon": lexicon})
    return values["repaired"], values["repaired_text"], values["items"]


def read_sources(paths: Paths) -> tuple[SourceText, ...]:
    """Manifest + files in data/raw → loaded documents (the load stage, for every document)."""
    metas = load_manifest(paths.manifest, paths.cities, paths.raw)
    return tuple(load_source(m, (paths.raw / m.source_file).read_bytes()) for m in metas)


def lexicon_for(sources: Sequence[SourceText]) -> Lexicon:
    """A repair lexicon from documents: general Swedish plus their own clean documents' words."""
    return build_lexicon(s.text for s in sources if not needs_repair(s.text))


def read_lexicon(paths: Paths) -> Lexicon:
    """The build's repair lexicon: general Swedish plus data/language/sv-domain-words.tsv.

    The domain words are data, not the live corpus: were they recounted on every build, adding
    one clean document would change how every OCR-damaged document is repaired, and an ingest
    would redo all of them. `refresh_domain_words` recounts them when a person decides to.
    """
    counts: dict[str, int] = {}
    if paths.domain_words.exists():
        lines = paths.domain_words.read_text(encoding="utf-8").splitlines()
        for line in lines[1:]:
            word, count = line.split("\t")
            counts[word] = int(count)
    return lexicon_from_counts(counts)


def refresh_domain_words(paths: Paths) -> int:
    """Recount the domain words from the corpus's clean documents; returns how many words."""
    counts = domain_word_counts(s.text for s in read_sources(paths) if not needs_repair(s.text))
    rows = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
    paths.domain_words.parent.mkdir(parents=True, exist_ok=True)
    text = "word\tcount\n" + "".join(f"{w}\t{c}\n" for w, c in rows)
    paths.domain_words.write_text(text, encoding="utf-8")
    return len(rows)


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
