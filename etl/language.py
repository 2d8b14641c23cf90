"""Language data: data/language/<lang>.toml → checked, compiled rules for the reader.

The reader's knowledge of Swedish and English — section headings, boilerplate lines, marker
words — is kept in data files a language-savvy colleague can edit without Python. This module
loads them once, checks every key and pattern, and names the file, line and key of a mistake.
It also tells which language a text is in.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from etl.model import DOCUMENT_LANGUAGES
from etl.paths import ROOT
from etl.text import fold, fold_words

LANGUAGE_DIR = ROOT / "data" / "language"
LANGUAGES = DOCUMENT_LANGUAGES
DEFAULT_LANGUAGE = "sv"
SECTION_ROLES = ("decision", "summary", "policy", "voice", "procedure", "content")
LINE_KINDS = ("boilerplate", "furniture", "contact")
# Frequent words separate Swedish from English reliably within a few lines; the first 5,000
# words are plenty and keep detection cheap on long documents.
DETECT_WORDS = 5000
MARKERS = (
    "recommendation",
    "response",
    "stance",
    "activity",
    "anaphoric",
    "procedural_talk",
    "decision_formula",
    "policy_words",
    "conclusion_heading",
    "administration_subject",
    "announcement",
    "quote_attribution",
    "deed",
    "effort_subject",
    "component",
    "document_subject",
    "decision_point",
    "decision_lead",
    "list_lead",
)
# Markers that carry their own anchors ("…:$", "…, säger Heidi.$") instead of word boundaries.
ANCHORED_MARKERS = frozenset({"announcement", "quote_attribution", "decision_lead"})
# Marker answers remembered per language before the memo starts afresh: the questions repeat
# within a document (63 distinct ones per document on 200 generated documents), so a few
# thousand cover the longest document while a long-running app's memo stays small.
MARKER_MEMO_ENTRIES = 8192
# The reader joins the whole-line patterns of a kind into one alternation (etl/parse.py), where
# a named group would clash and a back-reference (\1) would point into another pattern.
GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P[<=]")


class LanguageDataError(ValueError):
    """A language file that cannot be used; the message names the file, line and key."""


@dataclass(frozen=True)
class Section:
    """A standard section heading: its key, label, whole-line pattern and role."""

    key: str
    label: str
    pattern: re.Pattern[str]
    role: str
    contains_subheadings: bool


@dataclass(frozen=True)
class Language:
    """One language's compiled rules."""

    code: str
    detect_words: frozenset[str]
    sections: tuple[Section, ...]
    lines: dict[str, tuple[re.Pattern[str], ...]]
    signature_titles: re.Pattern[str]
    markers: dict[str, re.Pattern[str]]

    def section(self, key: str) -> Section | None:
        """The standard section with this key, or None (an "other:" section, the preamble)."""
        return self._sections_by_key.get(key)

    @cached_property
    def _sections_by_key(self) -> dict[str, Section]:
        """The reader asks for a block's section at every rule (40,000 times on 100 documents)."""
        return {s.key: s for s in self.sections}  # keys of one TOML table: unique

    def heading_section(self, folded: str) -> Section | None:
        """The first standard section (in file order) whose whole-line pattern matches the folded
        line, or None.

        One alternation, one group per section, tried in file order at one call: the reader
        asks this of every line, and a match per section was half of its regular-expression
        calls (515,000 on 200 generated documents).
        """
        match = self._headings.match(folded)
        return self.sections[int(match.lastgroup[1:])] if match and match.lastgroup else None

    @cached_property
    def _headings(self) -> re.Pattern[str]:
        # Whole-line patterns name no group and refer back to none (`GROUP_REFERENCE`), so
        # the outer group `s<n>` is the last to close and names the section that matched.
        return re.compile(
            "|".join(f"(?P<s{n}>{s.pattern.pattern})" for n, s in enumerate(self.sections))
        )

    def role(self, key: str) -> str:
        """What a section holds (see SECTION_ROLES); "content" for any non-standard one."""
        section = self.section(key)
        return section.role if section is not None else "content"

    def marker(self, name: str, folded: str) -> bool:
        """Whether the marker `name` occurs in the folded text."""
        return self._asked(name, folded, anywhere=True)

    def opens_with(self, name: str, folded: str) -> bool:
        """Whether the folded text begins with the marker `name`."""
        return self._asked(name, folded, anywhere=False)

    def _asked(self, name: str, folded: str, anywhere: bool) -> bool:
        """A marker's answer, remembered: the reader asks the same marker of the same text
        from several rules (a block as a passage, as the next block's lead-in, as a list
        item), 47,681 questions for 12,687 distinct ones on 200 generated documents, and
        the searches were most of the extract stage's time."""
        key = (name, folded, anywhere)
        memo = self._marker_memo
        found = memo.get(key)
        if found is None:
            pattern = self.markers[name]
            found = bool(pattern.search(folded) if anywhere else pattern.match(folded))
            if len(memo) >= MARKER_MEMO_ENTRIES:
                memo.clear()
            memo[key] = found
        return found

    @cached_property
    def _marker_memo(self) -> dict[tuple[str, str, bool], bool]:
        return {}


