"""Extract stage: a repaired `ParsedDocument` → items, and the stretches that became none.

Item kinds: component, activity, response, recommendation (../shared/LABELLING.md section 1).
One reader for every genre; the case paper is one case of it:

* **Sections by role** (data/language/*.toml): a proposed decision gives components, except
  its decision formula ("Nämnden godkänner förvaltningens tjänsteutlåtande …"), which is
  procedure; procedure sections (preparation, appendices, distribution) give nothing; a
  summary gives only what the body does not repeat.
* **In a committee's response (remissvar)**, "Ärendet" and the policy-describing parts of
  "Bakgrund" summarise the policy under review: its **components**. The committee's own voice
  — "Förvaltningens synpunkter", or the whole body of a response without the standard
  headings — is cut into sentences: its position (**response**) and each distinct proposal or
  concern (**recommendation**, recognised by marker words such as "föreslår", "bör", "saknar").
* **Everywhere else** (web pages, plans, policies, reports, minutes, press releases), one item
  per bullet, numbered point, goal or paragraph; a bullet that titles an effort keeps the
  paragraphs explaining it. The kind comes from the passage's own wording — a proposal or
  concern is a recommendation, an actor doing something ("arrangerar", "har startat",
  "genomför") an activity — and otherwise from the document's kind: what a plan, policy or
  page *is or says* is a component, what minutes record and what a report's bulleted efforts
  describe are activities; conclusions are recommendations.
* **Flat text** arrives from the parser one sentence per block; sentences that elaborate the
  one before ("Det …", "Detta …") join it.
* Nothing is dropped silently: every block that gives no item is recorded with its reason
  (heading, lead-in, procedure, repeated, too short), beside what the parser set aside.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from etl.language import Language, language
from etl.model import Block, Item, ParsedDocument, SkippedBlock
from etl.parse import TERMINAL, clean_with_map, section_label
from etl.text import SENTENCE_END, fold, fold_each, sentence_spans

# A year 1900-2099 not inside a number, a date with slashes or a code ("SFS-2019"). The tests
# on what precedes it come after its first two digits (looking back past them), so that the
# pattern opens with "19" or "20" and the regex engine skips to those: a pattern opening with
# a look-behind is tried at every character (0.26 of 1.8 CPU s of extraction, 7 x slower).
YEAR = re.compile(r"((?:19|20)(?<![\d/]..)(?<![A-Z]-..)\d\d)(?![\d/])")
LEAD_IN_MAX_CHARS = 120  # "De tre utvecklingsområdena är:" is a signpost; longer lead-ins say more
SIGNPOST_MAX_CHARS = 250  # "… redogörs nedan för …" paragraphs in the corpus are 150-230 characters
SUMMARY_REPEATED_SHARE = 0.75  # of a summary sentence's words found in the body: a repeat
# A paragraph of fewer words says nothing an analyst would quote ("Stockholms stad", "Dialogträff
# 1", "Datum 2020-04-06"); list items may be that short ("Romsk inkludering").
MIN_PARAGRAPH_WORDS = 4
# A one-line paragraph without final punctuation up to this length, followed by more text, is a
# title or a heading the parser could not prove.
TITLE_MAX_CHARS = 120
# What a passage is when its own wording does not say: by the document's kind and the block's form.
# Numbered points and paragraphs are what a document says unless it records what was done;
# a report's bullets list its efforts. A steering document (plan, policy, report) develops one
# point per paragraph, so its paragraphs stay whole and are components (conclusions aside).
DEFAULT_KIND = {"minutes": "activity"}
DEFAULT_LIST_KIND = {"report": "activity", "minutes": "activity"}
STEERING_KINDS = frozenset({"plan", "policy", "report"})
# A plan or policy says what will be done: its paragraphs are components, whatever their verbs;
# a report's paragraphs may record what was done (activities).
PROGRAMME_KINDS = frozenset({"plan", "policy"})


@dataclass(frozen=True)
class _Passage:
    """A stretch of source text that will become one item."""

    kind: str
    block: Block
    raw_start: int
    raw_end: int
    text: str


@dataclass(frozen=True)
class _Skip:
    """A stretch of source text that becomes no item, and why."""

    raw_start: int
    raw_end: int
    reason: str


def extract_items(doc: ParsedDocument) -> tuple[Item, ...]:
    """All items of one document, in reading order, with stable ids."""
    passages = [p for p in _read(doc) if isinstance(p, _Passage)]
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
                section=section_label(passage.block.section, doc.language),
                subsection=passage.block.subsection,
                char_start=passage.raw_start,
                char_end=passage.raw_end,
                parent_id=parent,
                unit_id=item_id,
                years=tuple(sorted({int(y) for y in YEAR.findall(passage.text)})),
            )
        )
    return tuple(items)


def account_for(parsed: ParsedDocument) -> tuple[str, tuple[SkippedBlock, ...]]:
    """The account stage: the reader's account of a document besides its items, the language
    it was read in and every stretch that became no item (with why). It lives here, not in
    etl/pipeline.py, because a stage's cache key covers its module's imports: from the pipeline
    it covered every etl module, so any change to publish reran every document's reading."""
    return parsed.language, skipped_blocks(parsed)


