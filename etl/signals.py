"""The evidence for each item × concept pair, as arrays the link model weighs.

Three kinds of evidence come from the text and the document (a fourth, the learned one, from
etl/learn.py):
- the passage's own words: a taxonomy alias found as whole words, or only inside a compound,
  or only as the name of a kind of document (a mention: "… enligt handlingsplanen");
- the document's subject: an alias found in the document's title or in the policy it concerns
  (`relates_to`), as the guide's ECCAR and focus rules read a passage "in the light of its
  document" — an item of a plan against antiziganism concerns Roma;
- the document's dominant concepts: the share of its items in which the concept's aliases occur.
Whether the passage, or its document, is about racism or discrimination (data/rules.toml) is
kept too: the guide gives ECCAR commitments directly only there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from etl.model import DocumentMeta, Item
from etl.rules import InferenceRule, Rules
from etl.taxonomy import DIMENSIONS, ECCAR_DIMENSION, Taxonomy
from etl.vocabulary import HEAD, MENTION, MODIFIER, WHOLE, AliasHit, Vocabulary, stems_of

# The per-pair evidence the link model weighs, in the order of its weights.
PAIR_FEATURES = (
    "alias_word",
    "alias_part",
    "alias_mention",
    "late",
    "rivals",
    "subject",
    "dominant",
    "rule",
)
# Which feature a concept's best hit sets, by how it was found.
FEATURE_OF = {
    WHOLE: "alias_word",
    HEAD: "alias_part",
    MODIFIER: "alias_part",
    MENTION: "alias_mention",
}
# Beyond this many rivals in a dimension, more say nothing new (the combiner is linear).
MAX_RIVALS = 3
# A passage that names a kind of document within its first words is about that document.
OPENING_WORDS = 3
# The per-item evidence, the same for every concept of the item.
ITEM_FEATURES = ("racism_here", "racism_doc", "steering_doc")


@dataclass(frozen=True)
class DocumentContext:
    """What an item's document is about: its subject concepts and whether it concerns racism."""

    doc_id: str
    title: str
    subject: dict[str, str]
    about_racism: bool
    steering: bool


@dataclass
class Signals:
    """Evidence arrays over items (rows) × concepts (columns), with the hits behind them."""

    concept_ids: tuple[str, ...]
    dimension_index: np.ndarray
    pair: dict[str, np.ndarray]
    item: dict[str, np.ndarray]
    hits: list[dict[str, AliasHit]]
    aliases: list[dict[str, set[str]]]
    rules: list[dict[str, InferenceRule]]
    contexts: list[DocumentContext]
    stems: list[list[str]]

    def may_link(self) -> np.ndarray:
        """items × concepts: False where the guide forbids a link whatever the score.

        A direct ECCAR link needs both of the guide's conditions: the passage, or its
        document, is about racism or discrimination, and the passage itself does what the
        commitment describes — its words name the commitment, or a guide rule infers it from
        what the passage does. A document's subject or the learned words alone are not enough.
        """
        allowed = np.ones((len(self.stems), len(self.concept_ids)), dtype=bool)
        eccar = self.dimension_index == DIMENSIONS.index(ECCAR_DIMENSION)
        about_racism = (self.item["racism_here"] + self.item["racism_doc"]) > 0
        pair = self.pair
        does_it = (pair["alias_word"] + pair["alias_part"] + pair["rule"])[:, eccar] > 0
        allowed[:, eccar] = about_racism[:, None] & does_it
        # A mention of a kind of document is evidence, never a link alone (guide §2: "… i
        # enlighet med MR-programmet" is a passing mention) — unless the passage opens with it,
        # when the document is what the passage is about ("Handlingsplanen ska revideras").
        named = (pair["alias_word"] + pair["alias_part"] + pair["rule"]) > 0
        rows, columns = np.nonzero((pair["alias_mention"] > 0) & ~named)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            if self.hits[row][self.concept_ids[column]].first >= OPENING_WORDS:
                allowed[row, column] = False
        return allowed

    def take(self, rows: Sequence[int] | np.ndarray) -> Signals:
        """The evidence of these items only (rows in this order)."""
        index = np.asarray(rows, dtype=np.int64)
        return Signals(
            concept_ids=self.concept_ids,
            dimension_index=self.dimension_index,
            pair={k: v[index] for k, v in self.pair.items()},
            item={k: v[index] for k, v in self.item.items()},
            hits=[self.hits[r] for r in index],
            aliases=[self.aliases[r] for r in index],
            rules=[self.rules[r] for r in index],
            contexts=[self.contexts[r] for r in index],
            stems=[self.stems[r] for r in index],
        )


