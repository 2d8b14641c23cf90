"""Extract stage: a repaired `ParsedDocument` → items.

Item kinds: component, activity, response, recommendation.

The rules read a case paper the way an analyst does:

* In a committee's response (remissvar), "Ärendet" and the policy-describing parts of "Bakgrund"
  summarise the policy under review: its **components**. "Förvaltningens synpunkter och förslag"
  holds the committee's own voice, cut into sentences: its position (**response**) and each
  distinct proposal or concern (**recommendation**, recognised by words such as "föreslår",
  "bör", "saknar", "viktigt att"). The summary repeats the body; only what it adds is kept.
* In other documents (reports, plans, policies), numbered points are **components**, bulleted
  efforts with the paragraphs that explain them are **activities**, and conclusions (sections
  whose heading speaks of "slutsatser") are **recommendations**; other paragraphs are components.
* Procedure (decision proposals, preparation, distribution lists, appendices, contact details)
  is never an item.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from etl.model import Block, Item, ParsedDocument
from etl.parse import clean_with_map, fold, section_label

PROCEDURAL_SECTIONS = frozenset(
    {
        "",
        "forslag",
        "beredning",
        "bilagor",
        "beslutsunderlag",
        "beslutsplanering",
        "skickas",
        "uppdraget",
        "ansvariga",
        "referens",
    }
)
COMPONENT_SECTIONS = frozenset({"arendet", "bakgrund"})
# Words by which a committee proposes, asks or warns; matched on the diacritics-free form.
RECOMMENDATION_MARKERS = re.compile(
    r"\b(foresl(ar|as|agit|og|a)|forslag(et)? att|bor|borde|behov|behover|behovs|onskv\w*"
    r"|saknar|saknas|vore"
    r"|viktigt|av stor vikt|fordel\w*|efterfrag\w*|uppmanar|kan (utvecklas|starkas)"
    r"|skulle (kunna )?(vara|forstark\w*)|risk)\b"
)
# A sentence that opens with one of these elaborates the one before it.
ANAPHORIC_OPENING = re.compile(r"^(det|detta|dessa|darfor|dar|vilket|den|de|matningar)\b")
# Talk about the consultation itself, not about the policy.
PROCEDURAL_TALK = re.compile(r"(remiss|remitter|besvarande|godkann\w* forvaltningens|yttranden)")
POLICY_WORDS = re.compile(r"(handlingsplan|program|policy|strategi|riktlinje|mr-)")
CONCLUSION_HEADING = re.compile(r"slutsats")
ADMINISTRATION_SUBJECT = re.compile(r"^(\w*forvaltningen|forvaltningen|namnden|\w+namnden)\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ\"“”0-9])")
YEAR = re.compile(r"(?<![\d/])(?<![A-Z]-)((?:19|20)\d\d)(?![\d/])")
LEAD_IN_MAX_CHARS = 120  # "De tre utvecklingsområdena är:" is a signpost; longer lead-ins say more
SIGNPOST_MAX_CHARS = 250  # "… redogörs nedan för …" paragraphs in the corpus are 150-230 characters
ANNOUNCEMENT = re.compile(r"(redogors nedan|nedan redogors)")
SUMMARY_REPEATED_SHARE = 0.75  # of a summary sentence's words found in the body: a repeat


@dataclass(frozen=True)
class _Passage:
    """A stretch of source text that will become one item."""

    kind: str
    block: Block
    raw_start: int
    raw_end: int
    text: str


def extract_items(doc: ParsedDocument) -> tuple[Item, ...]:
    """All items of one document, in reading order, with stable ids."""
    passages = list(_passages(doc))
    items: list[Item] = []
    seen: dict[str, int] = {}
    parent_of_numbered_title = ""
    for passage in passages:
        raw = doc.source.text[passage.raw_start : passage.raw_end]
        item_id = _stable_id(doc.source.meta.doc_id, raw, seen)
        if passage.block.form == "numbered" and _is_title(passage.text):
            parent_of_numbered_title = item_id
            parent = ""
        elif passage.block.form == "numbered" or not passage.block.subsection:
            parent_of_numbered_title = ""
            parent = ""
        else:
            parent = parent_of_numbered_title
        items.append(
            Item(
                item_id=item_id,
                doc_id=doc.source.meta.doc_id,
                city=doc.source.meta.city,
                kind=passage.kind,
                text=passage.text,
                text_raw=raw,
                section=section_label(passage.block.section),
                subsection=passage.block.subsection,
                char_start=passage.raw_start,
                char_end=passage.raw_end,
                parent_id=parent,
                unit_id=item_id,
                years=tuple(sorted({int(y) for y in YEAR.findall(passage.text)})),
            )
        )
    return tuple(items)


def _passages(doc: ParsedDocument) -> Iterator[_Passage]:
    blocks = [b for b in doc.blocks if b.form != "heading"]
    if doc.source.meta.doc_kind == "response":
        body = list(_response_passages(doc, blocks))
        yield from body
        yield from _novel_summary_passages(doc, blocks, body)
    else:
        yield from _report_passages(blocks)


def _response_passages(doc: ParsedDocument, blocks: list[Block]) -> Iterator[_Passage]:
    for index, block in enumerate(blocks):
        if block.section in COMPONENT_SECTIONS:
            if _is_signpost(block, blocks[index + 1 : index + 2]):
                continue
            if block.section == "bakgrund" and not _describes_policy(block.text):
                continue
            yield _whole(block, "component")
        elif block.section == "synpunkter":
            yield from _voice_passages(doc.source.text, block)


def _novel_summary_passages(
    doc: ParsedDocument, blocks: list[Block], body: list[_Passage]
) -> Iterator[_Passage]:
    """Summary sentences the body does not repeat (a truncated body loses them otherwise)."""
    body_words = _content_words(" ".join(p.text for p in body))
    for block in blocks:
        if block.section != "sammanfattning":
            continue
        for passage in _voice_passages(doc.source.text, block):
            words = _content_words(passage.text)
            folded = fold(passage.text)
            repeated = len(words & body_words) >= SUMMARY_REPEATED_SHARE * len(words)
            if PROCEDURAL_TALK.search(folded) or repeated:
                continue
            if not ADMINISTRATION_SUBJECT.match(folded):
                passage = replace(passage, kind="component")
            yield passage


def _content_words(text: str) -> set[str]:
    """Word stems long enough to carry meaning; a crude stem (6 letters) absorbs inflection."""
    return {w[:6] for w in re.findall(r"\w{4,}", fold(text))}


def _report_passages(blocks: list[Block]) -> Iterator[_Passage]:
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if block.section in PROCEDURAL_SECTIONS or block.section == "sammanfattning":
            continue
        conclusion = bool(CONCLUSION_HEADING.search(fold(block.section)))
        if _is_signpost(block, blocks[index : index + 1]):
            continue
        if block.form == "bullet":
            explained = block
            while index < len(blocks) and _explains(blocks[index], block):
                explained = blocks[index]
                index += 1
            kind = "recommendation" if conclusion else "activity"
            text = " ".join(
                b.text for b in blocks if block.raw_start <= b.raw_start <= explained.raw_start
            )
            yield _Passage(kind, block, block.raw_start, explained.raw_end, text)
        elif block.form == "numbered":
            yield _whole(block, "component")
        else:
            yield _whole(block, "recommendation" if conclusion else "component")


def _explains(candidate: Block, bullet: Block) -> bool:
    """Paragraphs after a bullet, before the next bullet or heading, explain that bullet."""
    return candidate.form == "paragraph" and candidate.section == bullet.section


def _voice_passages(source: str, block: Block) -> Iterator[_Passage]:
    """A committee's paragraph → one passage per position or distinct proposal."""
    sentences = list(_sentences(source, block))
    current: list[tuple[int, int, str]] = []
    kind = ""
    for start, end, text in sentences:
        folded = fold(text)
        if PROCEDURAL_TALK.search(folded) and not current:
            continue
        proposes = bool(RECOMMENDATION_MARKERS.search(folded))
        elaborates = bool(ANAPHORIC_OPENING.match(folded)) and kind == "recommendation"
        if current and (not proposes or elaborates):
            current.append((start, end, text))
            continue
        if current:
            yield _joined(kind, block, current)
        kind = "recommendation" if proposes else "response"
        current = [(start, end, text)]
    if current:
        yield _joined(kind, block, current)


