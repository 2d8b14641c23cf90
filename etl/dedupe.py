"""Dedupe stage: items → items whose `unit_id` joins the same policy component across documents.

Two committees answering the same consultation both summarise the policy under review, so
Stockholm's three development areas appear in 000 and in 001. Comparisons must count the
component once, with two sources. Only components are joined, only within one city and one
policy (`relates_to`), and never two passages of the same document: a document does not describe
its own component twice.

Candidates are found by blocking, not by scoring every pair of a group: identical texts are one
class, joined at once; between classes only those that pass two exact lower bounds on the edit
distance are scored. Two texts that score `SAME_UNIT_SCORE` or more (token_sort_ratio: an Indel
similarity of the token-sorted texts) are at most `MAX_EDIT_SHARE` of their summed lengths
apart in edits, and each insertion or deletion changes the length by one and one character's
count by one. So classes are sorted by length and each is compared only with the classes of
compatible length after it, first by their character counts (numpy, a batch at a time), and
only the pairs whose counts are close enough are scored. No pair that would join is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
from rapidfuzz import fuzz

from etl.model import Item
from etl.text import fold

# token_sort_ratio at or above which two component passages are one unit. Measured on the
# corpus: the development areas of 000 and 001 score 100, the closest distinct pair 71.
SAME_UNIT_SCORE = 88
# Passages of very different length are a title and a paragraph, not the same description.
MIN_LENGTH_RATIO = 0.6
# Edits (insertions and deletions) per character of the two texts together that a pair scoring
# SAME_UNIT_SCORE can differ by; a little slack absorbs the score's rounding.
MAX_EDIT_SHARE = 1 - SAME_UNIT_SCORE / 100
EDIT_SLACK = 1
# Character classes counted for the count filter: letters, digits, space, anything else. Folded
# text is mostly a-z; merging characters into classes only loosens the bound, never breaks it.
COUNTED = "abcdefghijklmnopqrstuvwxyz0123456789 "
# Classes compared with one batch of numpy operations: bounds the batch's memory to a few MB.
BATCH_ROWS = 64


def comparison_texts(items: Sequence[Item]) -> tuple[str, ...]:
    """Each component's text as dedupe compares it (folded, words sorted), "" for other kinds.

    A document stage, kept in the build cache with the document's items: folding every
    component on every build cost about a second per 1,000 documents."""
    return tuple(_comparison_text(i.text) if i.kind == "component" else "" for i in items)


def _comparison_text(text: str) -> str:
    return " ".join(sorted(fold(text).split()))


def assign_units(
    items: Sequence[Item],
    policy_of: Mapping[str, str],
    compared: Sequence[str] | None = None,
) -> tuple[Item, ...]:
    """Give matching components of one city and policy a shared `unit_id` (the smallest id).

    `compared` is `comparison_texts(items)` when the build has it at hand."""
    parent = {item.item_id: item.item_id for item in items}

    def root(item_id: str) -> str:
        while parent[item_id] != item_id:
            parent[item_id] = parent[parent[item_id]]
            item_id = parent[item_id]
        return item_id

    for left, right in same_unit_pairs(items, policy_of, compared):
        a, b = sorted((root(left.item_id), root(right.item_id)))
        parent[b] = a
    # Most items are their own unit, as extract made them: those are kept, not copied.
    return tuple(
        item if item.unit_id == (unit := root(item.item_id)) else replace(item, unit_id=unit)
        for item in items
    )


def same_unit_pairs(
    items: Sequence[Item], policy_of: Mapping[str, str], compared: Sequence[str] | None = None
) -> list[tuple[Item, Item]]:
    """Pairs of components from different documents that describe the same thing.

    Not every such pair: enough of them that the units (connected groups) are exactly those
    all pairs would give.
    """
    texts_of = compared if compared is not None else comparison_texts(items)
    groups: dict[tuple[str, str], list[tuple[Item, str]]] = {}
    for item, compared_text in zip(items, texts_of, strict=True):
        policy = policy_of.get(item.doc_id, "")
        if item.kind == "component" and policy:
            groups.setdefault((item.city, policy), []).append((item, compared_text))
    pairs: list[tuple[Item, Item]] = []
    for members in groups.values():
        classes: dict[str, list[Item]] = {}
        for member, compared_text in members:
            classes.setdefault(compared_text, []).append(member)
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
    """Index pairs (i, j) of texts whose lengths and character counts allow them to score
    `SAME_UNIT_SCORE`: both differences are lower bounds on the number of edits between them."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    if not order:
        return
    lengths = np.array([len(texts[i]) for i in order], dtype=np.int32)
    counts = np.stack([character_counts(texts[i]) for i in order], axis=1)  # class × text
    for first in range(0, len(order), BATCH_ROWS):
        last = min(first + BATCH_ROWS, len(order))
        # |a - b| ≤ share·(a + b) ⇔ b ≤ a·(1 + share)/(1 - share): the longest compatible text.
        reach = lengths[last - 1] * (1 + MAX_EDIT_SHARE) / (1 - MAX_EDIT_SHARE) + EDIT_SLACK
        stop = int(np.searchsorted(lengths, reach, side="right"))
        allowed = MAX_EDIT_SHARE * (lengths[first:last, None] + lengths[None, first:stop])
        allowed += EDIT_SLACK
        apart = np.abs(lengths[first:last, None] - lengths[None, first:stop])
        close = apart <= allowed
        apart[:] = 0
        for row in counts:  # one character class at a time keeps memory at rows × window
            apart += np.abs(row[first:last, None] - row[None, first:stop])
        close &= apart <= allowed
        for r, c in zip(*np.nonzero(close), strict=True):
            if r < c:  # row `first + r` against column `first + c`: each pair once
                yield order[first + int(r)], order[first + int(c)]


def character_counts(text: str) -> np.ndarray:
    """How often each of `COUNTED` occurs in `text`, and (last) all other characters."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    index = _COUNTED_INDEX[np.minimum(codes, len(_COUNTED_INDEX) - 1)]
    return np.bincount(index, minlength=len(COUNTED) + 1).astype(np.int32)


# Code point → position in COUNTED; every code point past the table and every other character
# counts as "other" (the last position).
_COUNTED_INDEX = np.full(129, len(COUNTED), dtype=np.intp)
_COUNTED_INDEX[[ord(c) for c in COUNTED]] = np.arange(len(COUNTED))


def _similar_length(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= MIN_LENGTH_RATIO * max(len(a), len(b))