def document_context(
    meta: DocumentMeta | None, doc_id: str, vocabulary: Vocabulary, rules: Rules
) -> DocumentContext:
    """Subject concepts from the title and relates_to (of the dimensions data/rules.toml
    names; a title naming its own kind of document is no subject); racism and steering flags."""
    if meta is None:
        return DocumentContext(doc_id, "", {}, False, False)
    stems = stems_of(f"{meta.title}. {meta.relates_to}")
    subject: dict[str, str] = {}
    for found in vocabulary.find(stems):
        dimension = found.concept_id.split(".", 1)[0]
        if found.how != MENTION and dimension in rules.subject_dimensions:
            subject.setdefault(found.concept_id, found.alias)
    return DocumentContext(
        doc_id=doc_id,
        title=meta.title,
        subject=subject,
        about_racism=rules.about_racism(stems),
        steering=meta.doc_kind in rules.steering_kinds,
    )


def compute_signals(
    items: Sequence[Item],
    taxonomy: Taxonomy,
    vocabulary: Vocabulary,
    rules: Rules,
    documents: Mapping[str, DocumentMeta],
) -> Signals:
    """All text and document evidence for `items` (documents: doc_id → its manifest entry)."""
    concept_ids = tuple(c.concept_id for c in taxonomy.concepts)
    column = {cid: n for n, cid in enumerate(concept_ids)}
    dims = np.array([DIMENSIONS.index(c.dimension) for c in taxonomy.concepts], dtype=np.int64)
    shape = (len(items), len(concept_ids))
    pair = {name: np.zeros(shape, dtype=np.float32) for name in PAIR_FEATURES}
    contexts: dict[str, DocumentContext] = {}
    hits: list[dict[str, AliasHit]] = []
    aliases: list[dict[str, set[str]]] = []
    stems: list[list[str]] = []
    racism_here = np.zeros(len(items), dtype=np.float32)
    # Where each concept's best hit is, gathered here and written into the arrays at once.
    found_rows: list[int] = []
    found_columns: list[int] = []
    found_how: list[str] = []
    found_late: list[float] = []
    for row, item in enumerate(items):
        if item.doc_id not in contexts:
            meta = documents.get(item.doc_id)
            contexts[item.doc_id] = document_context(meta, item.doc_id, vocabulary, rules)
        item_stems = stems_of(item.text)
        best, own = vocabulary.best(item_stems)
        words = max(len(item_stems), 1)
        for concept_id, found in best.items():
            found_rows.append(row)
            found_columns.append(column[concept_id])
            found_how.append(found.how)
            found_late.append(found.first / words)
        hits.append(best)
        aliases.append(own)
        stems.append(item_stems)
        racism_here[row] = rules.about_racism(item_stems)
    at = (np.array(found_rows, dtype=np.int64), np.array(found_columns, dtype=np.int64))
    how = np.array(found_how, dtype=object)
    for kind, feature in FEATURE_OF.items():
        this = how == kind
        pair[feature][at[0][this], at[1][this]] = 1.0
    pair["late"][at] = np.array(found_late, dtype=np.float32)
    item_contexts = [contexts[item.doc_id] for item in items]
    _document_evidence(items, item_contexts, pair, column)
    _rivals(pair, dims)
    racism_doc = np.array([c.about_racism for c in item_contexts], dtype=np.float32)
    evident = (pair["alias_word"] + pair["alias_part"] + pair["subject"]) > 0
    fired = _rule_evidence(stems, evident, (racism_here + racism_doc) > 0, pair, column, rules)
    return Signals(
        concept_ids=concept_ids,
        dimension_index=dims,
        pair=pair,
        item={
            "racism_here": racism_here,
            "racism_doc": racism_doc,
            "steering_doc": np.array([c.steering for c in item_contexts], dtype=np.float32),
        },
        hits=hits,
        aliases=aliases,
        rules=fired,
        contexts=item_contexts,
        stems=stems,
    )