def skipped_blocks(doc: ParsedDocument) -> tuple[SkippedBlock, ...]:
    """Every stretch of the document that is no part of an item, with its reason, in order.

    What the parser set aside (boilerplate, furniture, contact details) and what extraction
    passed over (headings, lead-ins, procedure, repeats, fragments) together with the items
    account for every line of the text.
    """
    doc_id, text = doc.source.meta.doc_id, doc.source.text
    found = [
        SkippedBlock(doc_id, s.raw_start, s.raw_end, s.reason, text[s.raw_start : s.raw_end])
        for s in _read(doc)
        if isinstance(s, _Skip)
    ]
    unique = {
        (s.char_start, s.char_end): s for s in [*doc.skipped, *found] if s.char_end > s.char_start
    }
    return tuple(unique[key] for key in sorted(unique))


# Each document's reading, while the document lives: the extract stage and the reader's
# account (`skipped_blocks`, a later stage) read the same document, and reading is most of
# either. A build runs each stage over a chunk of 32 documents before the next stage
# (etl/pipeline.py `run_chunk`), so a memo of the last document only missed 31 times in 32:
# the account stage cost 0.93 CPU s on 200 generated documents, its own reading again. An
# entry goes when its document is freed (`weakref.finalize`), so an id is never reused while
# it is remembered and nothing outlives the chunk.
_reads: dict[int, tuple[_Passage | _Skip, ...]] = {}


def _read(doc: ParsedDocument) -> tuple[_Passage | _Skip, ...]:
    """Passages and skips of a document, every block accounted for (see `_read_blocks`)."""
    key = id(doc)
    read = _reads.get(key)
    if read is None:
        read = tuple(_read_blocks(doc))
        _reads[key] = read
        weakref.finalize(doc, _reads.pop, key, None)
    return read


def _read_blocks(doc: ParsedDocument) -> Iterator[_Passage | _Skip]:
    """Passages and skips of a document, every block accounted for."""
    lang = language(doc.language)
    blocks = [b for b in doc.blocks if b.form != "heading"]
    for block in doc.blocks:
        if block.form == "heading":
            yield _Skip(block.raw_start, block.raw_end, "heading")
    roles = {lang.role(b.section) for b in blocks}
    if doc.source.meta.doc_kind == "response" and roles & {"policy", "voice"}:
        body = [p for p in _response_passages(doc, blocks, lang)]
        yield from body
        yield from _novel_summary_passages(doc, blocks, body, lang)
    else:
        voice = doc.source.meta.doc_kind == "response"
        yield from _general_passages(doc, blocks, lang, voice)


