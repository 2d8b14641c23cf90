"""Dedupe stage: items → items whose `unit_id` joins the same policy component across documents.

Two committees answering the same consultation both summarise the policy under review, so
Stockholm's three development areas appear in 000 and in 001. Comparisons must count the
component once, with two sources. Only components are joined, only within one city and one
policy (`relates_to`), and never two passages of the same document: a document does not describe
its own component twice.

Candidates are found by blocking, not by scoring all pairs of a group: identical texts are one
class, joined at once; between classes only those that share a rare three-letter gram early in
their (rarest-first) gram list are scored. The filter is exact, not a heuristic: two strings
whose token-sorted forms score at least `SAME_UNIT_SCORE` share at least `min_shared_grams` of
their grams (Ukkonen's q-gram lemma), so no pair that would join is ever skipped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from etl.model import Item
from etl.parse import fold

# token_sort_ratio at or above which two component passages are one unit. Measured on the
# corpus: the development areas of 000 and 001 score 100, the closest distinct pair 71.
SAME_UNIT_SCORE = 88
# Passages of very different length are a title and a paragraph, not the same description.
MIN_LENGTH_RATIO = 0.6
# Gram length of the blocking filter. With 3 the guaranteed overlap is 28 % of a text's length
# (less 5), enough to block texts from 18 characters on; shorter ones are compared with all.
GRAM = 3


def assign_units(items: Sequence[Item], policy_of: Mapping[str, str]) -> tuple[Item, ...]:
    """Give matching components of one city and policy a shared `unit_id` (the smallest id)."""
    parent = {item.item_id: item.item_id for item in items}

    def root(item_id: str) -> str:
        while parent[item_id] != item_id:
            parent[item_id] = parent[parent[item_id]]
            item_id = parent[item_id]
        return item_id

    for left, right in same_unit_pairs(items, policy_of):
        a, b = sorted((root(left.item_id), root(right.item_id)))
        parent[b] = a
    return tuple(replace(item, unit_id=root(item.item_id)) for item in items)


def same_unit_pairs(items: Sequence[Item], policy_of: Mapping[str, str]) -> list[tuple[Item, Item]]:
    """Pairs of components from different documents that describe the same thing.

    Not every such pair: enough of them that the units (connected groups) are exactly those
    all pairs would give.
    """
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        policy = policy_of.get(item.doc_id, "")
        if item.kind == "component" and policy:
            groups.setdefault((item.city, policy), []).append(item)
    pairs: list[tuple[Item, Item]] = []
    for members in groups.values():
        classes: dict[str, list[Item]] = {}
        for member in members:
            classes.setdefault(" ".join(sorted(fold(member.text).split())), []).append(member)
        texts = list(classes)
        for text in texts:
            pairs += _linking_pairs(classes[text], classes[text])
        for i, j in _candidates(texts):
            a, b = texts[i], texts[j]
            if _similar_length(a, b) and fuzz.ratio(a, b, score_cutoff=SAME_UNIT_SCORE):
                pairs += _linking_pairs(classes[a], classes[b])
    return pairs


def _linking_pairs(left: Sequence[Item], right: Sequence[Item]) -> list[tuple[Item, Item]]:
    """Pairs, each of items from different documents, that join `left` and `right` as all such
    pairs would: a linear number instead of |left| × |right|.

    Each item is paired with a hub on the other side (the first item, or the first of another
    document when it shares the first's). That gives the same units as all pairs because a
    class holding two documents is itself joined (its pairs with itself), and a class of one
    document is paired with every item of the other side that can take it.
    """
    pairs: list[tuple[Item, Item]] = []
    for hubs, spokes in ((right, left), (left, right)):
        first = hubs[0]
        second = next((h for h in hubs if h.doc_id != first.doc_id), None)
        for spoke in spokes:
            hub = first if spoke.doc_id != first.doc_id else second
            if hub is not None and hub is not spoke:
                pairs.append((spoke, hub))
    return pairs


def _candidates(texts: Sequence[str]) -> Iterable[tuple[int, int]]:
    """Index pairs (i < j) of texts that may score `SAME_UNIT_SCORE`: prefix filtering.

    Grams are ordered rarest first; two texts with at least t shared grams share one among the
    first len - t + 1 of either. Texts too short for any guaranteed overlap pair with all.
    """
    grams = [_grams(text) for text in texts]
    frequency = Counter(g for own in grams for g in own)
    index: dict[tuple[str, int], list[int]] = {}
    unblocked: list[int] = []
    seen: set[tuple[int, int]] = set()
    for i, (text, own) in enumerate(zip(texts, grams, strict=True)):
        needed = min_shared_grams(len(text))
        if needed <= 0:
            unblocked.append(i)
            continue
        ranked = sorted(own, key=lambda g: (frequency[g], g))
        for gram in ranked[: len(ranked) - needed + 1]:
            index.setdefault(gram, []).append(i)
    for holders in index.values():
        for n, i in enumerate(holders):
            for j in holders[n + 1 :]:
                seen.add((i, j) if i < j else (j, i))
    for i in unblocked:
        for j in range(len(texts)):
            if i != j:
                seen.add((i, j) if i < j else (j, i))
    return sorted(seen)


def _grams(text: str) -> list[tuple[str, int]]:
    """The text's GRAM-letter grams, each repeat numbered, so the multiset becomes a set."""
    counts: Counter[str] = Counter()
    out = []
    for k in range(len(text) - GRAM + 1):
        gram = text[k : k + GRAM]
        counts[gram] += 1
        out.append((gram, counts[gram]))
    return out


def min_shared_grams(length: int) -> int:
    """Grams any text scoring `SAME_UNIT_SCORE` against a text of `length` characters shares.

    Indel distance d bounds edit distance, each edit destroys at most GRAM grams, so a pair
    shares at least max(len) - GRAM + 1 - GRAM·d grams, with d ≤ (1 - score)(len_a + len_b).
    That is smallest when the partner is as long, which gives the bound below; one extra edit
    of margin absorbs rounding in the score.
    """
    max_share = 1 - SAME_UNIT_SCORE / 100
    edits = math.ceil(max_share * 2 * length) + 1
    return length - GRAM + 1 - GRAM * edits


def _similar_length(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= MIN_LENGTH_RATIO * max(len(a), len(b))