def _document_evidence(
    items: Sequence[Item],
    contexts: Sequence[DocumentContext],
    pair: dict[str, np.ndarray],
    column: dict[str, int],
) -> None:
    """Fill `subject` (title / relates_to) and `dominant` (share of the document's items)."""
    rows_of: dict[str, list[int]] = {}
    for row, item in enumerate(items):
        rows_of.setdefault(item.doc_id, []).append(row)
    found = np.maximum(pair["alias_word"], pair["alias_part"])
    for rows in rows_of.values():
        share = found[rows].mean(axis=0)
        pair["dominant"][rows] = share
        for concept_id in contexts[rows[0]].subject:
            pair["subject"][rows, column[concept_id]] = 1.0


def _rivals(pair: dict[str, np.ndarray], dims: np.ndarray) -> None:
    """How many other concepts of the same dimension the passage's own words name.

    A steering word among three other functions is often a passing mention ("… i enlighet med
    handlingsplanen"), which the guide says is no mapping.
    """
    found = np.maximum(pair["alias_word"], pair["alias_part"])
    for dim in np.unique(dims):
        columns = dims == dim
        in_dimension = found[:, columns].sum(axis=1, keepdims=True)
        pair["rivals"][:, columns] = np.minimum(in_dimension - found[:, columns], MAX_RIVALS)


def _rule_evidence(
    stems: Sequence[Sequence[str]],
    evident: np.ndarray,
    about_racism: np.ndarray,
    pair: dict[str, np.ndarray],
    column: dict[str, int],
    rules: Rules,
) -> list[dict[str, InferenceRule]]:
    """Mark the concepts the guide's rules infer for each item; per item, concept id → rule.

    A rule's condition is met by evidence for its concepts in the passage or its document
    (an alias, the subject), or by its words in the passage; the link model then weighs the
    inference like any other evidence. Computed for all items at once: which rules fire is a
    matrix product, their words are looked up by first stem, and items on which the same rules
    fire share one (read-only) concept → rule table.
    """
    n_rules = len(rules.rules)
    when = np.zeros((n_rules, len(column)), dtype=bool)
    then = np.zeros((n_rules, len(column)), dtype=bool)
    phrases_from: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for r, rule in enumerate(rules.rules):
        when[r, [column[c] for c in rule.when_concepts]] = True
        then[r, [column[c] for c in rule.then if c in column]] = True
        for words in rule.when_words:
            phrases_from.setdefault(words[0], []).append((r, words))
    fired = (evident.astype(np.int32) @ when.T.astype(np.int32)) > 0
    firsts = set(phrases_from)
    for row, passage in enumerate(stems):
        for first in firsts.intersection(passage):
            for r, words in phrases_from[first]:
                if not fired[row, r] and _holds(passage, words):
                    fired[row, r] = True
    gated = np.array([rule.about_racism for rule in rules.rules], dtype=bool)
    fired[:, gated] &= about_racism[:, None]
    pair["rule"][(fired.astype(np.int32) @ then.astype(np.int32)) > 0] = 1.0
    concept_ids = list(column)
    tables: dict[bytes, dict[str, InferenceRule]] = {}
    per_item = []
    for row_fired in fired:
        key = row_fired.tobytes()
        table = tables.get(key)
        if table is None:
            table = tables[key] = {}
            for fired_rule in np.flatnonzero(row_fired).tolist():
                for c in np.flatnonzero(then[fired_rule]).tolist():
                    table.setdefault(concept_ids[c], rules.rules[fired_rule])
        per_item.append(table)
    return per_item


def _holds(stems: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(
        stems[i] == phrase[0] and tuple(stems[i : i + n]) == phrase
        for i in range(len(stems) - n + 1)
    )
