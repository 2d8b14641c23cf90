"""Map stage: items × taxonomy → suggested links, each with how it was found.

Order of work:
1. evidence (etl/signals.py): the taxonomy's aliases found in the passage by index look-up
   (etl/vocabulary.py, inflection and compounds by rule), the document's subject (title and
   the policy it concerns), the concept's share of the document's items;
2. the learned link model (etl/learn.py, data/mapping_model.json) weighs that evidence with the
   words labelled passages have shown to go with each concept, and a threshold per dimension
   decides — except that a concept the passage names with one word at one place, and no rule
   infers, is not linked in a passage longer than its dimension's learned limit (a passing
   word in a long paragraph); without a model file an alias found (as words or inside a
   compound) decides alone;
   The guide's inference rules (data/rules.toml) are evidence too: "dialogue with residents in
   a plan against racism" marks eccar.04, and the model weighs that mark by how often such
   inferences were right in the labelled passages;
3. the guide's gate (`Signals.may_link`): an ECCAR commitment is linked directly only where
   the passage or its document is about racism or discrimination (data/rules.toml) and the
   passage itself does what the commitment describes (its words, or a rule); elsewhere the
   crosswalk gives ECCAR *derived* coverage instead. A word naming a kind of document
   ("… enligt handlingsplanen") is a mention: evidence, never a link alone, unless the passage
   opens with it;
4. links the document states itself (etl/stated.py) replace the others for the same pair.

Steps 1-3 are the pipeline's match stage (`match_items`), step 4 its stated and map stages
(`stated_links`, `best_links`); `map_items` runs all three.

Every link keeps its `basis` — alias, subject, learned, rule or stated — and an `evidence` text
(the alias, the document's title, the rule, the telling words) so a reviewer sees why. `method`
stays the contract's fuzzy | stated | manual.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass
from itertools import compress
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np

from etl.learn import LinkModel, load_model
from etl.model import DocumentMeta, Item, Mapping
from etl.paths import Paths
from etl.rules import Rules, load_rules
from etl.signals import Signals, compute_signals
from etl.stated import STATED_DIMENSION, Hit, stated_links, states_a_link
from etl.taxonomy import Taxonomy
from etl.vocabulary import HOWS, WHOLE, Vocabulary, normalise

__all__ = ["Knowledge", "best_links", "load_knowledge", "map_items", "match_items", "normalise"]

RULES_FILE = "rules.toml"
MODEL_FILE = "mapping_model.json"
# How many of a passage's words are named as the evidence of a learned link.
EVIDENCE_WORDS = 3
# Which evidence names a chosen link, in the order it is looked for (see chosen_links); a
# document's dominant concept is named by its title, as its subject is.
ALIAS, SUBJECT, RULE, DOMINANT, LEARNED = "alias", "subject", "rule", "dominant", "learned"
P = ParamSpec("P")
R = TypeVar("R")


def _without_cycle_collection(stage: Callable[P, R]) -> Callable[P, R]:
    """Run `stage` with Python's cycle collector paused (restored after, as it was).

    A stage makes some 35,000 links per 10,000 passages, objects that hold no cycles; while they
    were made the collector ran up to two full passes over the heap (0.09 s CPU each) and some
    190 small ones: 0.06-0.25 s CPU of a 1.1 s mapping (benchmarks/evaluate_mapping.py's speed
    passages). Whatever cycles a stage leaves are collected at the next pass after it.
    """

    @functools.wraps(stage)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return stage(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@dataclass(frozen=True)
class Knowledge:
    """What the matcher knows besides the taxonomy: the guide's rules and the learned model."""

    rules: Rules
    model: LinkModel | None


def load_knowledge(data: Path, taxonomy: Taxonomy) -> Knowledge:
    """data/rules.toml (required) and data/mapping_model.json (if trained)."""
    model_path = data / MODEL_FILE
    model = load_model(model_path) if model_path.exists() else None
    return Knowledge(load_rules(data / RULES_FILE, taxonomy), model)


