"""Parse stage: `SourceText` → `ParsedDocument` (sections and blocks, and what was set aside).

Structure comes from the text's form, not from a list of known headings:

* **Headings**: the standard case-paper headings (Ärendet, Bakgrund, Förvaltningens synpunkter …
  and their English counterparts, in data/language/*.toml) matched on the folded line, so
  "Arendet" parses like "Ärendet"; markdown (`# …`) and bold (`**…**`) lines; upper-case or
  section-numbered ("4.2 …") short lines; a short line without final punctuation followed by a
  paragraph.
* **List items**: bullets with any glyph (• - – ▪, Word's private-use symbols, "e" or "o" as OCR
  reads •, a bare leading space after a lead-in), numbered points "1." and "2)".
* **Paragraphs**: separated by blank lines; a paragraph broken by a page break or by PDF line
  breaks is rejoined, words hyphenated at line ends too; in hard-wrapped text a short line that
  ends a sentence ends its paragraph.
* **Flat text** — a page extracted as one long line, as document mirrors give it — is cut into
  sentences, and the headings, numbered points and dash bullets inside it become lines of their
  own ("… beslutar följande. 1. Planen godkänns … Sammanfattning I detta ärende …").
* **Set aside**, each with its reason: web and mirror boilerplate, page furniture (page numbers,
  registration numbers, running headers: a short line repeated in the document), contact
  details, signatures. They are recorded in `ParsedDocument.skipped`, never dropped silently.

Offsets always refer to the source text; the cleaned text of a block is derived from it and
never the other way round.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

from etl.language import LINE_KINDS, Language, Section, detect_language, language
from etl.model import Block, ParsedDocument, SkippedBlock, SourceText
from etl.text import SENTENCE_END, fold, fold_each

# Bullet glyphs: ASCII and typographic ones, Word's private-use symbols, and "e" or "o" — how
# OCR reads •.
# A bullet glyph, or a number "1." or "2)", then the item's text: one pattern, whose named
# group says which (a bullet is tried first), at one call per line instead of two.
LIST_MARKER = re.compile(
    r"^\s*(?:(?P<bullet>[-–•▪●◦○■□➢✓*\uf000-\uf8ff]|[eo](?= [A-ZÅÄÖ0-9]))"
    r"|(?P<numbered>\d{1,2}[.)]))\s+(?=\S)"
)
# "4.2 En myndighet …", "§ 3 Mötet avslutas": a numbered heading, not a list item.
SECTION_NUMBER = re.compile(r"^(§ ?\d+|\d{1,2}(\.\d{1,2})+\.?)\s+(?=\S)")
LIST_NUMBER_END = re.compile(r"(^|\s)\d{1,2}[.)]$")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?=\S)")
BOLD_LINE = re.compile(r"^\*\*[^*]+\*\*:?$")
BOLD_MARK = re.compile(r"\*\*")
TERMINAL = (".", "!", "?", "”", '"', "’", ")")
# A short stand-alone line followed by a long paragraph or a full sentence is a heading the
# standard list lacks.
SUBHEADING_MAX_CHARS = 70
SUBHEADING_NEXT_MIN_CHARS = 150  # measured: list items after a lead-in are all shorter
SHORT_LIST_ITEM_MAX_LINES = 2
# Ordinary paragraphs of the development corpus's web pages and reports are at most 675
# characters on one line; the flattened documents' lines are 1,500 and more.
FLAT_LINE_MIN_CHARS = 1000
# A running header or footer repeats; a short line seen this often is furniture.
RUNNING_HEADER_MIN_REPEATS = 2
RUNNING_HEADER_MAX_CHARS = 80
# In hard-wrapped text (PDF line breaks), a line that ends a sentence and is shorter than this
# share of the text's line width ends its paragraph; full lines run on.
WRAPPED_SHORT_SHARE = 0.75
WRAPPED_MIN_LINES = 8  # hard-wrapped text has many lines of about the same width


@dataclass(slots=True)
class _Line:
    """A line of the text, and what the rules ask of it, worked out once (`_classify`): each
    rule asked again of every line (280,000 stripped texts, 82,000 marker searches and 47,000
    heading searches on 200 generated documents, for 39,000 lines)."""

    start: int
    end: int
    text: str
    stripped: str = field(init=False)
    folded: str = ""  # fold(stripped)
    marker: str = ""  # 'bullet' or 'numbered' when the line opens with a list marker
    kind: str = ""  # what the line rules set it aside as ('boilerplate' …), or ''
    heading: Section | None = None  # the standard section it opens, if any

    def __post_init__(self) -> None:
        self.stripped = self.text.strip()


@dataclass
class _Draft:
    """A block while it is being assembled: line spans and how it started."""

    form: str  # a Block form, or "subheading" for a heading known by its form
    lines: list[_Line]
    section: str
    subsection: str
    level: int = 0
    # The clean text and map of the first n lines, joined: the rules ask for the text many
    # times while lines only grow, and the block (`_to_block`) reuses the map.
    _cleaned: tuple[int, str, tuple[str, list[int]]] = (0, "", ("", []))

    @property
    def text(self) -> str:
        return self.cleaned[1][0]

    @property
    def cleaned(self) -> tuple[str, tuple[str, list[int]]]:
        """(the lines joined, `clean_with_map` of that)."""
        if self._cleaned[0] != len(self.lines):
            joined = "\n".join(ln.text for ln in self.lines)
            self._cleaned = (len(self.lines), joined, clean_with_map(joined))
        return self._cleaned[1:]

    @property
    def last_text(self) -> str:
        return self.lines[-1].stripped


def _lines(text: str) -> Iterator[_Line]:
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        yield _Line(pos, pos + len(body), body.replace("\f", " "))
        pos += len(raw)


def _classify(lines: list[_Line], lang: Language) -> None:
    """Fill in what the rules ask of each non-blank line, in one pass."""
    for line in lines:
        body = line.stripped
        if not body:
            continue
        line.folded = folded = fold(body)
        line.marker = strip_marker(body)[0]
        line.kind = _line_kind(body, lang.code)
        if body.startswith("#"):
            line.heading = standard_section(body, lang)
        elif len(folded) <= SUBHEADING_MAX_CHARS:  # `standard_section`, the line folded once
            line.heading = lang.heading_section(folded)


def standard_section(line: str, lang: Language | None = None) -> Section | None:
    """The standard section a heading line opens, or None."""
    folded = fold(line.lstrip("#").strip())
    if len(folded) > SUBHEADING_MAX_CHARS:
        return None
    return (lang or language("sv")).heading_section(folded)


def _set_aside(line: _Line, running: set[str]) -> str:
    """The reason a line is no content ('boilerplate', 'furniture', 'contact'), or ''."""
    return line.kind or ("furniture" if line.folded in running else "")


# The order the kinds of lines set aside are tried in: the first whose rules match names it.
SET_ASIDE_ORDER = ("boilerplate", "contact", "furniture")


# Lines repeat within a document and across a worker's documents (running headers, a site's
# menus and footers); the rules are whole-line patterns of up to 200 characters of look-ahead,
# a fifth of parsing, so a line's kind is remembered (without it, parsing 200 generated
# documents took 10-20 % longer).
LINE_KIND_MEMO_ENTRIES = 4096


@lru_cache(maxsize=LINE_KIND_MEMO_ENTRIES)
def _line_kind(body: str, code: str) -> str:
    """What the line rules of `language(code)` (and the others') set a line aside as, or ''."""
    folded = fold(body)
    if not folded:
        return ""
    rules = _line_rules(code)
    match = rules.any_kind.match(folded)
    if match and match.lastgroup:
        return SET_ASIDE_ORDER[int(match.lastgroup[1:])]
    # a menu or a mirror lists its links as bullets ("• Dela sidan", "• No results found")
    marker, rest = strip_marker(body)
    if marker:
        unmarked = fold(rest)
        if unmarked != folded and rules.boilerplate.match(unmarked):
            return "boilerplate"
    return ""


@dataclass(frozen=True)
class _LineRules:
    """The line rules of every language, the document's own first (a Swedish host frames
    English pages too): the boilerplate rules alone, and every kind in one pattern."""

    boilerplate: re.Pattern[str]
    any_kind: re.Pattern[str]  # group k<n> names `SET_ASIDE_ORDER[n]`


@cache
def _line_rules(code: str) -> _LineRules:
    """One alternation matches where any of its patterns does (each is a whole line, `^…$`),
    at one call instead of one per pattern: a per-pattern loop was a tenth of parsing. The
    kinds are one alternation too, a group each, tried in `SET_ASIDE_ORDER` (three matches a
    line before). Line patterns name no group and refer back to none (etl/language.py checks
    it), so the group `k<n>` is the last to close and names the kind that matched."""
    languages = [language(code), *(language(c) for c in ("sv", "en") if c != code)]
    kinds = {
        kind: "|".join(f"(?:{p.pattern})" for lang in languages for p in lang.lines[kind])
        for kind in LINE_KINDS
    }
    any_kind = "|".join(f"(?P<k{n}>{kinds[kind]})" for n, kind in enumerate(SET_ASIDE_ORDER))
    return _LineRules(re.compile(kinds["boilerplate"]), re.compile(any_kind))


def _running_headers(lines: list[_Line]) -> set[str]:
    """Short lines repeated in the document, each standing apart: a running header or footer.

    A line of prose can repeat too (a summary repeats the body word for word), but it sits
    between other lines of prose; a running header has a blank line or a page number beside it.
    """
    counts: Counter[str] = Counter()
    for index, line in enumerate(lines):
        body = line.stripped
        if (
            not body
            or len(body) > RUNNING_HEADER_MAX_CHARS
            or line.marker
            or line.heading is not None
            or body.endswith(TERMINAL)
        ):
            continue
        neighbours = [lines[i] for i in (index - 1, index + 1) if 0 <= i < len(lines)]
        if all(not n.stripped or n.kind == "furniture" for n in neighbours):
            counts[line.folded] += 1
    return {text for text, n in counts.items() if n >= RUNNING_HEADER_MIN_REPEATS and text}


def _unflatten(lines: list[_Line], lang: Language) -> list[_Line]:
    """Flat text (one very long line) → one line per sentence, inline heading or list item."""
    result: list[_Line] = []
    for line in lines:
        if len(line.text) < FLAT_LINE_MIN_CHARS:
            result.append(line)
            continue
        cuts = sorted(set(_flat_cuts(line.text, lang)) | {0, len(line.text)})
        for left, right in zip(cuts, cuts[1:], strict=False):
            piece = line.text[left:right]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if piece:
                start = line.start + left + lead
                result += [_Line(start, start + len(piece), piece), _Line(start, start, "")]
    return result


def _flat_cuts(text: str, lang: Language) -> Iterator[int]:
    """Where flat text breaks: sentence ends, around inline headings, before points and dashes."""
    for match in SENTENCE_END.finditer(text):
        if not LIST_NUMBER_END.search(text, 0, match.start()):  # "… följande. 1. Planen …"
            yield match.end()
    folded = fold_each(text)
    for inline in _inline_headings(lang.code):
        for match in inline.finditer(folded):
            before = text[: match.start()].rstrip()
            opens_text = text[match.end() : match.end() + 1].isupper()
            starts = not before or before.endswith((*TERMINAL, ":"))
            if opens_text and (starts or text[match.start()].isupper()):
                yield match.start()
                yield match.end()
    expected = 1
    for match in re.finditer(r"(?<=\s)(\d{1,2})[.)] (?=[A-ZÅÄÖ])", text):
        number = int(match.group(1))
        if number in (1, expected):
            expected = number + 1
            yield match.start()
    for match in re.finditer(r"(?<=[.:;!?]) [-–•] (?=[A-ZÅÄÖ])", text):
        yield match.start() + 1


@cache
def _inline_headings(code: str) -> tuple[re.Pattern[str], ...]:
    """Each standard heading of `language(code)` as it stands inside flat text: its pattern
    without the whole-line anchors, as a word followed by a space."""
    return tuple(
        re.compile(r"(?<![\w-])(?:" + section.pattern.pattern[4:-2] + r") ")
        for section in language(code).sections
    )


def strip_marker(line: str) -> tuple[str, str]:
    """('bullet'|'numbered'|'', text without the marker)."""
    match = LIST_MARKER.match(line)
    if match and match.lastgroup:
        return match.lastgroup, line[match.end() :]
    return "", line


def clean_with_map(raw: str) -> tuple[str, list[int]]:
    """Raw block text → (clean text, offset in `raw` of every clean character).

    The map lets a later stage cut a block into sentences and still give each its exact raw span.
    Built a line at a time (text pieces and ranges of offsets), not a character at a time: that
    was a third of the parse stage.
    """
    pieces: list[str] = []  # the clean text so far, never an empty piece
    where: list[int] = []
    pos = 0
    for line in raw.split("\n"):
        start = pos
        pos += len(line) + 1
        body = line.strip()
        offset = start + len(line) - len(line.lstrip())
        if not where:
            _, unmarked = strip_marker(body)
            offset += len(body) - len(unmarked)
            body = unmarked
        if not body:
            continue
        if where and pieces[-1].endswith("-") and _hyphenated(pieces, body):
            pieces[-1] = pieces[-1][:-1]
            where.pop()
            if not pieces[-1]:
                pieces.pop()
        elif where and not pieces[-1].endswith("-"):
            pieces.append(" ")
            where.append(start - 1)
        # bold marks go; any other character, a stray NUL of a PDF included, stays in place
        if "**" not in body:  # most lines: no bold mark to look for
            _keep(pieces, where, body, 0, len(body), offset)
            continue
        kept = 0
        for mark in BOLD_MARK.finditer(body):
            _keep(pieces, where, body, kept, mark.start(), offset)
            kept = mark.end()
        _keep(pieces, where, body, kept, len(body), offset)
    clean = "".join(pieces)
    lead, end = len(clean) - len(clean.lstrip()), len(clean.rstrip())
    if lead or end < len(clean):
        return clean[lead:end], where[lead:end]
    return clean, where


def _keep(
    pieces: list[str], where: list[int], body: str, start: int, end: int, offset: int
) -> None:
    """Add `body[start:end]` (at `offset` in the raw text) to the clean text and its map."""
    if end > start:
        pieces.append(body[start:end])
        where.extend(range(offset + start, offset + end))


def _hyphenated(pieces: list[str], next_line: str) -> bool:
    """'samhälls-' + 'uppgifter' is one word; 'MR-' + 'programmet', '434-' + '21' keep the dash.

    `pieces` is the clean text so far, which ends with the dash.
    """
    before = pieces[-1][-2:-1] or (pieces[-2][-1:] if len(pieces) > 1 else "")
    return before.islower() and next_line[:1].islower()


def parse_document(source: SourceText) -> ParsedDocument:
    """Split a document into sections and blocks; see the module docstring for the rules."""
    lang = language(detect_language(source.text))
    lines = _unflatten(list(_lines(source.text)), lang)
    _classify(lines, lang)
    running = _running_headers(lines)
    width = _wrapped_width(lines)
    first = next((ln.stripped for ln in lines if ln.stripped), "")
    running.discard(fold(first))
    running_title = fold(first)
    drafts: list[_Draft] = []
    skipped: list[SkippedBlock] = []
    section, subsection = "", ""
    current: _Draft | None = None
    previous_text = ""  # the last non-blank content line, across blank lines
    for index, line in enumerate(lines):
        body = line.stripped
        if not body:
            current = None
            continue
        reason = _set_aside(line, running)
        if not reason and index > 0 and line.folded == running_title:
            reason = "furniture"
        if reason:
            skipped.append(_skip(source, line, reason))
            if reason != "furniture":  # a footer sits inside a paragraph broken by a page
                current = None
            continue
        heading = line.heading
        if heading is not None:
            section, subsection, current = heading.key, "", None
            drafts.append(_Draft("heading", [line], section, ""))
            previous_text = ""
            continue
        if _heading_by_form(body):
            current = _Draft("subheading", [line], section, subsection)
            drafts.append(current)
            current = None
            previous_text = ""
            continue
        form = line.marker
        if line.text[:1].isspace() and not form:
            form = _page_break_form(previous_text, body, current)
            if form == "continuation" and current is not None:
                current.lines.append(line)
                previous_text = body
                continue
        elif current is not None and _ends_numbered_title(current, body):
            form = "paragraph"
        elif current is not None and not form and _ends_wrapped_paragraph(current, body, width):
            form = "paragraph"
        if form in ("bullet", "numbered"):
            level = 1 if line.text.startswith((" -", "  ")) and form == "bullet" else 0
            current = _Draft(form, [line], section, subsection, level)
            drafts.append(current)
        elif current is None or form == "paragraph":
            current = _Draft("paragraph", [line], section, subsection)
            drafts.append(current)
        else:
            current.lines.append(line)
        previous_text = body
    drafts = _mark_unmarked_lists(_merge_broken(drafts))
    drafts, signatures = _split_signatures(_promote_subheadings(drafts, lang), lang)
    skipped += [_skip(source, line, "furniture") for d in signatures for line in d.lines]
    blocks = tuple(_to_block(source.text, d) for d in drafts)
    sections = tuple(dict.fromkeys(b.section for b in blocks if b.section))
    return ParsedDocument(
        source=source,
        sections=sections,
        blocks=blocks,
        language=lang.code,
        skipped=tuple(sorted(skipped, key=lambda s: s.char_start)),
    )


def _skip(source: SourceText, line: _Line, reason: str) -> SkippedBlock:
    lead = len(line.text) - len(line.text.lstrip())
    start, end = line.start + lead, line.start + lead + len(line.stripped)
    return SkippedBlock(source.meta.doc_id, start, end, reason, source.text[start:end])


def _heading_by_form(body: str) -> bool:
    """Markdown and bold lines, short upper-case lines, "4.2 Title": headings by their form."""
    if MARKDOWN_HEADING.match(body) or BOLD_LINE.match(body):
        return True
    if len(body) > SUBHEADING_MAX_CHARS or body.endswith(TERMINAL):
        return False
    # Every letter upper case, and at least four: the test stops at a line's first lower-case
    # letter, and letters are counted only then (a list of every line's letters was a tenth
    # of parsing).
    upper = all(c.isupper() for c in body if c.isalpha()) and sum(map(str.isalpha, body)) >= 4
    return upper or bool(SECTION_NUMBER.match(body))


def _wrapped_width(lines: list[_Line]) -> int:
    """The line width of hard-wrapped text, or 0 when the text is not hard-wrapped.

    Hard-wrapped: most non-blank lines are of about the same length and few are blank.
    """
    lengths = sorted(len(ln.stripped) for ln in lines if ln.stripped)
    if len(lengths) < WRAPPED_MIN_LINES:
        return 0
    width = lengths[int(len(lengths) * 0.9)]
    near = sum(n >= WRAPPED_SHORT_SHARE * width for n in lengths)
    blank = sum(not ln.stripped for ln in lines)
    return width if near >= len(lengths) / 2 and blank < len(lengths) / 4 else 0


def _ends_wrapped_paragraph(current: _Draft, body: str, width: int) -> bool:
    """In hard-wrapped text, a short line ends its paragraph if it ends a sentence or titles a
    full line (a heading); short lines in a row (an address, a signature) stay together."""
    last = current.last_text
    if not width or not body[:1].isupper():
        return False
    ends_sentence = last.endswith((*TERMINAL, ":"))
    short = len(last) < WRAPPED_SHORT_SHARE * width
    full = len(body) >= WRAPPED_SHORT_SHARE * width
    return short and (ends_sentence or full)  # after a sentence's end, or after a title


def _page_break_form(previous_text: str, body: str, current: _Draft | None) -> str:
    """A line that starts with a space follows a page break or is an unmarked bullet."""
    starts_upper = body[:1].isupper()
    if starts_upper and (previous_text.endswith(":") or (current and current.form == "bullet")):
        return "bullet"
    if current is None or (previous_text.endswith(TERMINAL) and starts_upper):
        return "paragraph"
    return "continuation"


def _ends_numbered_title(current: _Draft, body: str) -> bool:
    """'1. Öka kunskapen om rasism' then 'Det här …' on the next line: a title and its text."""
    title = current.last_text
    return (
        current.form == "numbered"
        and len(current.lines) == 1
        and len(title) <= SUBHEADING_MAX_CHARS
        and not title.endswith((*TERMINAL, ",", ":", ";", "-"))
        and body[:1].isupper()
    )


def _promote_subheadings(drafts: list[_Draft], lang: Language) -> list[_Draft]:
    """Headings by form, and short stand-alone lines followed by a paragraph, become headings.

    Inside a section that holds sub-headings (Ärendet, Bakgrund …) they name a subsection;
    elsewhere they open a section of their own ("other:<title>").
    """
    result: list[_Draft] = []
    renamed: str | None = None
    sub: str | None = None
    for index, draft in enumerate(drafts):
        nxt = drafts[index + 1] if index + 1 < len(drafts) else None
        if draft.form == "heading":
            renamed, sub = None, None
        elif draft.form == "subheading" or _looks_like_subheading(draft, nxt):
            title = heading_title(draft.text)
            standard = lang.section(draft.section)
            if standard is not None and standard.contains_subheadings:
                sub = title
            else:
                renamed = "other:" + title
                sub = None
            result.append(_Draft("heading", draft.lines, renamed or draft.section, sub or ""))
            continue
        if renamed:
            draft.section = renamed
        if sub is not None:
            draft.subsection = sub
        result.append(draft)
    return result


def heading_title(text: str) -> str:
    """A heading's text without markdown marks or a trailing colon."""
    return text.lstrip("#").strip().rstrip(":").strip()


def _looks_like_subheading(draft: _Draft, nxt: _Draft | None) -> bool:
    text = draft.text
    return (
        draft.form == "paragraph"
        and len(draft.lines) == 1
        and len(text) <= SUBHEADING_MAX_CHARS
        and text[:1].isupper()
        and not text.endswith((*TERMINAL, ":", ",", ";"))
        and nxt is not None
        and nxt.form in ("paragraph", "bullet")
        and (len(nxt.text) >= SUBHEADING_NEXT_MIN_CHARS or nxt.text.endswith("."))
    )


def _merge_broken(drafts: list[_Draft]) -> list[_Draft]:
    """Rejoin text broken by a page break or by a lead-in whose list finishes its sentence.

    A line with its own bullet glyph after another bullet starts a new item, lower-case or not.
    """
    result: list[_Draft] = []
    for draft in drafts:
        prev = result[-1] if result else None
        if (
            prev is not None
            and prev.form in ("paragraph", "bullet", "numbered")
            and draft.form in ("paragraph", "bullet")
            and prev.section == draft.section
            and not prev.last_text.endswith((*TERMINAL, ":"))
            and draft.text[:1].islower()
            and not (prev.form == draft.form == "bullet" and strip_marker(draft.lines[0].text)[0])
        ):
            prev.lines.extend(draft.lines)
            continue
        result.append(draft)
    return result


def _mark_unmarked_lists(drafts: list[_Draft]) -> list[_Draft]:
    """Short stand-alone lines right after a lead-in ending with ':' are unmarked list items.

    A list with its own bullets ends the run, so a heading after a bulleted list stays a heading.
    """
    in_list = False
    for draft in drafts:
        lead_in = draft.text.endswith(":")
        short = len(draft.lines) <= SHORT_LIST_ITEM_MAX_LINES and not draft.text.endswith(".")
        if in_list and draft.form == "paragraph" and short and not lead_in:
            draft.form = "bullet"
        else:
            in_list = lead_in
    return drafts


def _split_signatures(drafts: list[_Draft], lang: Language) -> tuple[list[_Draft], list[_Draft]]:
    """(content, signatures): names and titles under a signature are not content."""
    kept: list[_Draft] = []
    signatures: list[_Draft] = []
    for d in drafts:
        signature = (
            d.form == "paragraph"
            and len(d.lines) <= 4
            and not d.text.endswith(TERMINAL)
            and bool(lang.signature_titles.search(fold(d.text)))
        )
        (signatures if signature else kept).append(d)
    return kept, signatures


def _to_block(text: str, draft: _Draft) -> Block:
    start = draft.lines[0].start
    end = draft.lines[-1].end
    raw = text[start:end]
    joined, cleaned = draft.cleaned
    # the rules' text is the block's unless a line was changed (a form feed) or skipped
    clean, where = cleaned if raw == joined else clean_with_map(raw)
    if where:
        start, end = _span_of_content(draft.lines, start + where[0], start + where[-1] + 1)
    return Block(
        section=draft.section,
        subsection=draft.subsection,
        form=draft.form,  # type: ignore[arg-type]
        raw_start=start,
        raw_end=end,
        text=clean,
        level=draft.level,
    )


def _span_of_content(lines: list[_Line], first: int, last: int) -> tuple[int, int]:
    """The block's span: from its first to its last clean character (markers and bold marks
    at the edges are not the block's text), except that a first or last line giving no clean
    character at all (a line of bold marks alone, "**") is still covered, so that no line of
    the document falls outside every block and skip (found by tests/test_reader.py's
    every-line property)."""
    content = [ln for ln in lines if ln.stripped]
    head, tail = content[0], content[-1]
    if first >= head.end:
        first = head.start + len(head.text) - len(head.text.lstrip())
    if last <= tail.start:
        last = tail.start + len(tail.text.rstrip())
    return first, last


def section_label(key: str, code: str = "sv") -> str:
    """The label of a section key in the document's language, as shown to readers."""
    if key.startswith("other:"):
        return key.removeprefix("other:")
    section = language(code).section(key)
    return section.label if section is not None else key