def _joined(kind: str, block: Block, sentences: list[tuple[int, int, str]]) -> _Passage:
    return _Passage(
        kind, block, sentences[0][0], sentences[-1][1], " ".join(s[2] for s in sentences)
    )


def _sentences(source: str, block: Block) -> Iterator[tuple[int, int, str]]:
    """(raw start, raw end, repaired text) of each sentence of a block.

    Boundaries are found in the repaired text; tokens of the repaired and the raw-cleaned text
    correspond one to one (repair replaces words, never whitespace), which carries a boundary back
    to its exact place in the source. When they do not correspond the block stays whole.
    """
    clean, where = clean_with_map(source[block.raw_start : block.raw_end])
    raw_tokens = [m.span() for m in re.finditer(r"\S+", clean)]
    repaired_tokens = [m.span() for m in re.finditer(r"\S+", block.text)]
    if len(raw_tokens) != len(repaired_tokens):
        yield block.raw_start, block.raw_end, block.text
        return
    token_at = {start: i for i, (start, _) in enumerate(repaired_tokens)}
    starts = [0] + [m.end() for m in SENTENCE_END.finditer(block.text)]
    for n, first_char in enumerate(starts):
        last_char = starts[n + 1] if n + 1 < len(starts) else len(block.text)
        first = token_at[first_char]
        last = token_at[starts[n + 1]] - 1 if n + 1 < len(starts) else len(raw_tokens) - 1
        raw_start = block.raw_start + where[raw_tokens[first][0]]
        raw_end = block.raw_start + where[raw_tokens[last][1] - 1] + 1
        yield raw_start, raw_end, block.text[first_char:last_char].strip()


def _whole(block: Block, kind: str) -> _Passage:
    return _Passage(kind, block, block.raw_start, block.raw_end, block.text)


def _is_signpost(block: Block, following: list[Block]) -> bool:
    """A lead-in to a list, or a paragraph announcing what follows, says nothing of its own."""
    leads_list = bool(following) and following[0].form in ("bullet", "numbered")
    folded = fold(block.text)
    announces = len(block.text) <= SIGNPOST_MAX_CHARS and bool(ANNOUNCEMENT.search(folded))
    lead_in = block.form == "paragraph" or block.text.endswith(":")
    return lead_in and ((leads_list and len(block.text) <= LEAD_IN_MAX_CHARS) or announces)


def _describes_policy(text: str) -> bool:
    folded = fold(text)
    return bool(POLICY_WORDS.search(folded)) and not PROCEDURAL_TALK.search(folded)


def _is_title(text: str) -> bool:
    return not text.rstrip().endswith((".", "?", "!", ":"))


def _stable_id(doc_id: str, raw: str, seen: dict[str, int]) -> str:
    """Same passage, same id across rebuilds: a hash of its words, not its position."""
    digest = hashlib.sha1(" ".join(raw.split()).encode("utf-8")).hexdigest()[:10]
    base = f"{doc_id}:{digest}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"