def map_items(
    items: Sequence[Item],
    taxonomy: Taxonomy,
    documents: MappingOf[str, DocumentMeta] | None = None,
    knowledge: Knowledge | None = None,
) -> tuple[Mapping, ...]:
    """Suggested links for `items`, read in the light of their documents (doc_id → manifest).

    The three steps the pipeline runs as its match, stated and map stages.
    """
    if knowledge is None:
        knowledge = load_knowledge(Paths.from_env().data, taxonomy)
    matched, hits = match_items(items, taxonomy, tuple((documents or {}).values()), knowledge)
    return best_links(items, matched, stated_links(items, hits, taxonomy), taxonomy)


@_without_cycle_collection
def match_items(
    items: Sequence[Item],
    taxonomy: Taxonomy,
    documents: Sequence[DocumentMeta],
    knowledge: Knowledge,
) -> tuple[tuple[Mapping, ...], tuple[Hit, ...]]:
    """Match stage: the links the evidence and the model choose, each with its evidence named,
    and the located alias hits of the items that state a link (what the stated stage reads).

    Every signal is a function of the item and its own document (`documents`: the manifest
    entries of the items' documents), so any set of whole documents can be matched at once.
    """
    vocabulary = Vocabulary(taxonomy, knowledge.rules.compounds, knowledge.rules.document_words)
    by_id = {meta.doc_id: meta for meta in documents}
    signals = compute_signals(items, taxonomy, vocabulary, knowledge.rules, by_id)
    chosen, scores = decide(signals, taxonomy, knowledge)
    links = chosen_links(items, signals, chosen, scores, knowledge.model)
    return links, tuple(stated_candidates(items, signals))


@_without_cycle_collection
def best_links(
    items: Sequence[Item],
    matched: Sequence[Mapping],
    stated: Sequence[Mapping],
    taxonomy: Taxonomy,
) -> tuple[Mapping, ...]:
    """Map stage: the matched links, a stated link replacing the matched one for its pair, in
    item order and taxonomy order."""
    links = {(link.item_id, link.concept_id): link for link in matched}
    for link in stated:
        links[(link.item_id, link.concept_id)] = link
    order = {item.item_id: n for n, item in enumerate(items)}
    position = {c.concept_id: n for n, c in enumerate(taxonomy.concepts)}
    return tuple(sorted(links.values(), key=lambda m: (order[m.item_id], position[m.concept_id])))


def decide(
    signals: Signals, taxonomy: Taxonomy, knowledge: Knowledge
) -> tuple[np.ndarray, np.ndarray]:
    """(chosen, score) per item × concept."""
    model = knowledge.model
    if model is None:
        scores = np.maximum(signals.pair["alias_word"], signals.pair["alias_part"])
        chosen = scores > 0
    else:
        scores = model.probabilities(signals, model.learned(signals))
        chosen = (scores >= model.threshold_for(signals)) & ~model.said_once_in_long(signals)
    chosen &= signals.may_link()
    return chosen, scores


def stated_candidates(items: Sequence[Item], signals: Signals) -> list[Hit]:
    """Every alias hit of a `function` concept in the items that state a link, located.

    All hits, not only each concept's best: the named focus area may come after an earlier,
    passing use of the same word. Read from the hits the match stage found (`signals.found`,
    rows parallel to `items`): tokenising and looking up the stating items again cost 0.02 s
    CPU more of 10,000 passages (0.077 s, now 0.058, most of it finding the stating items).
    """
    stating = np.array([states_a_link(item.text) for item in items], dtype=bool)
    found, tokens = signals.found, signals.tokens
    functions = np.array([c.startswith(f"{STATED_DIMENSION}.") for c in found.concept_ids])
    located = []
    wanted = functions[found.columns] & stating[found.rows]
    for n in np.flatnonzero(wanted).tolist():
        hit, row = found.hit(n), int(found.rows[n])
        words = int(tokens.starts[row])
        start = int(tokens.word_starts[words + hit.first])
        end = int(tokens.word_ends[words + hit.last])
        located.append(Hit(items[row].item_id, hit.concept_id, hit.alias, 100.0, start, end))
    return located


