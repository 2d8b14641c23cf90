"""Dedupe stage: items → items whose `unit_id` joins the same policy component across documents.

Two committees answering the same consultation both summarise the policy under review, so
Stockholm's three development areas appear in 000 and in 001. Comparisons must count the
component once, with two sources. Only components are joined, only within one city and one
policy (`relates_to`), and never two passages of the same document: a document does not describe
its own component twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process

from etl.model import Item
from etl.text import fold

# token_sort_ratio at or above which two component passages are one unit. Measured on the
# corpus: the development areas of 000 and 001 score 100, the closest distinct pair 71.
SAME_UNIT_SCORE = 88
# Passages of very different length are a title and a paragraph, not the same description.
MIN_LENGTH_RATIO = 0.6


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
    """Pairs of components from different documents that describe the same thing."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        policy = policy_of.get(item.doc_id, "")
        if item.kind == "component" and policy:
            groups.setdefault((item.city, policy), []).append(item)
    pairs: list[tuple[Item, Item]] = []
    for members in groups.values():
        texts = [fold(m.text) for m in members]
        scores = process.cdist(
            texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=SAME_UNIT_SCORE, workers=-1
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            left, right = members[i], members[j]
            if i < j and left.doc_id != right.doc_id and _similar_length(texts[i], texts[j]):
                pairs.append((left, right))
    return pairs


def _similar_length(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= MIN_LENGTH_RATIO * max(len(a), len(b))