def _response_passages(
    doc: ParsedDocument, blocks: list[Block], lang: Language
) -> Iterator[_Passage | _Skip]:
    for index, block in enumerate(blocks):
        role = lang.role(block.section)
        if role == "summary":
            continue  # read by _novel_summary_passages
        if role == "policy":
            parts = _lead_in_parts(doc.source.text, block, blocks[index + 1 : index + 2], lang)
            if parts is not None:
                yield _joined("component", block, parts[0])
                yield _Skip(*parts[1], "lead_in")
            elif _is_signpost(block, blocks[index + 1 : index + 2], lang):
                yield _skip(block, "lead_in")
            elif block.section == "bakgrund" and not _describes_policy(block.text, lang):
                yield _skip(block, "procedure")
            else:
                yield _whole(block, "component")
        elif role == "voice" and _is_fragment(block):
            yield _skip(block, "too_short")  # a registration number, a name under a heading
        elif role == "voice":
            yield from _voice_passages(doc.source.text, block, lang)
        elif role == "decision":
            yield from _decision_passages(doc.source.text, block, lang)
        else:
            # outside its sections a remissvar holds only its header: titles and the referral
            reason = _fragment_reason(block, blocks[index + 1 : index + 2]) or "procedure"
            yield _skip(block, "procedure" if role == "procedure" else reason)


def _novel_summary_passages(
    doc: ParsedDocument, blocks: list[Block], body: Sequence[_Passage | _Skip], lang: Language
) -> Iterator[_Passage | _Skip]:
    """Summary sentences the body does not repeat (a truncated body loses them otherwise)."""
    body_words = _content_words(" ".join(p.text for p in body if isinstance(p, _Passage)))
    for block in blocks:
        if lang.role(block.section) != "summary":
            continue
        for passage in _voice_passages(doc.source.text, block, lang):
            if isinstance(passage, _Skip):
                yield passage
                continue
            words = _content_words(passage.text)
            folded = fold(passage.text)
            repeated = len(words & body_words) >= SUMMARY_REPEATED_SHARE * len(words)
            if lang.marker("procedural_talk", folded):
                yield _Skip(passage.raw_start, passage.raw_end, "procedure")
            elif repeated:
                yield _Skip(passage.raw_start, passage.raw_end, "repeated")
            elif not lang.opens_with("administration_subject", folded):
                yield replace(passage, kind="component")
            else:
                yield passage


def _content_words(text: str) -> set[str]:
    """Word stems long enough to carry meaning; a crude stem (6 letters) absorbs inflection.

    Those of texts joined by spaces are those of the texts together: no word spans a space.
    """
    return {w[:6] for w in re.findall(r"\w{4,}", fold(text))}


def _general_passages(
    doc: ParsedDocument, blocks: list[Block], lang: Language, voice: bool
) -> Iterator[_Passage | _Skip]:
    """Web pages, plans, policies, reports, minutes: one item per list item, goal or paragraph."""
    doc_kind = doc.source.meta.doc_kind
    listed_sections = Counter(b.section for b in blocks if _is_list_item(b, lang))
    body_words: set[str] | None = None  # the words outside the summary, once one is met
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        role = lang.role(block.section)
        following = blocks[index : index + 1]
        if role == "procedure":
            yield _skip(block, "procedure")
            continue
        if role == "decision":
            yield from _decision_passages(doc.source.text, block, lang)
            continue
        parts = _lead_in_parts(doc.source.text, block, following, lang)
        if parts is not None:
            head = _joined("", block, parts[0])
            yield replace(head, kind=_kind(head.text, doc_kind, lang, False, DEFAULT_KIND))
            yield _Skip(*parts[1], "lead_in")
            continue
        if _is_signpost(block, following, lang):
            yield _skip(block, "lead_in")
            continue
        reason = _fragment_reason(block, following)
        if reason:
            yield _skip(block, reason)
            continue
        if role == "summary":
            if body_words is None:  # block by block: the reader's tests folded each already
                body = [b.text for b in blocks if lang.role(b.section) != "summary"]
                body_words = set().union(*map(_content_words, body))
            if _repeated(block.text, body_words):
                yield _skip(block, "repeated")
                continue
        conclusion = lang.marker("conclusion_heading", fold(section_label(block.section)))
        if block.form == "bullet":
            explained = block
            in_list = _is_list_item(block, lang) and listed_sections[block.section] > 1
            while in_list and index < len(blocks) and _explains(blocks[index], block):
                explained = blocks[index]
                index += 1
            text = " ".join(
                b.text for b in blocks if block.raw_start <= b.raw_start <= explained.raw_start
            )
            if voice:  # a point of the body's own list in a remissvar
                kind = _voice_kind(fold(_opening_sentence(text)), lang, block.form)
            else:
                kind = _kind(text, doc_kind, lang, conclusion, DEFAULT_LIST_KIND)
            yield _Passage(kind, block, block.raw_start, explained.raw_end, text)
            continue
        if voice:
            yield from _voice_passages(doc.source.text, block, lang)
        elif doc_kind in STEERING_KINDS:
            yield _whole(block, _kind(block.text, doc_kind, lang, conclusion, DEFAULT_KIND))
        else:
            yield from _statement_passages(doc.source.text, block, lang, doc_kind)


