"""Map stage: items × taxonomy → suggested links, each with how it was found.

Order of work:
1. evidence (etl/signals.py): the taxonomy's aliases found in the passage by index look-up
   (etl/vocabulary.py, inflection and compounds by rule), the document's subject (title and
   the policy it concerns), the concept's share of the document's items;
2. the learned link model (etl/learn.py, data/mapping_model.json) weighs that evidence with the
   words labelled passages have shown to go with each concept, and a threshold per dimension
   decides; without a model file an alias found (as words or inside a compound) decides alone;
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

from collections.abc import Mapping as MappingOf
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl.learn import LinkModel, load_model
from etl.model import DocumentMeta, Item, Mapping
from etl.paths import Paths
from etl.rules import Rules, load_rules
from etl.signals import Signals, compute_signals
from etl.stated import STATED_DIMENSION, Hit, stated_links, states_a_link
from etl.taxonomy import Taxonomy
from etl.vocabulary import WHOLE, Vocabulary, normalise, spans_of, stems_of

__all__ = ["Knowledge", "best_links", "load_knowledge", "map_items", "match_items", "normalise"]

RULES_FILE = "rules.toml"
MODEL_FILE = "mapping_model.json"
# How many of a passage's words are named as the evidence of a learned link.
EVIDENCE_WORDS = 3


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
    links: dict[tuple[str, str], Mapping] = {}
    rows, columns = np.nonzero(chosen)
    chosen_of: dict[int, list[tuple[int, float]]] = {}
    for row, column, score in zip(
        rows.tolist(), columns.tolist(), scores[rows, columns].tolist(), strict=True
    ):
        chosen_of.setdefault(row, []).append((column, score))
    for row, chosen_here in chosen_of.items():
        item, found = items[row], signals.hits[row]
        # Word positions only as far as the last alias hit of a chosen concept.
        ends = [
            found[c].last for c in (signals.concept_ids[n] for n, _ in chosen_here) if c in found
        ]
        spans = spans_of(item.text, max(ends) + 1) if ends else []
        for column, score in chosen_here:
            link = _evidence(item, row, column, signals, score, spans, knowledge.model)
            links[(item.item_id, link.concept_id)] = link
    return tuple(links.values()), tuple(stated_candidates(items, vocabulary))


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
        chosen = scores >= model.threshold_for(signals)
    chosen &= signals.may_link()
    return chosen, scores


def stated_candidates(items: Sequence[Item], vocabulary: Vocabulary) -> list[Hit]:
    """Every alias hit of a `function` concept in the items that state a link, located.

    All hits, not only each concept's best: the named focus area may come after an earlier,
    passing use of the same word.
    """
    prefix = f"{STATED_DIMENSION}."
    located = []
    for item in items:
        if not states_a_link(item.text):
            continue
        own = [f for f in vocabulary.find(stems_of(item.text)) if f.concept_id.startswith(prefix)]
        spans = spans_of(item.text)
        located += [f.hit(item.item_id, spans) for f in own]
    return located


def _evidence(
    item: Item,
    row: int,
    column: int,
    signals: Signals,
    score: float,
    spans: Sequence[tuple[int, int]],
    model: LinkModel | None,
) -> Mapping:
    """The link for one chosen pair, with the strongest evidence named: for a learned link,
    the passage's words that weigh most for the concept."""
    concept_id = signals.concept_ids[column]
    found = signals.hits[row].get(concept_id)
    score = round(score, 3)
    if found is not None:
        return Mapping(
            item.item_id,
            concept_id,
            score,
            "fuzzy",
            found.alias,
            match_start=spans[found.first][0],
            match_end=spans[found.last][1],
            basis="alias",
            evidence=found.alias if found.how == WHOLE else f"{found.alias} ({found.how})",
        )
    context = signals.contexts[row]
    if concept_id in context.subject:
        return Mapping(
            item.item_id,
            concept_id,
            score,
            "fuzzy",
            context.subject[concept_id],
            basis="subject",
            evidence=context.title,
        )
    rule = signals.rules[row].get(concept_id)
    if rule is not None:
        return Mapping(
            item.item_id,
            concept_id,
            score,
            "fuzzy",
            "",
            basis="rule",
            evidence=f"{rule.rule_id}: {rule.why}",
        )
    if signals.pair["dominant"][row, column] > 0:
        return Mapping(
            item.item_id, concept_id, score, "fuzzy", "", basis="subject", evidence=context.title
        )
    words = (
        model.telling_words(signals.stems[row], concept_id, EVIDENCE_WORDS)
        if model is not None and concept_id in model.column_of
        else []
    )
    return Mapping(
        item.item_id, concept_id, score, "fuzzy", "", basis="learned", evidence=", ".join(words)
    )
