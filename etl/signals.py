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
from functools import cached_property

import numpy as np

from etl.model import DocumentMeta, Item
from etl.rules import InferenceRule, Rules
from etl.taxonomy import DIMENSIONS, ECCAR_DIMENSION, Taxonomy
from etl.vocabulary import (
    HEAD,
    HOWS,
    MENTION,
    MODIFIER,
    WHOLE,
    AliasHit,
    AliasHits,
    Tokens,
    Vocabulary,
    tokenise,
)

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
    """Evidence arrays over items (rows) × concepts (columns), with the hits behind them.

    The passages' words and alias hits are kept as arrays (`tokens`, `found`, `best`); the
    per-item views (`stems`, `hits`, `aliases`) are made only when something asks for them
    (training, tests), not while mapping.
    """

    concept_ids: tuple[str, ...]
    dimension_index: np.ndarray
    pair: dict[str, np.ndarray]
    item: dict[str, np.ndarray]
    tokens: Tokens
    # Every alias hit, and per item × concept its best hit (sorted by item, concept).
    found: AliasHits
    best: AliasHits
    rules: list[dict[str, InferenceRule]]
    contexts: list[DocumentContext]
    # items × concepts: at how many places of the passage one of the concept's aliases stands.
    places: np.ndarray

    @property
    def rows(self) -> int:
        """How many items."""
        return len(self.contexts)

    @cached_property
    def stems(self) -> list[list[str]]:
        """Each item's word stems, in order."""
        return [self.tokens.stems_of(row) for row in range(self.rows)]

    @cached_property
    def hits(self) -> list[dict[str, AliasHit]]:
        """Per item, concept id → its best alias hit."""
        per_item: list[dict[str, AliasHit]] = [{} for _ in range(self.rows)]
        for n, row in enumerate(self.best.rows.tolist()):
            found = self.best.hit(n)
            per_item[row][found.concept_id] = found
        return per_item

    @cached_property
    def aliases(self) -> list[dict[str, set[str]]]:
        """Per item, concept id → the keys ("concept alias|how") of all its hits."""
        per_item: list[dict[str, set[str]]] = [{} for _ in range(self.rows)]
        found = self.found
        for row, column, key in zip(
            found.rows.tolist(), found.columns.tolist(), found.key.tolist(), strict=True
        ):
            per_item[row].setdefault(self.concept_ids[column], set()).add(found.key_texts[key])
        return per_item

    @cached_property
    def best_at(self) -> np.ndarray:
        """items × concepts: the index of the pair's best hit in `best`, -1 where none."""
        at = np.full((self.rows, len(self.concept_ids)), -1, dtype=np.int64)
        at[self.best.rows, self.best.columns] = np.arange(len(self.best), dtype=np.int64)
        return at

    def may_link(self) -> np.ndarray:
        """items × concepts: False where the guide forbids a link whatever the score.

        A direct ECCAR link needs both of the guide's conditions: the passage, or its
        document, is about racism or discrimination, and the passage itself does what the
        commitment describes — its words name the commitment, or a guide rule infers it from
        what the passage does. A document's subject or the learned words alone are not enough.
        """
        allowed = np.ones((self.rows, len(self.concept_ids)), dtype=bool)
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
        late = self.best.first[self.best_at[rows, columns]] >= OPENING_WORDS
        allowed[rows[late], columns[late]] = False
        return allowed

    def take(self, rows: Sequence[int] | np.ndarray) -> Signals:
        """The evidence of these items only (rows in this order)."""
        index = np.asarray(rows, dtype=np.int64)
        return Signals(
            concept_ids=self.concept_ids,
            dimension_index=self.dimension_index,
            pair={k: v[index] for k, v in self.pair.items()},
            item={k: v[index] for k, v in self.item.items()},
            tokens=self.tokens.take(index),
            found=self.found.take(index, self.rows),
            best=self.best.take(index, self.rows),
            rules=[self.rules[r] for r in index],
            contexts=[self.contexts[r] for r in index],
            places=self.places[index],
        )

    def words(self) -> np.ndarray:
        """Per item, how many words its passage has."""
        return np.diff(self.tokens.starts)

    def said_once(self) -> np.ndarray:
        """items × concepts: the passage's own evidence for the concept is its alias at a
        single place, with no guide rule inferring it — one word that may be a passing one."""
        return (self.places == 1) & (self.pair["rule"] == 0)