def _kind(
    text: str, doc_kind: str, lang: Language, conclusion: bool, defaults: dict[str, str]
) -> str:
    """A passage's kind from its own wording, else from the document's kind and its form.

    In a plan, policy or report, words of need ("behöver", "viktigt") describe what the
    document sets out to do, so only its conclusions are recommendations; in a statement, a
    press release, minutes or a web page the same words are a demand or a concern. The opening
    sentence carries the passage's point; later ones elaborate it ("Sedan 2022 följer …").
    """
    folded = fold(_opening_sentence(text))
    wording_proposes = doc_kind not in STEERING_KINDS and lang.marker("recommendation", folded)
    if conclusion or wording_proposes:
        return "recommendation"
    if lang.marker("component", folded):
        return "component"  # a goal, aim, responsibility or definition
    if lang.marker("deed", folded):
        return "activity"  # what an actor did ("Policyn reviderades 2020"), in any genre
    if lang.opens_with("document_subject", folded):
        return "component"  # what a steering document says ("The action plan provides …")
    if doc_kind not in PROGRAMME_KINDS and _does_something(folded, lang):
        return "activity"  # a plan says what will be done in the same words of doing
    return defaults.get(doc_kind, "component")


def _does_something(folded: str, lang: Language) -> bool:
    """An actor doing something now ("arrangerar"), or an effort as the subject ("Studien …")."""
    return lang.marker("activity", folded) or lang.opens_with("effort_subject", folded)


def _statement_passages(
    source: str, block: Block, lang: Language, doc_kind: str
) -> Iterator[_Passage]:
    """A paragraph of a page, a press release or minutes → one passage per statement.

    Such texts pack several facts into one paragraph; each sentence is a statement of its own
    unless it elaborates the one before ("Detta …", "Det …") or that one leads into it (":").
    """
    group: list[tuple[int, int, str]] = []
    for start, end, text in _sentences(source, block):
        continues = group and (
            lang.opens_with("anaphoric", fold(text)) or group[-1][2].endswith(":")
        )
        if group and not continues:
            joined = _joined("", block, group)
            yield replace(joined, kind=_kind(joined.text, doc_kind, lang, False, DEFAULT_KIND))
            group = []
        group.append((start, end, text))
    if group:
        joined = _joined("", block, group)
        yield replace(joined, kind=_kind(joined.text, doc_kind, lang, False, DEFAULT_KIND))


def _opening_sentence(text: str) -> str:
    spans = sentence_spans(text)
    return text[spans[0][0] : spans[0][1]] if spans else text