@cache
def language(code: str) -> Language:
    """The rules of language `code` (sv, en), loaded from its file once."""
    if code not in LANGUAGES:
        raise LanguageDataError(f"no language data for {code!r}; known: {', '.join(LANGUAGES)}")
    return load_language(LANGUAGE_DIR / f"{code}.toml")


def load_language(path: Path) -> Language:
    """Read and check one language file."""
    source = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise LanguageDataError(f"{path.name}: {error}") from None
    checker = _Checker(path.name, source)
    words = checker.strings(data, "detect", "words")
    sections = tuple(
        checker.section(key, value)
        for key, value in checker.table(data, "sections", required=True).items()
    )
    lines_table = checker.table(data, "lines", required=True)
    lines = {
        kind: tuple(
            checker.pattern(p, f"lines.{kind}", whole_line=True)
            for p in checker.strings(data, "lines", kind)
        )
        for kind in LINE_KINDS
    }
    signature = checker.pattern(
        checker.string(lines_table, "signature_titles", "lines"), "lines.signature_titles"
    )
    markers_table = checker.table(data, "markers", required=True)
    markers = {
        name: checker.pattern(
            checker.alternatives(markers_table, name, "markers"),
            f"markers.{name}",
            word=name not in ANCHORED_MARKERS,
        )
        for name in MARKERS
    }
    return Language(path.stem, frozenset(words), sections, lines, signature, markers)


@dataclass(frozen=True)
class _Checker:
    """Checks values and names the file, the key and (where it can be found) the line."""

    file: str
    source: str

    def fail(self, key: str, problem: str, needle: str = "") -> LanguageDataError:
        line = self._line_of(needle or key.split(".")[-1])
        where = f"{self.file} line {line}" if line else self.file
        return LanguageDataError(f"{where}, {key}: {problem}")

    def _line_of(self, needle: str) -> int:
        for number, text in enumerate(self.source.splitlines(), start=1):
            if needle and needle in text:
                return number
        return 0

    def table(self, data: dict[str, object], key: str, required: bool = False) -> dict[str, object]:
        value = data.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "missing table" if value is None else "must be a table")
        return value

    def string(self, table: dict[str, object], key: str, parent: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{parent}.{key}", "missing" if value is None else "must be a text")
        return value

    def alternatives(self, table: dict[str, object], key: str, parent: str) -> str:
        """A marker: one pattern, or a list of alternatives (each can carry its own comment)."""
        value = table.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return "|".join(f"(?:{v})" for v in value)
        if isinstance(value, list):
            raise self.fail(f"{parent}.{key}", "must be a text or a list of texts")
        return self.string(table, key, parent)

    def strings(self, data: dict[str, object], table_key: str, key: str) -> list[str]:
        value = self.table(data, table_key, required=True).get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{table_key}.{key}", "must be a list of texts")
        return list(value)

    def pattern(
        self, text: str, key: str, whole_line: bool = False, word: bool = False
    ) -> re.Pattern[str]:
        if any(c != fold(c) for c in text if not c.isspace() and c != "*"):
            raise self.fail(key, f"{text!r} is not folded (write {fold(text)!r})", text)
        if whole_line and GROUP_REFERENCE.search(text):
            raise self.fail(
                key, f"{text!r}: a whole-line pattern cannot name or refer back to a group", text
            )
        body = f"^(?:{text})$" if whole_line else (rf"\b(?:{text})\b" if word else text)
        try:
            return re.compile(body)
        except re.error as error:
            raise self.fail(key, f"{text!r} is not a valid pattern: {error}", text) from None

    def section(self, key: str, value: object) -> Section:
        name = f"sections.{key}"
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table")
        role = self.string(value, "role", name)
        if role not in SECTION_ROLES:
            raise self.fail(f"{name}.role", f"{role!r} is not one of {', '.join(SECTION_ROLES)}")
        subheadings = value.get("contains_subheadings", False)
        if not isinstance(subheadings, bool):
            raise self.fail(f"{name}.contains_subheadings", "must be true or false")
        pattern = self.pattern(self.string(value, "pattern", name), name, whole_line=True)
        return Section(key, self.string(value, "label", name), pattern, role, subheadings)


def detect_language(text: str) -> str:
    """The language (sv, en) whose frequent words occur most often in `text`; Swedish on a tie.

    Frequent function words separate Swedish from English reliably on a few lines of text; the
    first 5,000 words are enough and keep the cost flat for long documents.
    """
    words = fold_words(text, DETECT_WORDS)
    hits = {code: sum(map(language(code).detect_words.__contains__, words)) for code in LANGUAGES}
    best = max(LANGUAGES, key=lambda code: (hits[code], code == DEFAULT_LANGUAGE))
    return best