def document_contexts(
    documents: Sequence[tuple[str, DocumentMeta | None]], vocabulary: Vocabulary, rules: Rules
) -> dict[str, DocumentContext]:
    """Per (doc_id, manifest entry): subject concepts from the title and relates_to (of the
    dimensions data/rules.toml names; a title naming its own kind of document is no subject);
    racism and steering flags. All documents are looked up in one call."""
    known = [(doc_id, meta) for doc_id, meta in documents if meta is not None]
    tokens = tokenise([f"{meta.title}. {meta.relates_to}" for _, meta in known])
    found = vocabulary.locate(tokens)
    subjects: list[dict[str, str]] = [{} for _ in known]
    for n, row in enumerate(found.rows.tolist()):
        hit = found.hit(n)
        dimension = hit.concept_id.split(".", 1)[0]
        if hit.how != MENTION and dimension in rules.subject_dimensions:
            subjects[row].setdefault(hit.concept_id, hit.alias)
    contexts = {
        doc_id: DocumentContext(
            doc_id=doc_id,
            title=meta.title,
            subject=subjects[row],
            about_racism=rules.about_racism(tokens.stems_of(row)),
            steering=meta.doc_kind in rules.steering_kinds,
        )
        for row, (doc_id, meta) in enumerate(known)
    }
    for doc_id, meta in documents:
        if meta is None:
            contexts[doc_id] = DocumentContext(doc_id, "", {}, False, False)
    return contexts


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
    doc_ids = dict.fromkeys(item.doc_id for item in items)
    contexts = document_contexts(
        [(doc_id, documents.get(doc_id)) for doc_id in doc_ids], vocabulary, rules
    )
    tokens = tokenise([item.text for item in items])
    found = vocabulary.locate(tokens)
    best = found.best()
    pair = _alias_evidence(tokens, best, len(concept_ids))
    racism_here = _about_racism(tokens, rules)
    item_contexts = [contexts[item.doc_id] for item in items]
    _document_evidence(items, item_contexts, pair, column)
    _rivals(pair, dims)
    racism_doc = np.maximum(
        np.array([c.about_racism for c in item_contexts], dtype=np.float32),
        _dominant_racism(items, racism_here, pair, column, rules),
    )
    own = (pair["alias_word"] + pair["alias_part"]) > 0
    evident = own | (pair["subject"] > 0)
    fired = _rule_evidence(
        tokens,
        (evident, own),
        (racism_here > 0, racism_doc > 0, [c.title for c in item_contexts]),
        pair,
        column,
        rules,
    )
    return Signals(
        concept_ids=concept_ids,
        dimension_index=dims,
        pair=pair,
        item={
            "racism_here": racism_here,
            "racism_doc": racism_doc,
            "steering_doc": np.array([c.steering for c in item_contexts], dtype=np.float32),
        },
        tokens=tokens,
        found=found,
        best=best,
        rules=fired,
        contexts=item_contexts,
        places=_places(found, tokens.passages, len(concept_ids)),
    )