def _decision_passages(source: str, block: Block, lang: Language) -> Iterator[_Passage | _Skip]:
    """A proposed decision → one passage per point ("Kommunstyrelsen föreslås besluta att anta
    planen, samt att uppdra åt kontoret att …"): a point that only moves the paper ("att
    godkänna förvaltningens tjänsteutlåtande") is procedure, a substantive one a component."""
    if _fragment_reason(block):
        yield _skip(block, _fragment_reason(block))
        return
    folded_block = fold_each(block.text)
    points = [m.end() for m in lang.markers["decision_point"].finditer(folded_block)]
    sentence_starts = [m.end() for m in SENTENCE_END.finditer(block.text)]
    for start, end, text in _pieces(source, block, sorted({0, *points, *sentence_starts})):
        folded = fold(text)
        lead = lang.markers["decision_lead"].match(folded)
        point = folded[lead.end() :] if lead else folded
        if lang.marker("decision_formula", point) or lang.marker("procedural_talk", point):
            yield _Skip(start, end, "procedure")
        elif lead and not point.strip():
            yield _Skip(start, end, "lead_in")  # "Kommunstyrelsen föreslås besluta" alone
        else:
            yield _Passage("component", block, start, end, text)


def _fragment_reason(block: Block, following: Sequence[Block] = ()) -> str:
    """'heading' or 'too_short' for a block too slight to quote on its own; '' otherwise."""
    if block.form != "paragraph":
        return "" if re.search(r"[^\W\d_]{2}", block.text) else "too_short"
    title = (
        "\n" not in block.text
        and len(block.text) <= TITLE_MAX_CHARS
        and not block.text.endswith((*TERMINAL, ":", ";", ","))
        and bool(following)
    )
    if title:
        return "heading"
    return "too_short" if _is_fragment(block) else ""


def _is_fragment(block: Block) -> bool:
    return block.form == "paragraph" and len(block.text.split()) < MIN_PARAGRAPH_WORDS


def _repeated(text: str, body_words: set[str]) -> bool:
    words = _content_words(text)
    return bool(words) and len(words & body_words) >= SUMMARY_REPEATED_SHARE * len(words)


def _skip(block: Block, reason: str) -> _Skip:
    return _Skip(block.raw_start, block.raw_end, reason)


def _explains(candidate: Block, bullet: Block) -> bool:
    """Paragraphs after a bullet of a list, before the next bullet or heading, explain it.

    A lone bullet is no list: the paragraphs after it say their own piece.
    """
    return candidate.form == "paragraph" and candidate.section == bullet.section


def _is_list_item(block: Block, lang: Language) -> bool:
    """A bullet or numbered point of a list. A dash before a quote ("– Vi bygger upp …, säger
    Heidi.") opens speech, as Swedish and English articles mark it: one item, but no list."""
    if block.form == "numbered":
        return True
    return block.form == "bullet" and not lang.marker("quote_attribution", fold(block.text))


def _voice_passages(source: str, block: Block, lang: Language) -> Iterator[_Passage | _Skip]:
    """A committee's paragraph → one passage per position or distinct proposal."""
    sentences = list(_sentences(source, block))
    current: list[tuple[int, int, str]] = []
    kind = ""
    for start, end, text in sentences:
        folded = fold(text)
        if lang.marker("procedural_talk", folded) and not current:
            yield _Skip(start, end, "procedure")
            continue
        own_kind = _voice_kind(folded, lang, block.form)
        # a proposal, a stance, or a sentence on what the policy under review is starts a passage
        changes = own_kind != kind and (own_kind == "component" or lang.marker("stance", folded))
        starts = own_kind == "recommendation" or changes
        elaborates = lang.opens_with("anaphoric", folded) and kind == "recommendation"
        if current and (not starts or elaborates):
            current.append((start, end, text))
            continue
        if current:
            yield _joined(kind, block, current)
        kind = own_kind
        current = [(start, end, text)]
    if current:
        yield _joined(kind, block, current)


def _voice_kind(folded: str, lang: Language, form: str = "paragraph") -> str:
    """A stance taken ("ställer sig bakom") is a response; a proposal or concern, or a point of
    the body's own list, a recommendation; the goal of the policy under review ("planens
    målsättning är …") a component; anything else the body says, its account of its own work
    included, is its position (response): a remissvar holds no activities (DESIGN.md)."""
    if lang.marker("stance", folded):
        return "response"
    if lang.marker("recommendation", folded) or form in ("bullet", "numbered"):
        return "recommendation"
    if lang.marker("response", folded):
        return "response"
    return "component" if lang.marker("component", folded) else "response"


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
    yield from _pieces(source, block, [0] + [m.end() for m in SENTENCE_END.finditer(block.text)])


