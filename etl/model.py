"""The records that flow between stages. Plain frozen dataclasses: cheap, picklable, comparable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

# The shared vocabulary: the accepted values of the published columns (etl/schema.py declares
# which column takes which), imported by every stage, page and test that needs them.
DOC_KINDS: tuple[str, ...] = ("response", "policy", "plan", "report", "webpage", "minutes", "other")
ITEM_KINDS: tuple[str, ...] = ("component", "activity", "response", "recommendation")
MAPPING_METHODS: tuple[str, ...] = ("fuzzy", "stated", "manual")
MAPPING_STATUSES: tuple[str, ...] = ("auto", "accepted", "rejected")
# The taxonomy's dimensions, in the order pages show them.
DIMENSIONS: tuple[str, ...] = ("eccar", "function", "focus", "arena")
# A city × concept cell's state, in the order legends show them (strongest evidence first).
COVERAGE_STATES: tuple[str, ...] = ("confirmed", "suggested", "reviewed_not_covered", "not_found")
# The finer basis of a link than `method`: the passage's own words (alias), its document's
# subject, the learned model, an inference rule of the guide, the document's statement, a person.
MAPPING_BASES: tuple[str, ...] = ("alias", "subject", "learned", "rule", "stated", "manual")
# The basis of a link that came without one (a reviewer's addition, an older suggestion).
METHOD_BASIS = {"fuzzy": "alias", "stated": "stated", "manual": "manual"}
# The `quality` row that holds the micro-average over all concepts.
QUALITY_ALL = "all"
# Below this many labelled pairs a concept's figures are "too few to say" (issue 11's rule: a
# concept right on its 3 pairs is not "100 %").
TOO_FEW_PAIRS = 10
# The Wilson 95 % interval of each measured figure, as `quality` columns.
QUALITY_BOUNDS: tuple[str, ...] = ("precision_low", "precision_high", "recall_low", "recall_high")
# Colours a city gets when cities.csv gives it none: Okabe–Ito (told apart with the common
# colour-vision deficiencies) without its blues and greys, which the coverage states use, so a
# city never looks like a status.
CITY_PALETTE: tuple[str, ...] = ("#E69F00", "#009E73", "#D55E00", "#CC79A7", "#F0E442", "#000000")
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def city_colours(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
    """(city, colour or "") in cities.csv order → one colour per city, the same in every chart.

    A city without a valid colour of its own gets the first palette colour that no city above it
    uses. A new city is a new row at the end, so adding one never moves an earlier city's
    colour (the old charts assigned colours by sorted name, which did). Only when the palette is
    used up do colours repeat; give such cities a colour in cities.csv.
    """
    colours: dict[str, str] = {}
    for city, own in rows:
        if HEX_COLOUR.match(own):
            colours[city] = own.upper()
            continue
        taken = set(colours.values())
        free = [c for c in CITY_PALETTE if c not in taken]
        colours[city] = free[0] if free else CITY_PALETTE[len(colours) % len(CITY_PALETTE)]
    return colours


@dataclass(frozen=True)
class DocumentMeta:
    """One manifest entry: what a source file is, as a person described it."""

    doc_id: str
    source_file: str
    city: str
    organ: str
    doc_kind: str
    title: str
    date: str = ""
    dnr: str = ""
    relates_to: str = ""


@dataclass(frozen=True)
class SourceText:
    """A document's text as loaded from its file; all item offsets point into `text`."""

    meta: DocumentMeta
    text: str
    sha256: str


@dataclass(frozen=True)
class Block:
    """A paragraph or list item found by the parser, located in the source text.

    `text` is the block cleaned for reading (lines joined, hyphenation and bullets removed);
    `raw_start:raw_end` is its exact span in the source.
    """

    section: str
    subsection: str
    form: Literal["paragraph", "bullet", "numbered", "heading"]
    raw_start: int
    raw_end: int
    text: str
    level: int = 0


# The languages the reader has data for (data/language/<code>.toml) and detects.
DOCUMENT_LANGUAGES: tuple[str, ...] = ("sv", "en")
# Why a stretch of a document became no passage (the Sources page explains each to users).
SKIP_REASONS: tuple[str, ...] = (
    "boilerplate",
    "furniture",
    "contact",
    "heading",
    "lead_in",
    "procedure",
    "repeated",
    "too_short",
)


@dataclass(frozen=True)
class SkippedBlock:
    """A stretch of source text that is no part of any item, and why."""

    doc_id: str
    char_start: int
    char_end: int
    reason: str
    text_raw: str


@dataclass(frozen=True)
class ParsedDocument:
    """A document split into sections and blocks; boilerplate and furniture set aside.

    `skipped` holds the lines that never became a block (boilerplate, page furniture, contact
    details, signatures), so that every stretch of text is accounted for.
    """

    source: SourceText
    sections: tuple[str, ...]
    blocks: tuple[Block, ...]
    language: str = "sv"
    skipped: tuple[SkippedBlock, ...] = ()


@dataclass(frozen=True)
class Item:
    """One passage an analyst would quote: a component, activity, response or recommendation."""

    item_id: str
    doc_id: str
    city: str
    kind: str
    text: str
    text_raw: str
    section: str
    char_start: int
    char_end: int
    subsection: str = ""
    parent_id: str = ""
    unit_id: str = ""
    years: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Mapping:
    """One item × concept link, with the evidence a reviewer needs to judge it."""

    item_id: str
    concept_id: str
    score: float
    method: str
    matched_alias: str
    status: str = "auto"
    match_start: int = -1
    match_end: int = -1
    # How the link was found (MAPPING_BASES) and the evidence a reviewer reads: the alias, the
    # document's title, the rule, or the passage's telling words.
    basis: str = ""
    evidence: str = ""