def _places(found: AliasHits, passages: int, concepts: int) -> np.ndarray:
    """items × concepts: how many distinct places (first words) hold one of the concept's
    aliases; one word matched by two aliases ("utbildning", "utbilda" as a modifier) is one.

    Sorted in place and compared with the neighbour: np.unique on the same keys took 0.03 s
    CPU of the 10,000 speed passages (124,000 hits), this 0.005.
    """
    width = int(found.first.max(initial=0)) + 1
    keys = (found.rows.astype(np.int64) * concepts + found.columns) * width + found.first
    keys.sort()
    distinct = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    counts = np.bincount(keys[distinct] // width, minlength=passages * concepts)
    return counts.reshape(passages, concepts)


def _alias_evidence(tokens: Tokens, best: AliasHits, concepts: int) -> dict[str, np.ndarray]:
    """The pair arrays, with what the passage's own words show filled in: how each concept's
    best hit was found, and how late in the passage it comes (its word over the words)."""
    shape = (tokens.passages, concepts)
    pair = {name: np.zeros(shape, dtype=np.float32) for name in PAIR_FEATURES}
    for code, how in enumerate(HOWS):
        this = best.how == code
        pair[FEATURE_OF[how]][best.rows[this], best.columns[this]] = 1.0
    words = np.maximum(np.diff(tokens.starts), 1)
    pair["late"][best.rows, best.columns] = best.first / words[best.rows]
    return pair


def _about_racism(tokens: Tokens, rules: Rules) -> np.ndarray:
    """Per item, 1 where one of its words speaks of racism or discrimination: the rules'
    answer asked once per distinct stem, and an item's words pooled with arrays."""
    speaks = np.array([rules.about_racism((s,)) for s in tokens.stems], dtype=bool)
    if not len(tokens.stem_ids):
        return np.zeros(tokens.passages, dtype=np.float32)
    rows = tokens.owners[speaks[tokens.stem_ids]]
    return (np.bincount(rows, minlength=tokens.passages) > 0).astype(np.float32)


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


def _dominant_racism(
    items: Sequence[Item],
    racism_here: np.ndarray,
    pair: dict[str, np.ndarray],
    column: dict[str, int],
    rules: Rules,
) -> np.ndarray:
    """Per item, 1 where its document's dominant focus is racism or discrimination: at least
    `rules.dominant_share` of the document's items name it, by a racism word or by their own
    alias of a racism focus (data/rules.toml [context] racism_focus). The guide reads a passage
    in the light of its document as a whole, which a web page or minutes may say only in most
    of their passages, not in their title."""
    if not items:
        return np.zeros(0, dtype=np.float32)
    own = np.maximum(pair["alias_word"], pair["alias_part"])
    focus = [column[c] for c in rules.racism_focus if c in column]
    naming = (racism_here > 0) | (own[:, focus] > 0).any(axis=1)
    documents = {doc_id: n for n, doc_id in enumerate(dict.fromkeys(i.doc_id for i in items))}
    owner = np.fromiter((documents[i.doc_id] for i in items), dtype=np.int64, count=len(items))
    share = np.bincount(owner, weights=naming) / np.bincount(owner)
    return (share[owner] >= rules.dominant_share).astype(np.float32)


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
    tokens: Tokens,
    evidence: tuple[np.ndarray, np.ndarray],
    about_racism: tuple[np.ndarray, np.ndarray, Sequence[str]],
    pair: dict[str, np.ndarray],
    column: dict[str, int],
    rules: Rules,
) -> list[dict[str, InferenceRule]]:
    """Mark the concepts the guide's rules infer for each item; per item, concept id → rule.

    `evidence`: items × concepts, found in the passage or its document (an alias, the
    subject), and found in the passage's own words. `about_racism`: per item, whether its
    own words, and whether its document, speak of racism or discrimination, and the document's
    title. A rule's condition is met by evidence for
    its `when` concepts in the passage or its document, or by its words in the passage; its
    `also` condition (if any) only by the passage's own words. The link model then weighs the
    inference like any other evidence. Where only the document speaks of racism, an ECCAR
    rule is recorded as holding "from the document's subject" (InferenceRule.
    from_document_subject): its own record in the model, and the title in its evidence.
    Computed for all items at once: which rules fire is a
    matrix product, their words are compared only where their first stem stands (found with
    arrays), and items on which the same rules fire share one (read-only) concept → rule table.
    """
    evident, own = evidence
    n_rules = len(rules.rules)
    # Columns 0..n-1 are the rules' `when` conditions, n..2n-1 their `also` conditions.
    when = np.zeros((2 * n_rules, len(column)), dtype=bool)
    then = np.zeros((n_rules, len(column)), dtype=bool)
    phrases_from: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for r, rule in enumerate(rules.rules):
        when[r, [column[c] for c in rule.when_concepts]] = True
        when[n_rules + r, [column[c] for c in rule.also_concepts]] = True
        then[r, [column[c] for c in rule.then if c in column]] = True
        for words in rule.when_words:
            phrases_from.setdefault(words[0], []).append((r, words))
        for words in rule.also_words:
            phrases_from.setdefault(words[0], []).append((n_rules + r, words))
    # Boolean "any" as float32 products (BLAS): numpy multiplies integer matrices without it,
    # which cost 0.005 s CPU of 10,000 passages once the `also` conditions doubled the product.
    weights = when.astype(np.float32)
    met = np.concatenate(
        [
            (evident.astype(np.float32) @ weights[:n_rules].T) > 0,
            (own.astype(np.float32) @ weights[n_rules:].T) > 0,
        ],
        axis=1,
    )
    _words_fire(tokens, phrases_from, met)
    needs_also = np.array([rule.needs_also for rule in rules.rules], dtype=bool)
    fired = met[:, :n_rules] & (met[:, n_rules:] | ~needs_also)
    gated = np.array([rule.about_racism for rule in rules.rules], dtype=bool)
    here, in_document, titles = about_racism
    fired[:, gated] &= (here | in_document)[:, None]
    pair["rule"][(fired.astype(np.float32) @ then.astype(np.float32)) > 0] = 1.0
    through_document = (in_document & ~here).tolist()
    concept_ids = list(column)
    tables: dict[tuple[bytes, str | None], dict[str, InferenceRule]] = {}
    per_item = []
    for row, row_fired in enumerate(fired):
        title = titles[row] if through_document[row] else None
        key = (row_fired.tobytes(), title)
        table = tables.get(key)
        if table is None:
            table = tables[key] = {}
            for fired_rule in np.flatnonzero(row_fired).tolist():
                rule = rules.rules[fired_rule]
                if title is not None and rule.about_racism:
                    rule = rule.from_document_subject(title)
                for c in np.flatnonzero(then[fired_rule]).tolist():
                    table.setdefault(concept_ids[c], rule)
        per_item.append(table)
    return per_item