def _pieces(source: str, block: Block, cuts: list[int]) -> Iterator[tuple[int, int, str]]:
    """(raw start, raw end, repaired text) of the pieces of a block cut at `cuts`, offsets into
    its repaired text (0 first); a cut that is not at the start of a word is ignored."""
    clean, where = clean_with_map(source[block.raw_start : block.raw_end])
    raw_tokens = [m.span() for m in re.finditer(r"\S+", clean)]
    repaired_tokens = [m.span() for m in re.finditer(r"\S+", block.text)]
    if len(raw_tokens) != len(repaired_tokens):
        yield block.raw_start, block.raw_end, block.text
        return
    token_at = {start: i for i, (start, _) in enumerate(repaired_tokens)}
    starts = [0] + [c for c in cuts if c in token_at and c > 0]
    for n, first_char in enumerate(starts):
        last_char = starts[n + 1] if n + 1 < len(starts) else len(block.text)
        first = token_at[first_char]
        last = token_at[starts[n + 1]] - 1 if n + 1 < len(starts) else len(raw_tokens) - 1
        # the first and last piece reach the block's edges, so a line of markup alone at an
        # edge ("**") stays inside a passage
        raw_start = block.raw_start + where[raw_tokens[first][0]] if n else block.raw_start
        ends_block = n + 1 == len(starts)
        raw_end = (
            block.raw_end if ends_block else block.raw_start + where[raw_tokens[last][1] - 1] + 1
        )
        yield raw_start, raw_end, block.text[first_char:last_char].strip()


def _whole(block: Block, kind: str) -> _Passage:
    return _Passage(kind, block, block.raw_start, block.raw_end, block.text)


def _is_signpost(block: Block, following: Sequence[Block], lang: Language) -> bool:
    """A lead-in to a list, or a paragraph announcing what follows, says nothing of its own."""
    leads_list = bool(following) and _is_list_item(following[0], lang)
    folded = fold(block.text)
    announces = len(block.text) <= SIGNPOST_MAX_CHARS and lang.marker("announcement", folded)
    lead_in = block.form == "paragraph" or block.text.endswith(":")
    # a full sentence before a list says its own piece unless it announces the list ("Ett antal
    # slutsatser dras i rapporteringen."); a lead-in proper opens onto it (":", no full stop)
    sentence = block.text.endswith((".", "!", "?")) and not lang.marker("list_lead", folded)
    opens_onto_list = leads_list and not sentence and len(block.text) <= LEAD_IN_MAX_CHARS
    return lead_in and (opens_onto_list or announces)


def _lead_in_parts(
    source: str, block: Block, following: Sequence[Block], lang: Language
) -> tuple[list[tuple[int, int, str]], tuple[int, int]] | None:
    """A paragraph that says something and then leads into a list ("… Planen har tre delmål:")
    → (its sentences before the lead-in, the lead-in's span); None for any other block."""
    leads_list = bool(following) and _is_list_item(following[0], lang)
    if block.form != "paragraph" or not leads_list or not block.text.endswith(":"):
        return None
    sentences = list(_sentences(source, block))
    if len(sentences) < 2 or len(sentences[-1][2]) > LEAD_IN_MAX_CHARS:
        return None
    return sentences[:-1], (sentences[-1][0], sentences[-1][1])


def _describes_policy(text: str, lang: Language) -> bool:
    folded = fold(text)
    return lang.marker("policy_words", folded) and not lang.marker("procedural_talk", folded)


def _is_title(text: str) -> bool:
    return not text.rstrip().endswith((".", "?", "!", ":"))


def _stable_id(doc_id: str, raw: str, seen: dict[str, int]) -> str:
    """Same passage, same id across rebuilds: a hash of its words, not its position."""
    digest = hashlib.sha1(" ".join(raw.split()).encode("utf-8")).hexdigest()[:10]
    base = f"{doc_id}:{digest}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"
