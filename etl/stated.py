"""Stated links: where a document itself says which focus area a passage answers to.

Stockholm's action plan (001) says of each development area "Det här utvecklingsområdet svarar
mot MR-programmets fokusområde kunskap och information". That is the document's own word, more
certain than any keyword match, so the named focus areas become links with method `stated` for
the sentence's item and for the development area it belongs to (its `parent_id`), which is the
component a comparison counts.

The correspondence from focus area to concept is the taxonomy's: the focus areas' names are
aliases of `function` concepts ("kunskap och information" of function.knowledge and
function.communication), so a strategist changes it in data/taxonomy.toml, not here. Only the
aliases that follow the linking words in the same sentence count, and only `function` ones:
"MR-programmets" in the same sentence names the programme, not a topic of the passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from etl.model import Item, Mapping
from etl.taxonomy import Taxonomy
from etl.text import SENTENCE_END

# The words for a focus area, one of which follows the linking words below.
FOCUS_AREA_WORDS = ("fokusområde", "området")
# The words by which a passage says it answers to, or builds on, a named focus area.
STATED_LINK = re.compile(
    r"\b(svarar mot|motsvarar|berör även|utgår från|knyter an till)\b"
    rf"(?=.*?({'|'.join(FOCUS_AREA_WORDS)}))",
    re.IGNORECASE,
)
# Focus areas and implementation components are ways of working: the `function` dimension.
STATED_DIMENSION = "function"
STATED_SCORE = 1.0
# A focus area is named by a phrase ("kunskap och information"); a single word in the same
# sentence ("MR-programmets", "planen") names the document, not the area.
MIN_NAME_WORDS = 2


@dataclass(frozen=True)
class Hit:
    """One alias found in one item: where it is, and how well it matched (0-100)."""

    item_id: str
    concept_id: str
    alias: str
    score: float
    start: int
    end: int


def stated_links(
    items: Sequence[Item], hits: Sequence[Hit], taxonomy: Taxonomy
) -> tuple[Mapping, ...]:
    """Links the items state themselves, for the stating item and its parent item."""
    functions = {c.concept_id for c in taxonomy.concepts if c.dimension == STATED_DIMENSION}
    hits_in: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.concept_id in functions and len(hit.alias.split()) >= MIN_NAME_WORDS:
            hits_in.setdefault(hit.item_id, []).append(hit)
    links: dict[tuple[str, str], Mapping] = {}
    for item in items:
        own_hits = hits_in.get(item.item_id)
        if not own_hits:
            continue
        for start, end in _stated_spans(item.text):
            for hit in own_hits:
                if start <= hit.start and hit.end <= end:
                    own = Mapping(
                        item.item_id,
                        hit.concept_id,
                        STATED_SCORE,
                        "stated",
                        hit.alias,
                        match_start=hit.start,
                        match_end=hit.end,
                        basis="stated",
                        evidence=hit.alias,
                    )
                    links.setdefault((item.item_id, hit.concept_id), own)
                    if item.parent_id:
                        parent = Mapping(
                            item.parent_id,
                            hit.concept_id,
                            STATED_SCORE,
                            "stated",
                            hit.alias,
                            basis="stated",
                            evidence=hit.alias,
                        )
                        links.setdefault((item.parent_id, hit.concept_id), parent)
    return tuple(links.values())


def states_a_link(text: str) -> bool:
    """Does `text` say it answers to a focus area? The focus-area words are looked for first,
    as plain substrings of the case-folded text (which every case-insensitive match of them is
    one of): most passages hold neither, and this costs a quarter of searching for them with
    a case-insensitive pattern."""
    folded = text.casefold()
    return any(word in folded for word in FOCUS_AREA_WORDS) and STATED_LINK.search(text) is not None


def _stated_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in `text` of what follows the linking words, to the end of their sentence."""
    if not states_a_link(text):
        return []
    bounds = [0, *(m.end() for m in SENTENCE_END.finditer(text)), len(text)]
    spans = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        link = STATED_LINK.search(text, start, end)
        if link:
            spans.append((link.end(), end))
    return spans
