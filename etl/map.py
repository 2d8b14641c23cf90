"""Map stage: items × taxonomy → suggested mappings, each with its evidence.

Order of trust (owid's harmonize): a link the document itself states (etl/stated.py), then a
taxonomy alias found in the item. Aliases are matched on a normalised form — lower case, no
diacritics (so OCR residue and clean text meet), each word cut to its Swedish stem (so
"kompetenshöjande insatser" meets "kompetenshöjande insatsen") — as windows of the same number
of words, scored with rapidfuzz in one `process.cdist` batch per window length. A one-word alias
also matches the head (last part) of a compound: "statistik" in "lokalstatistik", but not
"utbildning" in "utbildningsinsatser", which is a kind of effort, not of education.

A taxonomy's `exclude` phrases are found the same way; an alias hit inside one does not count.
An ECCAR commitment is only suggested directly where the passage speaks of racism or
discrimination; elsewhere the crosswalk gives ECCAR *derived* coverage instead. Every item kind
may get every concept: on the gold, no kind × dimension pair was wrong more often than right.

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
from etl.stated import Hit, stated_links
from etl.taxonomy import ECCAR_DIMENSION, Taxonomy

# Minimum rapidfuzz ratio (0-100) of a stemmed alias window to count as a match. Measured on
# tests/fixtures/gold_mappings.tsv (micro F1): 0.731 at 80, 0.911 at 85, 0.929 at 88, 0.931 at
# 90, 0.933 at 92, 0.931 at 95 and 100. 92 drops "antagande" ≈ "framtagande" (91) and keeps
# the stemmer's own splits such as "spridningskonferens" / "spridningskonferensen" (97).
MATCH_THRESHOLD = 92
# A one-word alias must be this long to be looked for as the head of a compound: shorter stems
# ("mål", "stöd") end too many unrelated words. The old rule (start *or* end of a compound)
# added three wrong links on the gold and no right one ("utbildning" in "utbildningsinsatser",
# "kultur" in "Kulturförvaltningen", "jämställdhet" in "jämställdhetsanalys").
MIN_COMPOUND_PART = 6
# The modifier before a compound's head must be a word part, not a prefix ("o" + "jämlikhet").
MIN_MODIFIER = 3
# Snowball cuts these derivational suffixes, which change the meaning: "jämställdhet" (gender
# equality, a field of work) is not "jämställda" (an adjective in a list of qualities).
DERIVATIONAL = ("lig", "het", "els")
# Words that show a passage is about racism or discrimination (diacritics-free). Without this
# gate for direct ECCAR links, precision on the gold falls from 0.910 to 0.879.
RACISM_CONTEXT = re.compile(
    r"(rasis|racis|diskrimin|discrimin|hatbrott|afrofo|antisemit|antizigan|islamofob"
    r"|antimuslim|antisvart|fientlighet)"
)
WORD = re.compile(r"\w+(?:[-:]\w+)*")
_STEMMER = stemmer("swedish")


@dataclass(frozen=True)
class Token:
    """A word of an item: its stem and where it sits in the item's text."""

    stem: str
    start: int
    end: int


