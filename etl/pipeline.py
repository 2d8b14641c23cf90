"""The pipeline: the stages in order, and the build that runs them.

`STAGES` is the build. `build()` runs exactly these records, in this order, each a function of
the inputs it names and nothing else:

    load → parse → repair → extract → compare → account → match → stated → map   per document
    dedupe → overrides → log → publish                    once, over what changed

A document stage's inputs are the document's own values (`meta`, `data`, earlier outputs) and
the build's shared data (`lexicon`, `taxonomy`, `knowledge`). The documents a build publishes
do not wait for the corpus stages in memory: as the cache or the pool gives them, their rows go
into the database being published (`publish.Publication`), `PUBLISH_DOCUMENTS` at a time, and
what the corpus stages need of them is `gathered` (dedupe's joinable items without their texts,
the texts and suggestions of the items a review decision names, the unmapped items' log lines).
A corpus stage sees that, the `publication`, `decisions`, `quality`, `raw`, `db`, the
`manifest` and what the build `change`s (below). At 10,000 generated documents the full build
gathered 4.1 GB of records before publishing them (benchmarks/results/scale.md). When a stage's
signature changes, its `inputs` tuple is the one line to change.

Document stages fan out over a process pool, and what they keep (`kept`) is stored in the build
cache (etl/cache.py) under a key made of the document's bytes and manifest row, the data the
stage reads and the source code of the stage's module and its imports. So an ingest runs the
document stages for one document, a taxonomy, rules or model change reruns only match → stated →
map, and results are only reused where they would come out the same.

Corpus stages are incremental. The published database records what it was made from
(`build_inputs`: a digest of each document's kept results, one of the code and shared data,
one of the review decisions). When the code, shared data and decisions are those of this build,
the corpus stages run over the documents whose digest changed (or that are new) only, and
publish applies them to a copy of that database: the changed and removed documents' rows go,
the new ones come in (`publish.Change`). Dedupe also reads the other documents of the city ×
policy groups they touch (`neighbours`: a unit can only join components of one group), and
overrides judges stale decisions with what stays published. Anything else — a missing or
foreign database, another code version, a taxonomy, rules, model or quality change, a review
decision the database does not have, a file in data/raw the manifest does not describe — makes
the change one from an empty database: a full publish, through the same stages. When nothing
changed, the corpus stages have nothing to do and the database is left as it is.
Publishing stays atomic either way: built aside, checked, renamed.
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import json
import os
import pickle
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from collections.abc import Mapping as MappingType
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache, cached_property, partial
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import duckdb

from etl.cache import BuildCache, code_digest, digest, files_digest, pickled
from etl.csvtext import read_text
from etl.dedupe import assign_units, comparison_texts
from etl.errors import InputError
from etl.extract import account_for, extract_items
from etl.load import load_source
from etl.manifest import load_manifest, parse_manifest, raw_files, read_cities
from etl.map import MODEL_FILE, RULES_FILE, Knowledge, best_links, load_knowledge, match_items
from etl.model import (
    QUALITY_ALL,
    DocumentMeta,
    Item,
    Mapping,
    ParsedDocument,
    SourceText,
)
from etl.overrides import (
    Decision,
    Outcome,
    apply_decisions,
    decisions_digest,
    load_decisions,
    named_items,
)
from etl.parse import parse_document
from etl.paths import Paths
from etl.publish import (
    DECISIONS_INPUT,
    DOCUMENT_INPUT,
    SHARED_INPUT,
    STALE_TOPIC,
    UNMAPPED_TOPIC,
    BuildInput,
    Change,
    Documents,
    Publication,
    Published,
    counts,
    inputs_digest,
    remove_dead_temporaries,
    revise,
    unmapped_messages,
)
from etl.repair import (
    Lexicon,
    build_lexicon,
    domain_word_counts,
    needs_repair,
    read_domain_lexicon,
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


@dataclass(frozen=True)
class Neighbour:
    """A published document that is not republished but shares a dedupe group (city ×
    policy) with one that is: what dedupe needs of it (`joinable`)."""

    meta: DocumentMeta
    items: tuple[Item, ...]
    compared: tuple[str, ...]


def joinable(items: Sequence[Item], compared: Sequence[str]) -> tuple[list[Item], list[str]]:
    """The items dedupe may give another unit than the one extract gave them, with their
    comparison texts: the components (every other item is its own unit, as extract made it),
    without their texts, which dedupe does not read (it compares `compared`)."""
    chosen = [
        (replace(item, text="", text_raw=""), text)
        for item, text in zip(items, compared, strict=True)
        if item.kind == "component" or item.unit_id != item.item_id
    ]
    return [item for item, _ in chosen], [text for _, text in chosen]


@dataclass
class Gathered:
    """What the corpus stages need of the documents a build publishes, kept while their rows
    stream into the database (`Publication.add`): dedupe's joinable items, and of the items a
    review decision names, their texts and suggestions. Everything else of a document is in
    the database once its batch is added, and nowhere in memory."""

    joinable: list[Item] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    policies: dict[str, str] = field(default_factory=dict)  # doc_id → relates_to
    item_counts: dict[str, int] = field(default_factory=dict)
    decided_items: list[tuple[str, str]] = field(default_factory=list)  # (item_id, text)
    decided_suggestions: list[Mapping] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # the undecided items' lines


def gather(
    batch: Sequence[tuple[DocumentMeta, MappingType[str, Any]]],
    named: Collection[str],
    gathered: Gathered,
) -> Documents:
    """Some published documents' values → their rows (to add to the database now), and into
    `gathered` what the corpus stages need of them. The items no decision names (`named`) keep
    their suggestions as their links, and are unmapped when they have none."""
    rows: dict[str, list[Any]] = {name: [] for name in (*GATHERED_ROWS, "mappings")}
    for meta, values in batch:
        items: tuple[Item, ...] = values["items"]
        gathered.policies[meta.doc_id] = meta.relates_to
        gathered.item_counts[meta.doc_id] = len(items)
        more, texts = joinable(items, values["compared"])
        gathered.joinable += more
        gathered.compared += texts
        gathered.decided_items += [(i.item_id, i.text) for i in items if i.item_id in named]
        links = [m for m in values["suggestions"] if m.item_id not in named]
        gathered.decided_suggestions += [m for m in values["suggestions"] if m.item_id in named]
        gathered.unmapped += unmapped_messages(
            ((i.item_id, i.text) for i in items if i.item_id not in named), links
        )
        for name in GATHERED_ROWS:
            rows[name].append(values[name])
        rows["mappings"].append(links)
    return Documents(
        sources=rows["source"],
        repaired_texts=rows["repaired_text"],
        items=list(chain.from_iterable(rows["items"])),
        languages=rows["language_read"],
        skipped=list(chain.from_iterable(rows["skipped"])),
        suggestions=list(chain.from_iterable(rows["suggestions"])),
        mappings=list(chain.from_iterable(rows["mappings"])),
    )


# The document values a published document's rows are made of (`gather`).
GATHERED_ROWS = ("source", "repaired_text", "items", "language_read", "skipped", "suggestions")


def dedupe_corpus(gathered: Gathered, neighbours: Sequence[Neighbour]) -> list[tuple[str, str]]:
    """The dedupe stage: `unit_id` joins the same component.

    Over the documents published and their neighbours, the other members of their groups
    (units never cross a group); gives (item_id, unit_id) for publish to set: of the published
    items whose unit is not the one extract gave them, and of every joinable item of the
    neighbours (their unit may also go back to their own)."""
    own = gathered.joinable
    policies = {**gathered.policies, **{n.meta.doc_id: n.meta.relates_to for n in neighbours}}
    texts = [*gathered.compared, *(t for n in neighbours for t in n.compared)]
    units = assign_units([*own, *(i for n in neighbours for i in n.items)], policies, texts)
    changed = [
        (new.item_id, new.unit_id)
        for old, new in zip(own, units[: len(own)], strict=True)
        if new.unit_id != old.unit_id
    ]
    return [*changed, *((i.item_id, i.unit_id) for i in units[len(own) :])]


def review_corpus(
    gathered: Gathered, decisions: Sequence[Decision], taxonomy: Taxonomy, change: Change
) -> Outcome:
    """The overrides stage: every review decision re-applied to the suggestions of the items
    it names (every other item's suggestions are its links as they are); those on items that
    stay published are judged by what stays (`change.decided_*`)."""
    return apply_decisions(
        gathered.decided_suggestions,
        decisions,
        (item_id for item_id, _ in gathered.decided_items),
        (c.concept_id for c in taxonomy.concepts),
        change.decided_items,
        change.decided_links,
    )


# The build_log topic of files in data/raw the manifest does not describe.
UNDESCRIBED_TOPIC = "undescribed file"


def build_messages(
    gathered: Gathered, outcome: Outcome, undescribed: Sequence[str]
) -> list[tuple[str, str]]:
    """The build log: this build's items nothing maps to, review decisions that no longer
    apply, and files in data/raw the manifest does not describe."""
    log = [*gathered.unmapped, *unmapped_messages(gathered.decided_items, outcome.mappings)]
    log += [(STALE_TOPIC, message) for message in outcome.unapplied]
    return log + [
        (
            UNDESCRIBED_TOPIC,
            f"data/raw/{name} has no row in the manifest; describe it or remove it",
        )
        for name in undescribed
    ]


def publish_corpus(
    publication: Publication,
    taxonomy: Taxonomy,
    outcome: Outcome,
    quality: Sequence[dict[str, object]],
    log: Sequence[tuple[str, str]],
    regrouped: Sequence[tuple[str, str]],
) -> Published:
    """The publish stage: the documents' rows are in `publication` already; the corpus-wide
    rows go in, and it is checked and renamed over the database."""
    return publication.finish(
        taxonomy, outcome.mappings, outcome.not_covered, quality, log, regrouped
    )


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
    Stage("dedupe", dedupe_corpus, ("gathered", "neighbours"), ("regrouped",), "corpus"),
    Stage(
        "overrides",
        review_corpus,
        ("gathered", "decisions", "taxonomy", "change"),
        ("outcome",),
        "corpus",
    ),
    Stage("log", build_messages, ("gathered", "outcome", "undescribed"), ("log",), "corpus"),
    Stage(
        "publish",
        publish_corpus,
        ("publication", "taxonomy", "outcome", "quality", "log", "regrouped"),
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
# Documents whose rows go into the database being published in one batch (`gather`): what is
# held of them at once. At 10,000 generated documents (33 passages, 110 links each) a batch of
# 256 is about 8,500 passages and 28,000 links.
PUBLISH_DOCUMENTS = 256


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
    # Passages per document id of the documents this build published: what an ingest reports,
    # without opening the new database (in the app's process a new connection would still see
    # the old file; DuckDB shares it).
    items_by_document: tuple[tuple[str, int], ...] = ()
    publish: PublishKind = "full"
    published: int = 0  # documents whose rows the corpus stages made (all, in a full publish)


class Shared:
    """The build's shared inputs, read from `paths` only when a stage asks for them."""

    def __init__(self, paths: Paths, cache: BuildCache, corpus: Corpus) -> None:
        self.paths = paths
        self.cache = cache
        self.corpus = corpus

    @cached_property
    def undescribed(self) -> tuple[str, ...]:
        """The files in data/raw the manifest does not describe: they are not published."""
        described = {d.source_file for d in self.corpus.documents}
        return tuple(name for name in self.corpus.files if name not in described)

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
    def build_digest(self) -> str:
        """What every published row depends on besides its own document: the code (this module
        and every module it imports, with the libraries' versions), the taxonomy, rules and
        model, the quality figures and the files in data/raw the manifest does not describe."""
        return digest(
            code_digest(__name__),
            self.keys["taxonomy"],
            self.keys["knowledge"],
            files_digest([self.paths.quality]),
            *self.undescribed,
        )

    @cached_property
    def stages_digest(self) -> str:
        """Digest of what shapes every document's stages besides the document: the shared
        data they read, the language files and their code."""
        codes = (code_digest(stage.run.__module__) for stage in document_stages())
        return digest(*self.keys.values(), self.language, *codes)

    @cached_property
    def language(self) -> str:
        """Digest of what shapes every document stage besides its own code and inputs: the
        language files (data/language/) and the code here that runs the stages
        (`runner_digest`). Not the rest of this module: editing the build's orchestration
        does not change what a stage gives, so it keeps every document's cached results."""
        folder = self.paths.language
        files = [p for p in folder.glob("*") if p != self.paths.domain_words and p.is_file()]
        return digest(files_digest(files), runner_digest())


def document_stages() -> list[Stage]:
    return [s for s in STAGES if s.scope == "document"]


def corpus_stages() -> list[Stage]:
    return [s for s in STAGES if s.scope == "corpus"]


def output_keys(
    meta: DocumentMeta, sha256: str, shared_keys: MappingType[str, str], language: str
) -> dict[str, str]:
    """Cache key of every document stage output: its stage, that stage's code and data, and
    the keys of its inputs, so a key changes exactly when something upstream changed. The
    document's bytes count by their sha256 (`BuildCache.file_digests`)."""
    keys = {
        "meta": digest(json.dumps(asdict(meta), sort_keys=True)),
        "data": sha256,
        **shared_keys,
    }
    for stage in document_stages():
        stage_key = digest(
            stage.name,
            stage.run.__qualname__,
            *stage.outputs,
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


# What the corpus stages read of a neighbour (a document that only shares a dedupe group with
# one they publish): its kept results dedupe needs.
NEIGHBOUR_VALUES: tuple[str, ...] = ("items", "compared")
PublishKind = Literal["full", "incremental", "none"]


@dataclass(frozen=True)
class Plan:
    """What the corpus stages of a build do: the change to the published database, the
    documents (manifest positions) they publish and those they only read for dedupe."""

    change: Change
    published: tuple[int, ...]
    neighbours: tuple[int, ...] = ()
    reason: str = ""  # why the publish is a full one

    @property
    def kind(self) -> PublishKind:
        if self.change.previous is None:
            return "full"
        return "incremental" if self.published or self.change.dropped else "none"


@dataclass(frozen=True)
class Corpus:
    """The manifest's documents, the files in data/raw and their sha256, as a change made under
    the corpus lock (an ingest) already has them: what a build would otherwise read again
    (at 10,000 documents the manifest took 0.45 s to parse and the files' stamps 0.4 s).
    `written` are the files the change wrote, whose stamps the build cache learns."""

    documents: tuple[DocumentMeta, ...]
    files: tuple[str, ...]
    digests: MappingType[str, str]
    written: tuple[str, ...] = ()


def read_corpus(paths: Paths, cache: BuildCache, verify: bool = False) -> Corpus:
    """The corpus as data/ holds it: the manifest validated, each file's sha256."""
    files = raw_files(paths.raw)
    documents = parse_manifest(
        read_text(paths.manifest),
        read_cities(read_text(paths.cities)),
        files,
        source=paths.manifest.name,
    )
    return Corpus(documents, tuple(files), cache.file_digests(paths.raw, files, verify))


def build(
    paths: Paths, progress: Progress = print, verify: bool = False, corpus: Corpus | None = None
) -> BuildReport:
    """Build paths.db from data/raw, the manifest, the taxonomy and the review file.

    Every result is what a build from scratch would give; document results are taken from the
    build cache where their inputs did not change, and only the documents that changed since
    the published database are published again (see the module's docstring). A file counts
    as unchanged while its stamp is (`BuildCache.file_digests`); `verify` reads every file.
    Each document's rows go into the database being built a batch at a time, as the cache or
    the pool gives them; only what the corpus stages need of them (`Gathered`) stays in memory.
    A `corpus` given (by an ingest, which has just read and checked it) is not read again.
    """
    started = time.perf_counter()
    kept = [out for s in document_stages() for out in s.kept]
    with BuildCache(paths.cache) as cache:
        if corpus is None:
            corpus = read_corpus(paths, cache, verify)
        else:
            cache.remember(paths.raw, {name: corpus.digests[name] for name in corpus.written})
        metas = corpus.documents
        shared = Shared(paths, cache, corpus)
        shas = [corpus.digests[m.source_file] for m in metas]
        datas = RawBytes(paths.raw, metas, shas)
        plan = plan_publish(paths.db, metas, shas, shared)
        requests = {n: GATHERED_VALUES for n in plan.published}
        requests |= {n: NEIGHBOUR_VALUES for n in plan.neighbours}
        # Cache keys of the documents the corpus stages read (27 digests each: 1.5 s at
        # 10,000 documents); every document's only when the cache has results to drop.
        keys: dict[int, dict[str, str]] = {}

        def keys_of(n: int) -> dict[str, str]:
            if n not in keys:
                keys[n] = output_keys(metas[n], shas[n], shared.keys, shared.language)
            return keys[n]

        def tidy_cache() -> None:
            cache.keep_only(
                1 + len(metas) * len(kept),
                lambda: [
                    shared.lexicon_key,
                    *(keys_of(n)[o] for n in range(len(metas)) for o in kept),
                ],
            )
            for problem in cache.problems:
                progress(f"warning: {problem}")

        for n in requests:
            keys_of(n)
        progress(_plan_summary(plan))
        values = _document_values(metas, datas, keys, requests, shared, progress)
        if plan.kind == "none":
            tidy_cache()
            remove_dead_temporaries(paths.db)
            for stage in corpus_stages():
                progress(f"{stage.name}: nothing changed")
            published, messages = _published_now(paths.db)
            seconds = time.perf_counter() - started
            progress(f"{paths.db} is up to date; checked in {seconds:.1f} s")
            processed, item_counts = 0, {}
        else:
            with Publication(plan.change, paths.db) as publication:
                gathered, neighbours, processed = _publish_documents(
                    plan, values, metas, shared, publication
                )
                tidy_cache()
                made = _corpus_stages(plan, gathered, neighbours, publication, shared, progress)
            published, messages = made["published"], tuple(made["log"])
            item_counts = gathered.item_counts
            seconds = time.perf_counter() - started
            progress(f"published {paths.db} in {seconds:.1f} s")
    return BuildReport(
        documents=published.documents,
        items=published.items,
        units=published.units,
        mappings=published.mappings,
        seconds=seconds,
        messages=messages,
        processed=processed,
        items_by_document=tuple(
            (m.doc_id, item_counts[m.doc_id]) for m in metas if item_counts.get(m.doc_id)
        ),
        publish=plan.kind,
        published=len(plan.published),
    )


def _publish_documents(
    plan: Plan,
    values: Iterator[tuple[int, dict[str, Any], bool]],
    metas: Sequence[DocumentMeta],
    shared: Shared,
    publication: Publication,
) -> tuple[Gathered, list[Neighbour], int]:
    """Add the published documents' rows to `publication`, `PUBLISH_DOCUMENTS` at a time, as
    `values` gives them; what the corpus stages need of them and of the neighbours, and how
    many documents ran stages."""
    published = frozenset(plan.published)
    named = named_items(shared.decisions)
    gathered = Gathered()
    neighbours: list[Neighbour] = []
    batch: list[tuple[DocumentMeta, dict[str, Any]]] = []
    processed = 0
    for n, own, ran in values:
        processed += ran
        if n not in published:
            joined, texts = joinable(own["items"], own["compared"])
            neighbours.append(Neighbour(metas[n], tuple(joined), tuple(texts)))
            continue
        batch.append((metas[n], own))
        if len(batch) == PUBLISH_DOCUMENTS:
            publication.add(gather(batch, named, gathered))
            batch = []
    if batch:
        publication.add(gather(batch, named, gathered))
    return gathered, neighbours, processed


def _corpus_stages(
    plan: Plan,
    gathered: Gathered,
    neighbours: list[Neighbour],
    publication: Publication,
    shared: Shared,
    progress: Progress,
) -> dict[str, Any]:
    """Run the corpus stages over what was gathered of the documents `plan` publishes; every
    value they made."""
    corpus: dict[str, Any] = {
        "gathered": gathered,
        "neighbours": neighbours,
        "publication": publication,
        "change": plan.change,
    }
    for stage in corpus_stages():
        for name in stage.inputs:
            if name not in corpus:
                corpus[name] = shared.value(name)
        run_stages([stage], corpus)
        for line in _stage_summary(stage.name, corpus):
            progress(line)
    return corpus


def document_digest(meta: DocumentMeta, sha256: str, shared: Shared) -> str:
    """What a document's published rows are made from: its manifest row and bytes (their
    sha256), the data and language files its stages read and their code — what each of its
    cache keys is made of (one digest, where its keys are 27). Each value after its length,
    in one string: at 10,000 documents `digest` over a JSON text per row took 0.38 s of every
    build's plan, this 0.21 s."""
    parts = (*vars(meta).values(), sha256, shared.stages_digest)
    return hashlib.sha256("".join([f"{len(v)}:{v}" for v in parts]).encode()).hexdigest()


class RawBytes:
    """The documents' bytes, in manifest order, read only when a stage runs on one (an ingest
    reads one file, not the corpus). A file whose bytes no longer have the digest the build
    planned with changed during the build: an error, not results stored under the wrong key."""

    def __init__(self, raw: Path, metas: Sequence[DocumentMeta], shas: Sequence[str]) -> None:
        self.raw, self.metas, self.shas = raw, metas, shas

    def __len__(self) -> int:
        return len(self.metas)

    def __getitem__(self, n: int) -> bytes:
        data = (self.raw / self.metas[n].source_file).read_bytes()
        if hashlib.sha256(data).hexdigest() != self.shas[n]:
            raise InputError(
                f"data/raw/{self.metas[n].source_file} changed while the build ran; build again"
            )
        return data


def plan_publish(
    db: Path, metas: Sequence[DocumentMeta], shas: Sequence[str], shared: Shared
) -> Plan:
    """What the corpus stages must do to bring the database at `db` up to date.

    An incremental change when the database records (`build_inputs`) this build's code, shared
    data and review decisions; a full publish otherwise, with the reason why. Read through a
    new in-memory connection: in a process that still holds one to a replaced file (the app),
    a plain connect could see the old file.
    """
    inputs: tuple[BuildInput, ...] = (
        (SHARED_INPUT, "", shared.build_digest),
        (DECISIONS_INPUT, "", decisions_digest(shared.decisions)),
        *(
            (DOCUMENT_INPUT, meta.doc_id, document_digest(meta, sha256, shared))
            for meta, sha256 in zip(metas, shas, strict=True)
        ),
    )
    order = tuple(m.doc_id for m in metas)

    def full(reason: str) -> Plan:
        return Plan(Change(order=order, inputs=inputs), tuple(range(len(metas))), (), reason)

    if not db.exists():
        return full("there is no database yet")
    with duckdb.connect() as con:
        try:
            con.execute("ATTACH ? AS previous (READ_ONLY)", [str(db)])
            rows = con.execute("SELECT kind, name, digest FROM previous.build_inputs").fetchall()
            previous_inputs = inputs_digest(con, "previous")
        except duckdb.Error:
            return full("the database was made by another version of the pipeline")
        recorded = {(kind, name): value for kind, name, value in rows}
        if recorded.get((SHARED_INPUT, "")) != shared.build_digest:
            return full("the code or the shared data changed since the database was published")
        if recorded.get((DECISIONS_INPUT, "")) != inputs[1][2]:
            return full("the review decisions changed since the database was published")
        before = {name: value for (kind, name), value in recorded.items() if kind == DOCUMENT_INPUT}
        now = {name: value for kind, name, value in inputs if kind == DOCUMENT_INPUT}
        dropped = sorted(doc for doc, value in before.items() if now.get(doc) != value)
        published = tuple(n for n, m in enumerate(metas) if before.get(m.doc_id) != now[m.doc_id])
        groups = {(metas[n].city, metas[n].relates_to) for n in published}
        groups |= set(
            con.execute(
                "SELECT city, coalesce(relates_to, '') FROM previous.documents "
                "WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                [dropped],
            ).fetchall()
        )
        chosen = set(published)
        neighbours = tuple(
            n
            for n, m in enumerate(metas)
            if n not in chosen and m.relates_to and (m.city, m.relates_to) in groups
        )
        decided_items, decided_links = _kept_decided(con, shared.decisions, dropped)
    change = Change(
        previous=db,
        dropped=frozenset(dropped),
        order=order,
        inputs=inputs,
        previous_inputs=previous_inputs,
        decided_items=decided_items,
        decided_links=decided_links,
    )
    return Plan(change, published, neighbours)


def _kept_decided(
    con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], dropped: Sequence[str]
) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """Of the items the decisions name, those the previous database keeps (their document is
    not dropped); of the reject decisions' links, those among the kept items' suggestions."""
    named = sorted(named_items(decisions))
    items = frozenset(
        row[0]
        for row in con.execute(
            "SELECT item_id FROM previous.items WHERE item_id IN (SELECT unnest(?::VARCHAR[])) "
            "AND doc_id NOT IN (SELECT unnest(?::VARCHAR[]))",
            [named, list(dropped)],
        ).fetchall()
    )
    rejected = sorted(
        {
            (d.item_id, d.concept_id)
            for d in decisions
            if d.decision == "reject" and d.item_id in items
        }
    )
    links = frozenset(
        (item_id, concept_id)
        for item_id, concept_id in con.execute(
            "SELECT s.item_id, s.concept_id FROM previous.suggestions s JOIN "
            "(SELECT unnest(?::VARCHAR[]) AS item_id, unnest(?::VARCHAR[]) AS concept_id) r "
            "USING (item_id, concept_id)",
            [[i for i, _ in rejected], [c for _, c in rejected]],
        ).fetchall()
    )
    return items, links


def _plan_summary(plan: Plan) -> str:
    change = plan.change
    if plan.kind == "full":
        return f"publish: all {len(change.order)} documents ({plan.reason})"
    if plan.kind == "none":
        return "publish: no document changed since the database was published"
    removed = len(change.dropped - {change.order[n] for n in plan.published})
    return (
        f"publish: {len(plan.published)} changed or new documents, {removed} removed, into a copy "
        f"of the database ({len(plan.neighbours)} more read for dedupe)"
    )


def _published_now(db: Path) -> tuple[Published, tuple[tuple[str, str], ...]]:
    """What the database holds, and its log's lines about the whole corpus (stale decisions,
    undescribed files): what an unchanged build reports."""
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS published (READ_ONLY)", [str(db)])
        log = con.execute(
            "SELECT topic, message FROM published.build_log WHERE topic <> ?", [UNMAPPED_TOPIC]
        ).fetchall()
        return counts(con, "published"), tuple((topic, message) for topic, message in log)


# The document values the build reads of each document it publishes: its rows (`gather`) and
# what dedupe compares.
GATHERED_VALUES: tuple[str, ...] = (*GATHERED_ROWS, "compared")


def _document_values(
    metas: Sequence[DocumentMeta],
    datas: RawBytes,
    keys: MappingType[int, dict[str, str]],
    requests: dict[int, tuple[str, ...]],
    shared: Shared,
    progress: Progress,
) -> Iterator[tuple[int, dict[str, Any], bool]]:
    """The requested values of the requested documents (manifest position → names), from the
    cache or by running their document stages, and whether they ran: a document at a time, so
    that the caller holds only what it keeps of them. Those the cache holds come first, read
    `BATCH_DOCUMENTS` at a time; then those whose stages run, as their chunks finish."""
    cache = shared.cache
    kept = [out for s in document_stages() for out in s.kept]
    tasks: list[Task] = []
    reads: dict[int, dict[str, Any]] = {}  # cached values of the documents whose stages run
    ordered = sorted(requests)
    for first in range(0, len(ordered), BATCH_DOCUMENTS):
        batch = ordered[first : first + BATCH_DOCUMENTS]
        found = cache.get_many(keys[n][out] for n in batch for out in requests[n])
        # A document missing a wanted result: every result it has tells what must run for it.
        missing = [n for n in batch if any(keys[n][o] not in found for o in requests[n])]
        found |= cache.get_many(keys[n][out] for n in missing for out in kept)
        for n in batch:
            key = keys[n]
            cached = {out: found[key[out]] for out in kept if key[out] in found}
            stages, read = plan(requests[n], set(cached))
            values = {out: cached[out] for out in read}
            if not stages:
                yield n, values, False
                continue
            own = {"meta": metas[n], "data": datas[n], **values}
            consumed = {i for s in stages for i in s.inputs}
            tasks.append((n, [s.name for s in stages], {k: own[k] for k in consumed if k in own}))
            reads[n] = {name: value for name, value in values.items() if name in requests[n]}
    if len(tasks) < len(requests):
        progress(f"{len(requests) - len(tasks)} documents' results taken from the build cache")
    needed = {i for _, names, _ in tasks for s in STAGES if s.name in names for i in s.inputs}
    constants = {name: shared.value(name) for name in shared.keys if name in needed}
    wanted = sorted({out for outs in requests.values() for out in outs})
    for n, outputs in _run_tasks(tasks, constants, cache, keys, wanted):
        values = {**reads.pop(n), **outputs}
        progress(_document_summary(n, metas, values))
        yield n, values, True


def _run_tasks(
    tasks: list[Task],
    constants: dict[str, Any],
    cache: BuildCache,
    keys: MappingType[int, dict[str, str]],
    wanted: Sequence[str],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run the tasks' stages in chunks of documents (in a pool when there are many); store
    kept outputs a chunk at a time, each one transaction, so a killed build keeps what it
    finished. Each document's `wanted` and kept outputs come back, nothing else.

    A pool's workers send each output pickled as the cache stores it (`_run_in_worker`): the
    main process, which shares the two cores with them, stores those bytes as they are and
    unpickles each once, where it used to unpickle the pool's results and pickle them again
    for the cache (0.8 of its 8 CPU ms a document, cold, at 1,000 generated documents)."""
    chunks = [tasks[n : n + BATCH_DOCUMENTS] for n in range(0, len(tasks), BATCH_DOCUMENTS)]
    kept = frozenset(out for stage in document_stages() for out in stage.kept)
    returned = frozenset(wanted) | kept
    cores = len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
    pool = None
    results: Iterator[list[dict[str, Any]]]  # each output pickled (pool) or as it is
    if len(tasks) >= POOL_MIN_DOCUMENTS and cores > 1:
        pool = ProcessPoolExecutor(cores, initializer=_receive_constants, initargs=(constants,))
        results = pool.map(partial(_run_in_worker, returned=returned), chunks)
    else:
        results = (run_chunk(chunk, constants, returned) for chunk in chunks)
    try:
        for chunk, outputs in zip(chunks, results, strict=True):
            blobs = outputs if pool else [_pickled_outputs(produced) for produced in outputs]
            cache.put_pickled(
                {
                    keys[n][out]: blob
                    for (n, _, _), produced in zip(chunk, blobs, strict=True)
                    for out, blob in produced.items()
                    if out in kept
                }
            )
            for (n, _, _), produced in zip(chunk, outputs, strict=True):
                yield n, _unpickled_outputs(produced) if pool else produced
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _pickled_outputs(produced: MappingType[str, Any]) -> dict[str, bytes]:
    return {out: pickled(value) for out, value in produced.items()}


def _unpickled_outputs(produced: MappingType[str, bytes]) -> dict[str, Any]:
    return {out: pickle.loads(blob) for out, blob in produced.items()}  # noqa: S301 - our own


def _document_summary(n: int, metas: Sequence[DocumentMeta], values: dict[str, Any]) -> str:
    repaired = "source" in values and values.get("repaired_text", values["source"].text)
    flag = " (repaired)" if repaired and repaired != values["source"].text else ""
    return f"[{n + 1}/{len(metas)}] {metas[n].source_file}{flag}: {len(values['items'])} items"


def _stage_summary(name: str, corpus: dict[str, Any]) -> list[str]:
    """The progress lines after a corpus stage (none for publish: `build` says it)."""
    if name == "dedupe":
        # Every item not joinable is its own unit; the joinable ones form those they join.
        gathered: Gathered = corpus["gathered"]
        regrouped = dict(corpus["regrouped"])
        items = sum(gathered.item_counts.values())
        joined = {regrouped.get(i.item_id, i.unit_id) for i in gathered.joinable}
        units = items - len(gathered.joinable) + len(joined)
        return [f"dedupe: {items} items form {units} units"]
    if name == "overrides":
        outcome = corpus["outcome"]
        stale = [f"warning: review decision no longer applies: {m}" for m in outcome.unapplied]
        counts = f"{len(corpus['decisions'])} decisions, {len(outcome.unapplied)} no longer apply"
        return [*stale, f"overrides: {counts}"]
    if name == "log":
        log = corpus["log"]
        undescribed = [
            f"warning: not in the database: {m}" for t, m in log if t == UNDESCRIBED_TOPIC
        ]
        unmapped = sum(topic == UNMAPPED_TOPIC for topic, _ in log)
        return [*undescribed, f"log: {unmapped} items unmapped"]
    return []


_worker_constants: dict[str, Any] = {}


def _receive_constants(constants: dict[str, Any]) -> None:
    """Pool initializer: the lexicon and taxonomy travel once per worker, not per document."""
    _worker_constants.update(constants)


def _run_in_worker(chunk: list[Task], returned: frozenset[str]) -> list[dict[str, bytes]]:
    """`run_chunk` in a pool worker, each output pickled as the build cache stores it."""
    return [_pickled_outputs(p) for p in run_chunk(chunk, _worker_constants, returned)]


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


# The code of this module that runs document stages: what of it shapes their results.
RUNNER = (plan, run_stages, run_chunk, _gathered)


@cache
def runner_digest() -> str:
    """Digest of the source of the functions that run document stages (`RUNNER`); the
    stages' own code is in their keys by module (`output_keys`)."""
    return digest(*(inspect.getsource(function) for function in RUNNER))


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
    return read_domain_lexicon(paths.domain_words)


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
        decisions = load_decisions(paths.review)
        outcome = apply_decisions(suggestions, decisions, item_ids, concept_ids)
        revise(
            paths.db,
            outcome.mappings,
            outcome.not_covered,
            outcome.unapplied,
            decisions_digest(decisions),
        )
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