def chosen_links(
    items: Sequence[Item],
    signals: Signals,
    chosen: np.ndarray,
    scores: np.ndarray,
    model: LinkModel | None,
) -> tuple[Mapping, ...]:
    """The link of every chosen pair, in item and taxonomy order, with its strongest evidence
    named: the alias found, else the document's subject, else the rule, else the document's
    dominant concept, else the passage's telling words (learned).

    Which evidence names each link is decided over the chosen pairs with arrays; a Mapping,
    and the places of a passage's words, are made only for the links kept.
    """
    rows, columns = np.nonzero(chosen)
    hit_of = signals.best_at[rows, columns]
    pair = signals.pair
    named_by = np.select(
        [
            hit_of >= 0,
            pair["subject"][rows, columns] > 0,
            pair["rule"][rows, columns] > 0,
            pair["dominant"][rows, columns] > 0,
        ],
        [ALIAS, SUBJECT, RULE, DOMINANT],
        LEARNED,
    )
    rounded = [round(score, 3) for score in scores[rows, columns].tolist()]
    by_alias = named_by == ALIAS
    kept: list[Mapping | None] = [None] * len(rows)
    alias_links = _alias_links(
        items,
        signals,
        (rows[by_alias], columns[by_alias], hit_of[by_alias]),
        list(compress(rounded, by_alias.tolist())),
    )
    for n, link in zip(np.flatnonzero(by_alias).tolist(), alias_links, strict=True):
        kept[n] = link
    for n in np.flatnonzero(~by_alias).tolist():
        row, column, basis = int(rows[n]), int(columns[n]), str(named_by[n])
        kept[n] = _other_link(items[row], row, column, rounded[n], basis, signals, model)
    # Each chosen (row, column) is one pair, item ids being unique: nothing to de-duplicate.
    return tuple(link for link in kept if link is not None)


def _other_link(
    item: Item,
    row: int,
    column: int,
    score: float,
    basis: str,
    signals: Signals,
    model: LinkModel | None,
) -> Mapping:
    """The link of a chosen pair without an alias in the passage, named by `basis`: the
    rule that inferred it, the passage's telling words (learned), or the document's title."""
    concept_id = signals.concept_ids[column]
    if basis == RULE:
        rule = signals.rules[row][concept_id]
        return Mapping(
            item.item_id,
            concept_id,
            score,
            "fuzzy",
            "",
            basis="rule",
            evidence=f"{rule.rule_id}: {rule.why}",
        )
    if basis == LEARNED:
        words = (
            model.telling_words(signals.tokens.stems_of(row), concept_id, EVIDENCE_WORDS)
            if model is not None and concept_id in model.column_of
            else []
        )
        return Mapping(
            item.item_id,
            concept_id,
            score,
            "fuzzy",
            "",
            basis="learned",
            evidence=", ".join(words),
        )
    context = signals.contexts[row]
    alias = context.subject[concept_id] if basis == SUBJECT else ""
    return Mapping(
        item.item_id, concept_id, score, "fuzzy", alias, basis="subject", evidence=context.title
    )


def _alias_links(
    items: Sequence[Item],
    signals: Signals,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    scores: Sequence[float],
) -> list[Mapping]:
    """The links named by an alias the passage holds, with where it stands in the text, for
    these (rows, columns, index in signals.best) at once: places and aliases read from the
    arrays for these pairs only."""
    rows, columns, hits = pairs
    best, tokens = signals.best, signals.tokens
    words = tokens.starts[rows]
    starts = tokens.word_starts[words + best.first[hits]].tolist()
    ends = tokens.word_ends[words + best.last[hits]].tolist()
    aliases = [best.alias_texts[a] for a in best.alias[hits].tolist()]
    hows = [HOWS[h] for h in best.how[hits].tolist()]
    return [
        Mapping(
            items[row].item_id,
            signals.concept_ids[column],
            score,
            "fuzzy",
            alias,
            match_start=start,
            match_end=end,
            basis="alias",
            evidence=alias if how == WHOLE else f"{alias} ({how})",
        )
        for row, column, score, alias, how, start, end in zip(
            rows.tolist(), columns.tolist(), scores, aliases, hows, starts, ends, strict=True
        )
    ]