@dataclass(frozen=True)
class _Phrase:
    """An alias or exclude phrase of a concept, in normalised form."""

    concept_id: str
    text: str
    norm: str
    excludes: bool


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Diacritics-free Swedish stem of one word, derivational suffixes kept."""
    folded = fold(word)
    cut = fold(_STEMMER.stemWord(word.lower()))
    if not folded.startswith(cut):
        return cut
    rest = folded[len(cut) :]
    while rest[:3] in DERIVATIONAL:
        cut, rest = cut + rest[:3], rest[3:]
    return cut


def tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(stem(m.group()), m.start(), m.end()) for m in WORD.finditer(text))


def normalise(text: str) -> str:
    """The form aliases and items are compared in."""
    return " ".join(t.stem for t in tokens(text))


def map_items(items: Sequence[Item], taxonomy: Taxonomy) -> tuple[Mapping, ...]:
    """Best link per item × concept, with score, alias and character span in `item.text`.

    The three steps the pipeline runs as its match, stated and map stages.
    """
    hits = find_hits(items, taxonomy)
    return best_links(items, hits, stated_links(items, hits, taxonomy), taxonomy)


def best_links(
    items: Sequence[Item], hits: Sequence[Hit], stated: Sequence[Mapping], taxonomy: Taxonomy
) -> tuple[Mapping, ...]:
    """The best hit per item × concept as a fuzzy link; stated links replace fuzzy ones."""
    links: dict[tuple[str, str], Mapping] = {}
    for hit in sorted(hits, key=lambda h: (-h.score, -len(h.alias))):
        key = (hit.item_id, hit.concept_id)
        if key not in links:
            links[key] = Mapping(
                item_id=hit.item_id,
                concept_id=hit.concept_id,
                score=round(hit.score / 100, 3),
                method="fuzzy",
                matched_alias=hit.alias,
                match_start=hit.start,
                match_end=hit.end,
            )
    for link in stated:
        links[(link.item_id, link.concept_id)] = link
    order = {item.item_id: n for n, item in enumerate(items)}
    position = {c.concept_id: n for n, c in enumerate(taxonomy.concepts)}
    return tuple(sorted(links.values(), key=lambda m: (order[m.item_id], position[m.concept_id])))


def find_hits(items: Sequence[Item], taxonomy: Taxonomy) -> list[Hit]:
    """Every alias hit that counts: not inside an exclude phrase, ECCAR only about racism."""
    phrases = [
        _Phrase(concept.concept_id, text, normalise(text), excludes)
        for concept in taxonomy.concepts
        for texts, excludes in ((concept.aliases, False), (concept.exclude, True))
        for text in texts
    ]
    phrases = [p for p in phrases if p.norm]
    item_tokens = [tokens(item.text) for item in items]
    raw = _window_hits(items, item_tokens, phrases) + _compound_hits(items, item_tokens, phrases)
    excluded = [h for h, p in raw if p.excludes]
    eccar = {c.concept_id for c in taxonomy.concepts if c.dimension == ECCAR_DIMENSION}
    about_racism = {item.item_id for item in items if RACISM_CONTEXT.search(fold(item.text))}
    return [
        hit
        for hit, phrase in raw
        if not phrase.excludes
        and (hit.concept_id not in eccar or hit.item_id in about_racism)
        and not any(_inside(hit, e) for e in excluded)
    ]


def _inside(hit: Hit, exclude: Hit) -> bool:
    return (
        hit.item_id == exclude.item_id
        and hit.concept_id == exclude.concept_id
        and exclude.start <= hit.start
        and hit.end <= exclude.end
    )


def _window_hits(
    items: Sequence[Item], item_tokens: list[tuple[Token, ...]], phrases: list[_Phrase]
) -> list[tuple[Hit, _Phrase]]:
    """Phrases of n words against every n-word window of every item, one batch per n."""
    found: list[tuple[Hit, _Phrase]] = []
    for length in sorted({len(p.norm.split()) for p in phrases}):
        group = [p for p in phrases if len(p.norm.split()) == length]
        windows, owners = _windows(item_tokens, length)
        if not windows:
            continue
        scores = process.cdist(
            [p.norm for p in group],
            [w for w, _, _ in windows],
            scorer=fuzz.ratio,
            score_cutoff=MATCH_THRESHOLD,
            workers=-1,
            dtype=np.uint8,
        )
        for a, w in zip(*scores.nonzero(), strict=True):
            phrase, (_, start, end) = group[a], windows[w]
            item_id = items[owners[w]].item_id
            hit = Hit(item_id, phrase.concept_id, phrase.text, float(scores[a, w]), start, end)
            found.append((hit, phrase))
    return found


def _compound_hits(
    items: Sequence[Item], item_tokens: list[tuple[Token, ...]], phrases: list[_Phrase]
) -> list[tuple[Hit, _Phrase]]:
    """One-word phrases found as the head of a compound word (a dictionary look-up per ending)."""
    heads: dict[str, list[_Phrase]] = {}
    for p in phrases:
        if " " not in p.norm and len(p.norm) >= MIN_COMPOUND_PART:
            heads.setdefault(p.norm, []).append(p)
    found: list[tuple[Hit, _Phrase]] = []
    for item, toks in zip(items, item_tokens, strict=True):
        for token in toks:
            for cut in range(MIN_MODIFIER, len(token.stem) - MIN_COMPOUND_PART + 1):
                for phrase in heads.get(token.stem[cut:], ()):
                    hit = Hit(
                        item.item_id,
                        phrase.concept_id,
                        phrase.text,
                        float(MATCH_THRESHOLD),
                        token.start,
                        token.end,
                    )
                    found.append((hit, phrase))
    return found


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
