"""Parse stage: `SourceText` → `ParsedDocument` (sections by the standard headings, blocks).

Swedish case papers (tjänsteutlåtande, tjänsteskrivelse) share a set of headings — Förslag till
beslut, Sammanfattning, Bakgrund, Ärendet, Ärendets beredning, Förvaltningens synpunkter och
förslag, Bilagor — which survive OCR in recognisable forms ("Arendet", "Forvaltningens forslag
till beslut"). Headings are matched on a diacritics-free form of the line, so garbled and clean
documents parse alike.

The text that PDF extraction and OCR leave behind is messy in predictable ways: page footers
("Sida 5 (5)", "Dnr 2024-22672", a running title), bullets as Word-symbol glyphs, "e" (an OCR'd
•) or a bare leading space, paragraphs broken across pages, words hyphenated at line ends. Each
of those has one rule below. Offsets always refer to the source text; the cleaned text of a
block is derived from it and never the other way round.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from etl.model import Block, ParsedDocument, SourceText

# Standard headings: section key → (Swedish label, pattern on the diacritics-free lower-case line).
STANDARD_HEADINGS: dict[str, tuple[str, re.Pattern[str]]] = {
    key: (label, re.compile(pattern))
    for key, label, pattern in (
        ("forslag", "Förslag till beslut", r"^([a-z-]+s )?forslag till beslut$"),
        ("sammanfattning", "Sammanfattning", r"^sammanfattning$"),
        ("bakgrund", "Bakgrund", r"^bakgrund$"),
        ("arendet", "Ärendet", r"^arendet$"),
        ("beredning", "Ärendets beredning", r"^arendets beredning$"),
        (
            "synpunkter",
            "Förvaltningens synpunkter och förslag",
            r"^([a-z-]*(forvaltningens|namndens|kontorets) )?"
            r"(synpunkter( och forslag)?|bedomning)$",
        ),
        ("bilagor", "Bilagor", r"^bilag(a|or)$"),
        ("beslutsunderlag", "Beslutsunderlag", r"^beslutsunderlag$"),
        ("beslutsplanering", "Beslutsplanering", r"^beslutsplanering$"),
        ("skickas", "Beslutet skickas till", r"^beslutet skickas till$"),
        ("uppdraget", "Uppdraget", r"^uppdraget$"),
        ("ansvariga", "Ansvariga", r"^ansvariga$"),
        ("referens", "Vår referens", r"^(var referens|datum)$"),
    )
}
# Sections whose own sub-headings ("Genomförande", "Programmets innehåll") stay inside them.
CONTAINER_SECTIONS = frozenset({"bakgrund", "arendet", "synpunkter"})

FURNITURE_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"^sida \d+ ?\(\d+\)$",  # "Sida 5 (5)"
        r"^\d+ ?\(\d+\)$",  # "5 (5)"
        r"^\d{1,3}$",  # a bare page number
        r"^(tjansteutlatande|tjansteskrivelse)$",  # running document-type header
        r"^dnr [\w ./:-]+$",  # running registration number
    )
)
SIGNATURE_TITLE = re.compile(r"(chef|direktor|handlaggare|samordnare)\b")

# Bullet glyphs: ASCII and typographic ones, Word's private-use symbols, and "e" — how OCR reads •.
BULLET = re.compile(r"^(\s*)([-–•▪●◦○■□➢✓*\uf000-\uf8ff]|e(?= [A-ZÅÄÖ0-9]))\s+(?=\S)")
NUMBERED = re.compile(r"^(\s*)\d{1,2}[.)]\s+(?=\S)")
TERMINAL = (".", "!", "?", "”", '"', "’", ")")
# A short stand-alone line followed by a long paragraph or a full sentence is a heading the
# standard list lacks.
SUBHEADING_MAX_CHARS = 70
SUBHEADING_NEXT_MIN_CHARS = 150  # measured: list items after a lead-in are all shorter
SHORT_LIST_ITEM_MAX_LINES = 2


def fold(text: str) -> str:
    """Lower case without diacritics or markup: the form headings and furniture are matched on."""
    decomposed = unicodedata.normalize("NFKD", text.replace("**", "").lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass
class _Line:
    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()


@dataclass
class _Draft:
    """A block while it is being assembled: line spans and how it started."""

    form: str
    lines: list[_Line]
    section: str
    subsection: str
    level: int = 0

    @property
    def text(self) -> str:
        return clean_lines([ln.text for ln in self.lines])

    @property
    def last_text(self) -> str:
        return self.lines[-1].stripped


def _lines(text: str) -> Iterator[_Line]:
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        yield _Line(pos, pos + len(body), body.replace("\f", " "))
        pos += len(raw)


def standard_section(line: str) -> str | None:
    """The section key of a standard heading line, or None."""
    folded = fold(line)
    if len(folded) > SUBHEADING_MAX_CHARS:
        return None
    for key, (_, pattern) in STANDARD_HEADINGS.items():
        if pattern.match(folded):
            return key
    return None


def _is_furniture(line: str, running_title: str) -> bool:
    folded = fold(line)
    if not folded:
        return False
    return folded == running_title or any(p.match(folded) for p in FURNITURE_PATTERNS)


def strip_marker(line: str) -> tuple[str, str]:
    """('bullet'|'numbered'|'', text without the marker)."""
    for form, pattern in (("bullet", BULLET), ("numbered", NUMBERED)):
        match = pattern.match(line)
        if match:
            return form, line[match.end() :]
    return "", line


def clean_lines(lines: list[str]) -> str:
    """Joined, readable text: markers, bold marks and line-end hyphenation removed."""
    return clean_with_map("\n".join(lines))[0]


def clean_with_map(raw: str) -> tuple[str, list[int]]:
    """Raw block text → (clean text, offset in `raw` of every clean character).

    The map lets a later stage cut a block into sentences and still give each its exact raw span.
    """
    chars: list[tuple[str, int]] = []
    pos = 0
    for line in raw.split("\n"):
        start = pos
        pos += len(line) + 1
        body = line.strip()
        offset = start + len(line) - len(line.lstrip())
        if not chars:
            _, unmarked = strip_marker(body)
            offset += len(body) - len(unmarked)
            body = unmarked
        if not body:
            continue
        if chars and chars[-1][0] == "-" and _hyphenated(chars, body):
            chars.pop()
        elif chars and chars[-1][0] != "-":
            chars.append((" ", start - 1))
        chars += [(char, offset + i) for i, char in enumerate(body.replace("**", "\0\0"))]
    kept = [(c, w) for c, w in chars if c != "\0"]
    while kept and kept[-1][0].isspace():
        kept.pop()
    while kept and kept[0][0].isspace():
        kept.pop(0)
    return "".join(c for c, _ in kept), [w for _, w in kept]


def _hyphenated(chars: list[tuple[str, int]], next_line: str) -> bool:
    """'samhälls-' + 'uppgifter' is one word; 'MR-' + 'programmet', '434-' + '21' keep the dash."""
    return len(chars) > 1 and chars[-2][0].islower() and next_line[:1].islower()


def parse_document(source: SourceText) -> ParsedDocument:
    """Split a document into sections and blocks; see the module docstring for the rules."""
    lines = list(_lines(source.text))
    first = next((ln.stripped for ln in lines if ln.stripped), "")
    running_title = fold(first)
    drafts: list[_Draft] = []
    section, subsection = "", ""
    current: _Draft | None = None
    previous_text = ""  # the last non-blank content line, across blank lines
    for index, line in enumerate(lines):
        body = line.stripped
        if not body:
            current = None
            continue
        if index > 0 and _is_furniture(body, running_title):
            continue
        key = standard_section(body)
        if key is not None:
            section, subsection, current = key, "", None
            drafts.append(_Draft("heading", [line], section, ""))
            previous_text = ""
            continue
        form, _ = strip_marker(line.text)
        if line.text[:1].isspace() and not form:
            form = _page_break_form(previous_text, body, current)
            if form == "continuation" and current is not None:
                current.lines.append(line)
                previous_text = body
                continue
        elif current is not None and _ends_numbered_title(current, body):
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
    drafts = _drop_signatures(_promote_subheadings(drafts))
    blocks = tuple(_to_block(source.text, d) for d in drafts)
    sections = tuple(dict.fromkeys(b.section for b in blocks if b.section))
    return ParsedDocument(source=source, sections=sections, blocks=blocks)


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


def _promote_subheadings(drafts: list[_Draft]) -> list[_Draft]:
    """Short stand-alone lines followed by a long paragraph become (sub)section headings."""
    result: list[_Draft] = []
    section_label: dict[str, str] = {}
    renamed: str | None = None
    sub: str | None = None
    for index, draft in enumerate(drafts):
        nxt = drafts[index + 1] if index + 1 < len(drafts) else None
        if draft.form == "heading":
            renamed, sub = None, None
        elif _looks_like_subheading(draft, nxt):
            title = draft.text
            if draft.section in CONTAINER_SECTIONS:
                sub = title
            else:
                renamed = "other:" + title
                section_label[renamed] = title
                sub = None
            result.append(_Draft("heading", draft.lines, renamed or draft.section, sub or ""))
            continue
        if renamed:
            draft.section = renamed
        if sub is not None:
            draft.subsection = sub
        result.append(draft)
    return result


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
        and draft.section != ""
    )


def _merge_broken(drafts: list[_Draft]) -> list[_Draft]:
    """Rejoin text broken by a page break or by a lead-in whose list finishes its sentence."""
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


def _drop_signatures(drafts: list[_Draft]) -> list[_Draft]:
    """Names and titles under a signature are not content."""
    return [
        d
        for d in drafts
        if not (
            d.form == "paragraph"
            and len(d.lines) <= 4
            and not d.text.endswith(TERMINAL)
            and SIGNATURE_TITLE.search(fold(d.text))
        )
    ]


def _to_block(text: str, draft: _Draft) -> Block:
    start = draft.lines[0].start
    end = draft.lines[-1].end
    raw = text[start:end]
    clean, where = clean_with_map(raw)
    if where:
        start, end = start + where[0], start + where[-1] + 1
    return Block(
        section=draft.section,
        subsection=draft.subsection,
        form=draft.form,  # type: ignore[arg-type]
        raw_start=start,
        raw_end=end,
        text=clean,
        level=draft.level,
    )


def section_label(key: str) -> str:
    """The Swedish label of a section key, as shown to readers."""
    if key.startswith("other:"):
        return key.removeprefix("other:")
    return STANDARD_HEADINGS[key][0] if key in STANDARD_HEADINGS else key
