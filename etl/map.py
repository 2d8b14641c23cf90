"""Map stage: items × taxonomy → suggested mappings, each with its evidence.

Order of trust (owid's harmonize): a link the document itself states, then a taxonomy alias
found in the item. Aliases are matched on a normalised form — lower case, no diacritics (so
OCR residue and clean text meet), each word cut to its Swedish stem (so "kompetenshöjande
insatser" meets "kompetenshöjande insatsen") — as windows of the same number of words, scored
with rapidfuzz in one `process.cdist` batch per window length. A one-word alias also matches
the start or end of a compound ("diskriminering" in "diskrimineringsgrunder").

Every suggestion keeps its score, the alias that matched and where in the item's text it
matched, so a reviewer can see the evidence and decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from snowballstemmer import stemmer

from etl.model import Item, Mapping
from etl.parse import fold
from etl.taxonomy import Taxonomy

# Minimum rapidfuzz ratio (0-100) of a stemmed alias window to count as a match.
MATCH_THRESHOLD = 90
# A one-word alias must be this long to be looked for inside compounds: shorter stems
# ("mål", "stöd") occur inside too many unrelated words.
MIN_COMPOUND_PART = 6
WORD = re.compile(r"\w+(?:[-:]\w+)*")
_STEMMER = stemmer("swedish")


@dataclass(frozen=True)
class Token:
    """A word of an item: its stem and where it sits in the item's text."""

    stem: str
    start: int
    end: int


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Diacritics-free Swedish stem of one word."""
    return fold(_STEMMER.stemWord(word.lower()))


def tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(stem(m.group()), m.start(), m.end()) for m in WORD.finditer(text))


def normalise(text: str) -> str:
    """The form aliases and items are compared in."""
    return " ".join(t.stem for t in tokens(text))


def map_items(items: Sequence[Item], taxonomy: Taxonomy) -> tuple[Mapping, ...]:
    """Best match per item × concept, with score, alias and character span in `item.text`."""
    aliases = [
        (concept.concept_id, alias, normalise(alias))
        for concept in taxonomy.concepts
        for alias in concept.aliases
    ]
    item_tokens = [tokens(item.text) for item in items]
    best: dict[tuple[int, str], tuple[float, str, int, int]] = {}
    lengths = sorted({len(norm.split()) for _, _, norm in aliases if norm})
    for length in lengths:
        group = [(cid, alias, norm) for cid, alias, norm in aliases if len(norm.split()) == length]
        windows, owners = _windows(item_tokens, length)
        if not windows:
            continue
        scores = process.cdist(
            [norm for _, _, norm in group],
            [w for w, _, _ in windows],
            scorer=fuzz.ratio,
            score_cutoff=MATCH_THRESHOLD,
            workers=-1,
            dtype=np.uint8,
        )
        for a, w in zip(*scores.nonzero(), strict=True):
            concept_id, alias, _ = group[a]
            _, start, end = windows[w]
            _keep(best, (owners[w], concept_id), (float(scores[a, w]), alias, start, end))
    for index, toks in enumerate(item_tokens):
        for concept_id, alias, norm in aliases:
            if " " in norm or len(norm) < MIN_COMPOUND_PART:
                continue
            for token in toks:
                if token.stem != norm and (
                    token.stem.startswith(norm) or token.stem.endswith(norm)
                ):
                    _keep(
                        best,
                        (index, concept_id),
                        (float(MATCH_THRESHOLD), alias, token.start, token.end),
                    )
                    break
    return tuple(
        Mapping(
            item_id=items[index].item_id,
            concept_id=concept_id,
            score=round(score / 100, 3),
            method="fuzzy",
            matched_alias=alias,
            match_start=start,
            match_end=end,
        )
        for (index, concept_id), (score, alias, start, end) in sorted(best.items())
    )


def _windows(
    item_tokens: list[tuple[Token, ...]], length: int
) -> tuple[list[tuple[str, int, int]], list[int]]:
    windows: list[tuple[str, int, int]] = []
    owners: list[int] = []
    for index, toks in enumerate(item_tokens):
        for start in range(len(toks) - length + 1):
            window = toks[start : start + length]
            windows.append((" ".join(t.stem for t in window), window[0].start, window[-1].end))
            owners.append(index)
    return windows, owners


def _keep(
    best: dict[tuple[int, str], tuple[float, str, int, int]],
    key: tuple[int, str],
    candidate: tuple[float, str, int, int],
) -> None:
    if key not in best or candidate[0] > best[key][0]:
        best[key] = candidate