def _words_fire(
    tokens: Tokens, phrases_from: dict[str, list[tuple[int, tuple[str, ...]]]], fired: np.ndarray
) -> None:
    """Mark in `fired` (items × rule conditions) the conditions whose words stand in the item.

    Each phrase is compared, with arrays, at every place where its first stem stands: a Python
    loop over those places took 0.076 s CPU of 10,000 passages, this 0.003. The places are
    sorted by first stem once, so each first stem's places are one slice (comparing every
    place with each first stem cost 0.006 s more once the rules' `also` words came).
    """
    stem_id = {s: n for n, s in enumerate(tokens.stems)}
    begins = np.zeros(len(tokens.stems), dtype=bool)
    begins[[stem_id[s] for s in phrases_from if s in stem_id]] = True
    places = np.flatnonzero(begins[tokens.stem_ids])
    by_first = np.argsort(tokens.stem_ids[places], kind="stable")
    places = places[by_first]
    firsts = tokens.stem_ids[places]
    # How many words a phrase starting at each place has before its passage ends.
    room = tokens.starts[tokens.owners[places] + 1] - places
    for first, phrases in phrases_from.items():
        if first not in stem_id:
            continue
        low, high = np.searchsorted(firsts, [stem_id[first], stem_id[first] + 1])
        at, room_at = places[low:high], room[low:high]
        for r, words in phrases:
            if not all(w in stem_id for w in words):
                continue
            stands = room_at >= len(words)
            for offset, word in enumerate(words[1:], start=1):
                stands[stands] = tokens.stem_ids[at[stands] + offset] == stem_id[word]
            fired[tokens.owners[at[stands]], r] = True
