"""Restore å/ä/ö in Swedish documents whose OCR lost them.

Two corpus documents came out of OCR with every å, ä and ö replaced by look-alikes ("stirka",
"&r", "6ka", "ménskliga", "{6r") or simply stripped ("for", "pa", "fran"). Downstream stages
match and quote words, so they need the real spelling. This is a small noisy-channel corrector:
each token is expanded into the spellings its OCR confusions allow, every spelling is scored by
Swedish word frequency (wordfreq plus the corpus's clean documents) plus the log-probability of the
confusions it assumes, compounds the lexicon lacks are split into known parts, and a handful of
context rules settle the pairs that frequency alone cannot (är/år, bor/bör, 1/i).

The language knowledge (which characters OCR put for which letters and at what cost, the
function words, the context pairs) is data in data/language/sv-ocr.toml, checked on load; this
module holds the model and its measured weights.

Everything that is not a restored letter is left byte-for-byte as it was.
"""

from __future__ import annotations

import math
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import repeat
from operator import add, mul
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from etl.errors import InputError
from etl.model import ParsedDocument
from etl.parse import clean_with_map
from etl.paths import ROOT

# The OCR confusions and context rules of Swedish: a language file, edited without Python.
OCR_RULES_FILE = ROOT / "data" / "language" / "sv-ocr.toml"

# Share of word tokens that must be Swedish function words before a text counts as Swedish
# prose; Swedish prose runs at 25-35 %, English text with a stray "for"/"den" stays far below.
MIN_SWEDISH_SHARE = 0.15

# Clean Swedish has å/ä/ö in roughly a fifth of its words (001: 21 %, 004: 19 %); below 1 % the
# letters were lost rather than merely rare.
MAX_DIACRITIC_SHARE = 0.01

# Fewer words than this give no reliable shares, so such texts are left alone.
MIN_WORDS_FOR_DETECTION = 8

# Weight of the domain (clean documents') distribution in the mixed unigram model: small enough
# that general Swedish still decides, large enough that municipal vocabulary ("stöd", "berör")
# beats its everyday look-alikes ("stod", "beror").
DOMAIN_WEIGHT = 0.2

# Zipf frequency is log10(per-billion); this converts a probability to that scale.
ZIPF_OFFSET = 9.0

# The corrector reads one or two observed characters as one intended letter ("é" → "ä",
# "d4" → "ä"); longer confusions would multiply the spellings tried per token.
MAX_CONFUSION_CHARS = 2

# Prune spellings whose assumed confusions are jointly this improbable (log10).
MAX_CHANNEL_COST = -4.0

# Bound on skeleton variants per substring; the longest garbled words need a few hundred.
MAX_VARIANTS = 2000
# Token analyses kept per lexicon before the memo starts afresh. Measured on the generated
# 1,000-document corpus (199 OCR-damaged documents): 33,805 analyses in 8 MB; on the 100-document
# one the memo cut repair from 5.9 to 2.4 s. 250,000 keeps a worker's memo near 60 MB.
MAX_MEMO_ENTRIES = 250_000

# Score of a token the lexicon does not know (a name, a rare compound). In a document that lost
# its diacritics an unknown token is far more often garbled than genuinely rare, so even a rare
# lexicon reading ("verksamhetsområdet", zipf 1.9, after two confusions) should beat it.
UNKNOWN_SCORE = -1.5

# A compound is scored as the product of its parts' probabilities (each part costs roughly
# 9 - zipf), which makes every extra part expensive and so favours "service|nämnden" over
# "service|namn|den". This bonus lifts real compounds above an unknown token (UNKNOWN_SCORE);
# compounds are only tried when no whole-word reading exists.
COMPOUND_BONUS = 4.0

# Function words would otherwise make cheap compound parts ("den", "och"); cap a part's zipf.
MAX_PART_ZIPF = 5.5

# Compound parts shorter than this or rarer than this zipf are noise ("om", "ra").
MIN_PART_LEN = 3
MIN_PART_ZIPF = 1.0

# A form read from its stem (a derivation ending, or a genitive -s when the whole form has no
# reading at all; otherwise "berors" would beat "berörs" via the verb "beror") scores this lower.
DERIVATION_PENALTY = 1.0

# A common word that reads as another common word is rarely an OCR error when it is long; short
# ones ("for", "pa", "na") are the usual stripped spellings. Long known words therefore get this
# head start over their diacritic look-alikes ("hinder" stays, does not become "händer").
REAL_WORD_MIN_LEN = 4
REAL_WORD_MIN_ZIPF = 3.0
REAL_WORD_MARGIN = 0.7

# Longer tokens are not Swedish words (no compound in the corpus exceeds 30 letters); skipping them
# also bounds the work an adversarial input can cause.
MAX_TOKEN_LEN = 40

# All-caps tokens this short are acronyms (KS, MR, APT, R&D), never garbled words.
MAX_ACRONYM_LEN = 4

# E-mail addresses and URLs are copied verbatim: their letters are identifiers, not words.
PROTECTED_RE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")

# Numbers with more digits than this are years or case numbers, not counts of years.
MAX_COUNT_DIGITS = 2

# The sections of the rules file.
SECTIONS = "letters detection confusions initial_confusions morphology register context".split()

# The conditions a context pair may give, and which neighbour each looks at.
PAIR_CONDITIONS = {
    "if_previous_in": ("previous", True),
    "unless_previous_in": ("previous", False),
    "if_next_in": ("next", True),
    "unless_next_in": ("next", False),
}

Costs = dict[str, float]
# A confusion's intended letters grouped by skeleton letter: (skeleton letter, the best cost of
# the group, the group's letters with their costs), in the order the rules file gives them.
SkeletonOptions = tuple[tuple[str, float, Costs], ...]


def _by_skeleton(slot: Costs, skeleton: dict[int, str]) -> SkeletonOptions:
    """A confusion's intended letters grouped by the skeleton letter each becomes."""
    best: dict[str, float] = {}
    for intended, cost in slot.items():
        key = intended.translate(skeleton)
        best[key] = max(best.get(key, -99.0), cost)
    return tuple(
        (key, cost, {i: c for i, c in slot.items() if i.translate(skeleton) == key})
        for key, cost in best.items()
    )


@dataclass(frozen=True)
class ContextPair:
    """Take `instead` over the reading `reading` when the neighbouring word says so."""

    reading: str
    instead: str
    neighbour: str  # "previous" or "next"
    words: frozenset[str]
    when_found: bool  # True: when the neighbour is among `words`; False: when it is not
    or_after_count: bool = False  # a count ("3") before the word also says so

    def applies(self, previous: str, following: str) -> bool:
        if self.or_after_count and _small_number(previous):
            return True
        word = previous if self.neighbour == "previous" else following
        return (word in self.words) == self.when_found


@dataclass(frozen=True)
class OcrRules:
    """The contents of data/language/sv-ocr.toml, checked, in the shapes the corrector uses."""

    lost: dict[str, str]  # lost letter → the plain letter of its skeleton
    function_words: frozenset[str]
    confusions: dict[str, Costs]  # one or two observed characters → intended letter → cost
    initial_confusions: dict[str, Costs]  # the same, only at the start of a word
    derivation_suffixes: tuple[str, ...]
    linking_suffix: str
    register_penalties: dict[str, float]
    infinitive_markers: frozenset[str]
    pairs: tuple[ContextPair, ...]
    lone_digit: str
    lone_digit_word: str
    number_after: frozenset[str]
    number_before: frozenset[str]
    fragments: dict[str, str]

    @cached_property
    def diacritics(self) -> frozenset[str]:
        """The lost letters in both cases: their presence is what clean Swedish looks like."""
        return frozenset(self.lost) | {letter.upper() for letter in self.lost}

    @cached_property
    def skeleton(self) -> dict[int, str]:
        """Translation to the skeleton: the lexicon indexed without the lost letters, so the
        plain a/o of the OCR output need no enumeration and only real look-alikes multiply."""
        return str.maketrans(self.lost)

    @cached_property
    def confusable(self) -> frozenset[str]:
        """Characters that may stand for a lost letter; a token needs one to be worth analysing."""
        return frozenset("".join(self.confusions) + "".join(self.initial_confusions))

    @cached_property
    def digit_confusions(self) -> frozenset[str]:
        """Digits that OCR put for letters ("6ka", "f0r", "d4ven"); other digits mark codes."""
        return frozenset(c for c in self.confusable if c.isdigit())

    @cached_property
    def skeleton_confusions(self) -> dict[str, SkeletonOptions]:
        """`confusions` grouped by the skeleton letter each intended letter becomes: what the
        candidate search walks, prepared once instead of at every character of every token."""
        return {
            observed: _by_skeleton(slot, self.skeleton)
            for observed, slot in self.confusions.items()
        }

    @cached_property
    def skeleton_initial_confusions(self) -> dict[str, SkeletonOptions]:
        """`initial_confusions` grouped like `skeleton_confusions`."""
        return {
            observed: _by_skeleton(slot, self.skeleton)
            for observed, slot in self.initial_confusions.items()
        }

    @cached_property
    def _confusions_memo(self) -> dict[tuple[str, bool], list[tuple[int, SkeletonOptions]]]:
        return {}

    def confusions_at(self, ahead: str, initial: bool) -> list[tuple[int, SkeletonOptions]]:
        """What the characters `ahead` (one or two) of a position may stand for, at the start
        of a word or not: (characters read, their letters grouped by skeleton letter). Worked
        out once per pair of characters, not at every position of every token."""
        key = (ahead, initial)
        if key not in self._confusions_memo:
            self._confusions_memo[key] = self._confusions_ahead(ahead, initial)
        return self._confusions_memo[key]

    def _confusions_ahead(self, ahead: str, initial: bool) -> list[tuple[int, SkeletonOptions]]:
        confusions = self.skeleton_confusions
        starting = self.skeleton_initial_confusions if initial else {}
        options: list[tuple[int, SkeletonOptions]] = []
        # Two observed characters for one letter first, then one (MAX_CONFUSION_CHARS).
        if len(ahead) == 2:
            grouped = confusions.get(ahead) or starting.get(ahead)
            if grouped:
                options.append((2, grouped))
        char = ahead[:1]
        grouped = confusions.get(char) or starting.get(char)
        if not grouped:  # a character with no confusion is itself
            grouped = _by_skeleton({char: 0.0}, self.skeleton)
        options.append((1, grouped))
        return options

    @cached_property
    def pair_by_reading(self) -> dict[str, ContextPair]:
        """The context pair of each reading (a reading has one pair: `parse_ocr_rules`)."""
        return {pair.reading: pair for pair in self.pairs}

    @cached_property
    def token_re(self) -> re.Pattern[str]:
        """Tokens: runs of letters and digits plus the other characters OCR put for letters.

        Written as runs of each kind in turn rather than one character of either kind at a
        time: the same tokens, found in 0.14 instead of 0.26 CPU s on 200 generated documents
        (this runs over every document, garbled or not).
        """
        extra = "".join(sorted(c for c in self.confusable if not c.isalnum()))
        if not extra:
            return re.compile(r"[^\W_]+")
        other = f"[{re.escape(extra)}]"
        return re.compile(rf"[^\W_]+(?:{other}+[^\W_]*)*|{other}+(?:[^\W_]+{other}*)*")


def load_ocr_rules(path: Path = OCR_RULES_FILE) -> OcrRules:
    """Read and check an OCR rules file; InputError names the file and the key to fix."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: OCR rules file not found; restore it from the repository"
        ) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the file and build again") from None
    return parse_ocr_rules(document, str(path))


def default_rules() -> OcrRules:
    """The shipped Swedish rules; read again only when the file has changed (a running app
    picks up a colleague's edit at its next build)."""
    try:
        changed = OCR_RULES_FILE.stat().st_mtime_ns
    except FileNotFoundError:
        return load_ocr_rules()  # raises the InputError that says what to restore
    return _rules_as_of(changed)


@lru_cache(maxsize=1)
def _rules_as_of(modified_ns: int) -> OcrRules:
    """The rules file as read at this modification time (the argument is the cache key)."""
    return load_ocr_rules()


class _Reader:
    """Typed access to a parsed TOML document; every complaint names the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(f"{self.source}: {key}: {problem}")

    def table(
        self, parent: dict[str, Any], key: str, where: str, keys: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The table `key` of `parent`; with `keys`, any other key in it is a typo."""
        value = parent.get(key)
        name = f"{where}.{key}" if where else key
        if not isinstance(value, dict):
            raise self.fail(name, "missing or not a table; restore it from the repository")
        unknown = sorted(set(value) - set(keys)) if keys else []
        if unknown:
            raise self.fail(name, f"unknown key(s) {', '.join(unknown)}; use {', '.join(keys)}")
        return value

    def text(self, table: dict[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where}.{key}", "must be a non-empty text in quotes")
        return value

    def words(self, table: dict[str, Any], key: str, where: str) -> frozenset[str]:
        value = table.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.{key}", 'must be a list of words, e.g. ["och", "att"]')
        for word in value:
            if not isinstance(word, str) or not word or word != word.strip().lower():
                raise self.fail(f"{where}.{key}", f"{word!r} is not a lowercase word")
        return frozenset(value)

    def numbers(self, table: dict[str, Any], where: str, cost: bool) -> dict[str, float]:
        """Word → number; a cost is a log10 probability (0 or below), a penalty 0 or above."""
        out: dict[str, float] = {}
        for key, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(f"{where}.{key!r}", f"{value!r} is not a number")
            if (value > 0) if cost else (value < 0):
                kind = (
                    "a cost (log10 probability) is 0 or below"
                    if cost
                    else "a penalty is 0 or above"
                )
                raise self.fail(f"{where}.{key!r}", f"{value}: {kind}")
            out[key] = float(value)
        return out

    def confusions(self, table: dict[str, Any], where: str) -> dict[str, Costs]:
        out: dict[str, Costs] = {}
        for observed, intended in table.items():
            key = f"{where}.{observed!r}"
            if not 1 <= len(observed) <= MAX_CONFUSION_CHARS or observed != observed.lower():
                raise self.fail(key, "an observed spelling is one or two lowercase characters")
            if not isinstance(intended, dict) or not intended:
                raise self.fail(key, 'must map intended letters to costs, e.g. { "ä" = -0.6 }')
            for letter in intended:
                if len(letter) > 1:
                    raise self.fail(f"{key}.{letter!r}", "an intended letter is one character")
            out[observed] = self.numbers(intended, key, cost=True)
        return out

    def pair(self, entry: object, where: str) -> ContextPair:
        if not isinstance(entry, dict):
            raise self.fail(where, "must be a [[context.pair]] table")
        allowed = ("reading", "instead", *PAIR_CONDITIONS, "if_previous_is_count")
        unknown = sorted(set(entry) - set(allowed))
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}; use {', '.join(allowed)}")
        given = [c for c in PAIR_CONDITIONS if c in entry]
        if len(given) != 1:
            raise self.fail(where, f"give exactly one of {', '.join(PAIR_CONDITIONS)}")
        neighbour, when_found = PAIR_CONDITIONS[given[0]]
        after_count = entry.get("if_previous_is_count", False)
        if not isinstance(after_count, bool) or (after_count and given[0] != "if_previous_in"):
            raise self.fail(
                f"{where}.if_previous_is_count", "is true or false, and goes with if_previous_in"
            )
        return ContextPair(
            reading=self.text(entry, "reading", where),
            instead=self.text(entry, "instead", where),
            neighbour=neighbour,
            words=self.words(entry, given[0], where),
            when_found=when_found,
            or_after_count=after_count,
        )


def parse_ocr_rules(document: dict[str, Any], source: str = "sv-ocr.toml") -> OcrRules:
    """Check a parsed OCR rules file and return it as frozen data."""
    read = _Reader(source)
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise read.fail(", ".join(unknown), f"unknown section; the file has {', '.join(SECTIONS)}")
    lost = read.table(read.table(document, "letters", "", ("lost",)), "lost", "letters")
    for letter, plain in lost.items():
        if (
            len(letter) != 1
            or not letter.isalpha()
            or letter != letter.lower()
            or not isinstance(plain, str)
            or len(plain) != 1
            or not plain.isalpha()
            or plain in lost
        ):
            raise read.fail(
                f"letters.lost.{letter!r}",
                'map one letter to one plain letter that is not lost itself, e.g. "ä" = "a"',
            )
    detection = read.table(document, "detection", "", ("function_words",))
    confusions = read.confusions(read.table(document, "confusions", ""), "confusions")
    initial = read.confusions(read.table(document, "initial_confusions", ""), "initial_confusions")
    for observed in set(initial) & set(confusions):
        raise read.fail(f"initial_confusions.{observed!r}", "is already in [confusions]")
    morphology = read.table(document, "morphology", "", ("derivation_suffixes", "linking_suffix"))
    read.words(morphology, "derivation_suffixes", "morphology")
    register = read.table(document, "register", "", ("penalties",))
    context = read.table(
        document, "context", "", ("infinitive_markers", "pair", "lone_digit", "fragments")
    )
    entries = context.get("pair")
    if not isinstance(entries, list):
        raise read.fail("context.pair", "missing; give the pairs as [[context.pair]] tables")
    pairs = tuple(read.pair(e, f"context.pair[{n}]") for n, e in enumerate(entries, start=1))
    readings = [p.reading for p in pairs]
    for reading in {r for r in readings if readings.count(r) > 1}:
        raise read.fail("context.pair", f"reading {reading!r} has more than one pair; merge them")
    digit = read.table(
        context, "lone_digit", "context", ("digit", "word", "number_after", "number_before")
    )
    lone_digit = read.text(digit, "digit", "context.lone_digit")
    if len(lone_digit) != 1 or not lone_digit.isdigit():
        raise read.fail("context.lone_digit.digit", 'must be one digit in quotes, e.g. "1"')
    fragments = read.table(context, "fragments", "context")
    for fragment, word in fragments.items():
        if not isinstance(word, str) or not word:
            raise read.fail(f"context.fragments.{fragment!r}", "must map to the whole word")
    return OcrRules(
        lost=dict(lost),
        function_words=read.words(detection, "function_words", "detection"),
        confusions=confusions,
        initial_confusions=initial,
        derivation_suffixes=tuple(morphology["derivation_suffixes"]),
        linking_suffix=read.text(morphology, "linking_suffix", "morphology"),
        register_penalties=read.numbers(
            read.table(register, "penalties", "register"), "register.penalties", cost=False
        ),
        infinitive_markers=read.words(context, "infinitive_markers", "context"),
        pairs=pairs,
        lone_digit=lone_digit,
        lone_digit_word=read.text(digit, "word", "context.lone_digit"),
        number_after=read.words(digit, "number_after", "context.lone_digit"),
        number_before=read.words(digit, "number_before", "context.lone_digit"),
        fragments=dict(fragments),
    )


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Swedish word scores (zipf, general mixed with domain), their skeleton index, and the OCR
    rules they were built with."""

    zipf: dict[str, float]
    skeletons: dict[str, tuple[str, ...]]
    rules: OcrRules
    # The skeletons in order, for `starts_some_skeleton`: sorted once here (0.15 s) and kept in
    # the build cache with the rest, rather than again in every worker process.
    sorted_skeletons: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Lexicon({len(self.zipf)} words)"

    def score(self, word: str) -> float:
        """Zipf score of a lowercase word, 0 when unknown; informal words are damped."""
        return self.zipf.get(word, 0.0) - self.rules.register_penalties.get(word, 0.0)

    def starts_some_skeleton(self, prefix: str) -> bool:
        """Whether some word's skeleton begins with `prefix` (found by bisection)."""
        at = bisect_left(self.sorted_skeletons, prefix)
        return at < len(self.sorted_skeletons) and self.sorted_skeletons[at].startswith(prefix)


@lru_cache(maxsize=1)
def _general_frequencies() -> dict[str, float]:
    """wordfreq's Swedish list, alphabetic words only; cached because it is the same every run.

    wordfreq is imported here, not at the top: it costs 0.15 s, and a build whose lexicon comes
    from the build cache never reads its list.
    """
    from wordfreq import get_frequency_dict

    return {w: f for w, f in get_frequency_dict("sv", wordlist="large").items() if w.isalpha()}


def _words(text: str) -> Iterator[str]:
    """Lowercase alphabetic words of a text."""
    for match in re.finditer(r"[^\W\d_]+", text):
        yield match.group(0).lower()


def build_lexicon(clean_texts: Iterable[str], rules: OcrRules | None = None) -> Lexicon:
    """Mix wordfreq Swedish with the clean documents' own words, so municipal terms rank right.

    `rules` defaults to the shipped data/language/sv-ocr.toml.
    """
    return lexicon_from_counts(domain_word_counts(clean_texts), rules)


def domain_word_counts(clean_texts: Iterable[str]) -> Counter[str]:
    """How often each lowercase word occurs in clean documents: the lexicon's domain part."""
    return Counter(w for text in clean_texts for w in _words(text))


def lexicon_from_counts(domain: Mapping[str, int], rules: OcrRules | None = None) -> Lexicon:
    """wordfreq Swedish mixed with domain word counts (see `build_lexicon`).

    Each pass over the 336,000 words is one C-level call (`map`, `zip`, `str.replace` over all
    the words joined) rather than a Python statement per word: 2.5 → 1.75 CPU s after
    wordfreq's list is read (benchmarks/results/scale.md, "Repair, branch repair6").
    """
    rules = rules or default_rules()
    general = _general_frequencies()
    total = sum(domain.values())
    probs = dict(zip(general, map(mul, general.values(), repeat(1 - DOMAIN_WEIGHT)), strict=True))
    for word, count in domain.items():
        probs[word] = probs.get(word, 0.0) + DOMAIN_WEIGHT * count / total
    if probs and min(probs.values()) <= 0:  # a domain count of 0 or below adds no word
        probs = {word: p for word, p in probs.items() if p > 0}
    zipf = dict(
        zip(probs, map(add, map(math.log10, probs.values()), repeat(ZIPF_OFFSET)), strict=True)
    )
    words = list(zipf)
    skeletons = _skeletons(words, rules)
    index: dict[str, tuple[str, ...]] = dict(zip(skeletons, zip(words), strict=True))
    if len(index) < len(words):  # some words share a skeleton ("for", "för"): all of them
        shared = {skel for skel, word in zip(skeletons, words, strict=True) if skel != word}
        groups: dict[str, list[str]] = {}
        for skel, word in zip(skeletons, words, strict=True):
            if skel in shared:
                groups.setdefault(skel, []).append(word)
        index.update((skel, tuple(group)) for skel, group in groups.items() if len(group) > 1)
    return Lexicon(zipf=zipf, skeletons=index, rules=rules, sorted_skeletons=tuple(sorted(index)))


def _skeletons(words: list[str], rules: OcrRules) -> list[str]:
    """Each word's skeleton (`OcrRules.skeleton`), in order. One `str.replace` per lost letter
    over all the words joined by newlines: words and letters hold no newline, and a plain
    letter is never itself a lost letter (`parse_ocr_rules`), so replacing one letter after
    another is the same as translating each word (0.08 instead of 0.3 CPU s)."""
    joined = "\n".join(words)
    for letter, plain in rules.lost.items():
        joined = joined.replace(letter, plain)
    return joined.split("\n") if words else []


def read_domain_lexicon(domain_words: Path) -> Lexicon:
    """The build's repair lexicon: general Swedish plus the domain words file (a TSV of word
    and count; no file, no domain words). Here, beside the repair it shapes, so that its
    code is part of the repair stage's cache key (`etl.cache.code_digest`)."""
    counts: dict[str, int] = {}
    if domain_words.exists():
        for line in domain_words.read_text(encoding="utf-8").splitlines()[1:]:
            word, count = line.split("\t")
            counts[word] = int(count)
    return lexicon_from_counts(counts)


def needs_repair(text: str, rules: OcrRules | None = None) -> bool:
    """Swedish prose with (almost) no å/ä/ö has lost them: clean Swedish uses them constantly."""
    rules = rules or default_rules()
    # Set operations and `map` rather than a Python test per character: this runs on every
    # document and was a third of the repair stage (which leaves four in five alone).
    tokens = rules.token_re.findall(text)
    words = [t.lower() for t in tokens if t.isalpha() or any(map(str.isalpha, t))]
    if len(words) < MIN_WORDS_FOR_DETECTION:
        return False
    diacritics = rules.diacritics
    swedish = sum(map(rules.function_words.__contains__, words)) / len(words)
    with_diacritics = sum(not diacritics.isdisjoint(w) for w in words) / len(words)
    return swedish >= MIN_SWEDISH_SHARE and with_diacritics < MAX_DIACRITIC_SHARE


# One restored word: (start, end) of the garbled token in the text, and the word that replaces it.
Edit = tuple[int, int, str]

# --- candidate generation -------------------------------------------------------------------

Slot = dict[str, float]


def _variants(
    garbled: str, rules: OcrRules, starts_skeleton: Callable[[str], bool]
) -> list[tuple[str, tuple[Slot, ...]]]:
    """Skeleton spellings a lowercase garbled string may stand for, each with its slot costs.

    The search is depth-first over the confusions each position allows, and stops after
    MAX_VARIANTS spellings. It leaves out each branch whose spelling so far begins no word's
    skeleton: none of its spellings could be read as a word. Where the cap could cut the
    search, the spellings left out still count toward it (`_count_spellings`), so the
    spellings given are always those of the full search that the lexicon knows, in its order:
    the same readings, found without building the rest.
    """
    choices = [rules.confusions_at(garbled[pos : pos + 2], pos == 0) for pos in range(len(garbled))]
    capped: bool | None = None  # whether the cap could cut the search; asked at the first cut
    out: list[tuple[str, tuple[Slot, ...]]] = []
    searched = 0  # spellings of the full search passed: given, or left out with their branch
    counts: dict[tuple[int, float], int] = {}

    def walk(pos: int, skel: str, slots: tuple[Slot, ...], bound: float) -> None:
        nonlocal searched, capped
        if searched >= MAX_VARIANTS:
            return
        if pos == len(garbled):
            out.append((skel, slots))
            searched += 1
            return
        for width, grouped in choices[pos]:
            for key, best, sub in grouped:
                if bound + best < MAX_CHANNEL_COST:
                    continue
                if key and not starts_skeleton(skel + key):
                    if capped is None:
                        capped = _most_spellings(choices) > MAX_VARIANTS
                    if capped:
                        searched += _count_spellings(choices, pos + width, bound + best, counts)
                    continue
                next_slots = slots + (sub,) if key else slots
                walk(pos + width, skel + key, next_slots, bound + best)

    walk(0, "", (), 0.0)
    return out


Choices = list[list[tuple[int, SkeletonOptions]]]  # per position: (characters read, letters)


def _most_spellings(choices: Choices) -> int:
    """How many spellings the search could make at most, costs aside: when this is within
    MAX_VARIANTS, the cap cannot cut the search (most tokens: OCR confuses few letters)."""
    ways = [0] * len(choices) + [1]
    for pos in reversed(range(len(choices))):
        ways[pos] = sum(len(grouped) * ways[pos + width] for width, grouped in choices[pos])
    return ways[0]


def _count_spellings(
    choices: Choices, pos: int, bound: float, counts: dict[tuple[int, float], int]
) -> int:
    """How many spellings the full search makes from `pos` on with cost `bound` so far (at
    most MAX_VARIANTS): they depend on nothing else, so `counts` remembers them."""
    if pos == len(choices):
        return 1
    if (pos, bound) not in counts:
        total = 0
        for width, grouped in choices[pos]:
            for _, best, _ in grouped:
                if bound + best >= MAX_CHANNEL_COST and total < MAX_VARIANTS:
                    total += _count_spellings(choices, pos + width, bound + best, counts)
        counts[pos, bound] = min(total, MAX_VARIANTS)
    return counts[pos, bound]


def _readings(
    garbled: str, lexicon: Lexicon, starts_skeleton: Callable[[str], bool]
) -> dict[str, float]:
    """Lexicon words a lowercase garbled string can be read as, with their channel cost."""
    found: dict[str, float] = {}
    for skel, slots in _variants(garbled, lexicon.rules, starts_skeleton):
        for word in lexicon.skeletons.get(skel, ()):
            cost = 0.0
            for letter, slot in zip(word, slots, strict=True):
                if letter not in slot:
                    break
                cost += slot[letter]
            else:
                if cost > found.get(word, -99.0):
                    found[word] = cost
    return found


class _Corrector:
    """Memo of token analyses for one lexicon. An analysis depends on the token and the
    lexicon only, and the same garbled words recur from document to document, so the memo
    lives as long as its lexicon (`corrector_for`), not for one text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.reading_cache: dict[str, dict[str, float]] = {}
        self.part_cache: dict[str, tuple[str, float, float] | None] = {}
        self.word_cache: dict[str, dict[str, float]] = {}
        self.best_cache: dict[tuple[str, bool], str] = {}
        self.prefix_cache: dict[str, bool] = {}
        self.token_cache: dict[str, dict[str, float]] = {}

    def size(self) -> int:
        return (
            len(self.reading_cache)
            + len(self.part_cache)
            + len(self.word_cache)
            + len(self.best_cache)
            + len(self.prefix_cache)
            + len(self.token_cache)
        )

    def token_options(self, token: str) -> dict[str, float]:
        """`candidates` of a token as it stands in the text, or {} when it cannot be garbled.

        Remembered per token: a garbled document repeats its words, and the tests that set a
        clean token aside (length, no confusable character, an acronym, a code's digits) were
        a sixth of the repair stage when made at every occurrence (200 generated documents).
        """
        if token in self.token_cache:
            return self.token_cache[token]
        rules = self.lexicon.rules
        low = token.lower()
        garbled = (
            2 <= len(low) <= MAX_TOKEN_LEN
            and not rules.confusable.isdisjoint(low)
            and any(map(str.isalpha, low))
            and not _acronym(token)
            and not any(c.isdigit() and c not in rules.digit_confusions for c in low)
        )
        options = self.candidates(low) if garbled else {}
        self.token_cache[token] = options
        return options

    def starts_some_skeleton(self, prefix: str) -> bool:
        """`Lexicon.starts_some_skeleton`, remembered: the search asks the same short prefixes
        for token after token, and a look-up is cheaper than a bisection."""
        if prefix not in self.prefix_cache:
            self.prefix_cache[prefix] = self.lexicon.starts_some_skeleton(prefix)
        return self.prefix_cache[prefix]

    def readings(self, garbled: str) -> dict[str, float]:
        if garbled not in self.reading_cache:
            self.reading_cache[garbled] = _readings(
                garbled, self.lexicon, self.starts_some_skeleton
            )
        return self.reading_cache[garbled]

    def best_part(self, garbled: str) -> tuple[str, float, float] | None:
        """Best compound part for a substring: (word, zipf, channel cost); linking -s allowed."""
        if garbled in self.part_cache:
            return self.part_cache[garbled]
        best: tuple[str, float, float] | None = None
        forms = [(garbled, "")]
        link = self.lexicon.rules.linking_suffix
        if garbled.endswith(link) and len(garbled) > MIN_PART_LEN:
            forms.append((garbled[: -len(link)], link))
        for stem, link in forms:
            for word, cost in self.readings(stem).items():
                zipf = self.lexicon.score(word)
                if len(word) < MIN_PART_LEN or zipf < MIN_PART_ZIPF:
                    continue
                if best is None or zipf + cost > best[1] + best[2]:
                    best = (word + link, zipf, cost)
        self.part_cache[garbled] = best
        return best

    def compound(self, garbled: str) -> tuple[str, float] | None:
        """Best reading as two or three known parts (Swedish compounding)."""
        best: tuple[str, float] | None = None
        n = len(garbled)
        for i in range(MIN_PART_LEN, n - MIN_PART_LEN + 1):
            head = self.best_part(garbled[:i])
            if head is None:
                continue
            tails: list[list[tuple[str, float, float]]] = []
            last = self.best_part(garbled[i:])
            if last is not None:
                tails.append([last])
            for j in range(i + MIN_PART_LEN, n - MIN_PART_LEN + 1):
                mid, end = self.best_part(garbled[i:j]), self.best_part(garbled[j:])
                if mid is not None and end is not None:
                    tails.append([mid, end])
            for tail in tails:
                parts = [head, *tail]
                score = (
                    sum(min(p[1], MAX_PART_ZIPF) - ZIPF_OFFSET for p in parts)
                    + ZIPF_OFFSET
                    + sum(p[2] for p in parts)
                    + COMPOUND_BONUS
                )
                if best is None or score > best[1]:
                    best = ("".join(p[0] for p in parts), score)
        return best

    def candidates(self, garbled: str) -> dict[str, float]:
        """Readings of a lowercase token and their scores, best first; the token itself is
        always among them."""
        if garbled in self.word_cache:
            return self.word_cache[garbled]
        scored: dict[str, float] = {}

        def offer(word: str, score: float) -> None:
            if score > scored.get(word, -99.0):
                scored[word] = score

        for word, cost in self.readings(garbled).items():
            offer(word, self.lexicon.score(word) + cost)
        rules = self.lexicon.rules
        for suffix in rules.derivation_suffixes:
            stem = garbled[: -len(suffix)]
            if garbled.endswith(suffix) and len(stem) >= MIN_PART_LEN:
                for word, cost in self.readings(stem).items():
                    offer(word + suffix, self.lexicon.score(word) + cost - DERIVATION_PENALTY)
        link = rules.linking_suffix
        stem = garbled[: -len(link)]
        if not scored and garbled.endswith(link) and len(stem) >= MIN_PART_LEN:
            for word, cost in self.readings(stem).items():
                offer(word + link, self.lexicon.score(word) + cost - DERIVATION_PENALTY)
        if not scored and len(garbled) >= 2 * MIN_PART_LEN:
            split = self.compound(garbled)
            if split is not None:
                offer(split[0], split[1])
        scored[garbled] = max(scored.get(garbled, -99.0), UNKNOWN_SCORE)
        ranked = dict(sorted(scored.items(), key=lambda kv: -kv[1]))
        self.word_cache[garbled] = ranked
        return ranked

    def best(self, garbled: str, prev: str) -> str:
        """The highest-scoring reading, giving a long common identity word its real-word margin
        unless an infinitive marker comes before it ("att lasa" is "att läsa")."""
        key = (garbled, prev in self.lexicon.rules.infinitive_markers)
        if key not in self.best_cache:
            options = self.candidates(garbled)
            margin = 0.0
            score = self.lexicon.score(garbled)
            if len(garbled) >= REAL_WORD_MIN_LEN and score >= REAL_WORD_MIN_ZIPF and not key[1]:
                margin = REAL_WORD_MARGIN
            self.best_cache[key] = max(
                options, key=lambda w: options[w] + (margin if w == garbled else 0.0)
            )
        return self.best_cache[key]


_correctors: WeakKeyDictionary[Lexicon, _Corrector] = WeakKeyDictionary()


def corrector_for(lexicon: Lexicon) -> _Corrector:
    """The lexicon's memo of token analyses, emptied when it holds MAX_MEMO_ENTRIES."""
    corrector = _correctors.get(lexicon)
    if corrector is None or corrector.size() >= MAX_MEMO_ENTRIES:
        corrector = _correctors[lexicon] = _Corrector(lexicon)
    return corrector


# --- context and case -------------------------------------------------------------------------


def _apply_case(original: str, word: str, mid_sentence: bool, rules: OcrRules) -> str:
    """Give the restored word the original's casing; an initial O/A/G/Jj that was a lowercase
    ö/ä/å/j in the middle of a sentence goes back to lowercase."""
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if original[:1].isupper():
        lost_initial = word[:1] in rules.lost or any(
            original[: len(observed)] == observed.capitalize()
            for observed in rules.initial_confusions
        )
        rest_lower = all(not c.isupper() for c in original[1:])
        if lost_initial and rest_lower and mid_sentence:
            return word
        return word[:1].upper() + word[1:]
    return word


def _mid_sentence(text: str, start: int) -> bool:
    """True when the character before `start` shows we are inside a sentence, not at its start
    or after a bullet marker."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0:
        return False
    if text[i] == "\n":
        j = i - 1
        while j >= 0 and text[j] in " \t\r":
            j -= 1
        return j >= 0 and text[j] == ","
    line_start = text.rfind("\n", 0, i) + 1
    before = text[line_start : i + 1].strip()
    if len(before) == 1:
        return False
    return text[i] == "," or text[i].islower()


def _is_number(tokens: list[tuple[int, int, str]], k: int, text: str, rules: OcrRules) -> bool:
    """A lone digit ("1") is the number (list item, date, count) unless it sits between words."""
    start, end, _ = tokens[k]
    if text[end : end + 1] not in (" ", "\n") or k == 0 or k + 1 == len(tokens):
        return True
    _, prev_end, prev = tokens[k - 1]
    nxt_start, _, nxt = tokens[k + 1]
    line_start = text.rfind("\n", 0, start) + 1
    gap_before = text[prev_end:start]
    gap_after = text[end:nxt_start]
    if not prev.isalpha() or not nxt.isalpha():
        return True
    if gap_before.strip() or gap_after.strip():
        return True
    if start == line_start and nxt[:1].isupper():
        return True
    return prev.lower() in rules.number_after or nxt.lower() in rules.number_before


def _small_number(word: str) -> bool:
    """A count ("3 år"), as opposed to a year or a case number."""
    return word.isdigit() and len(word) <= MAX_COUNT_DIGITS


def _contextual(word: str, options: dict[str, float], prev: str, nxt: str, rules: OcrRules) -> str:
    """Settle the pairs frequency cannot (år/är, bör/bor, stöd/stod ...) by the neighbouring
    words, as the context pairs of the rules file say."""
    pair = rules.pair_by_reading.get(word)
    if pair is not None and pair.instead in options and pair.applies(prev, nxt):
        return pair.instead
    return word


def _acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(token) <= MAX_ACRONYM_LEN and all(c.isupper() for c in letters)


def _neighbour(
    tokens: list[tuple[int, int, str]], chosen: list[str], k: int, other: int, text: str
) -> str:
    """The adjacent token's reading, or "" when punctuation separates them: context words only
    count within one phrase ("(KS 2018/000069) ar" is "är", not "år")."""
    if not 0 <= other < len(tokens):
        return ""
    a, b = sorted((k, other))
    if text[tokens[a][1] : tokens[b][0]].strip():
        return ""
    return chosen[other]


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PROTECTED_RE.finditer(text)]


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether `position` lies in one of `spans` (in order, apart): found by bisection, not by
    testing every span at every token."""
    k = bisect_right(spans, (position, math.inf)) - 1
    return k >= 0 and position < spans[k][1]


def repair_text(text: str, lexicon: Lexicon) -> str:
    """Restore å/ä/ö token by token, changing nothing but the letters of garbled words."""
    return apply_edits(text, repair_edits(text, lexicon))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """`text` with each edit's span replaced by its word (edits in order, not overlapping)."""
    pieces: list[str] = []
    last = 0
    for start, end, word in edits:
        pieces += (text[last:start], word)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def repair_edits(text: str, lexicon: Lexicon) -> list[Edit]:
    """The restored words of `text` as (start, end, word) over its garbled tokens, in order.

    Edits rather than a new string, so that any view of the text (a block cut from it and
    cleaned for reading) can take the same repair, and one repair of the whole text decides
    every word once.
    """
    rules = lexicon.rules
    digit = rules.lone_digit
    protected = _protected_spans(text)
    tokens = [
        (m.start(), m.end(), m.group(0))
        for m in rules.token_re.finditer(text)
        if not protected or not _inside(m.start(), protected)
    ]
    corrector = corrector_for(lexicon)
    chosen = [tok.lower() for _, _, tok in tokens]
    options = [corrector.token_options(tok) for _, _, tok in tokens]
    for k, low in enumerate(chosen):
        if options[k]:
            chosen[k] = corrector.best(low, _neighbour(tokens, chosen, k, k - 1, text))

    edits: list[Edit] = []
    for k, (start, end, tok) in enumerate(tokens):
        contextual = tok == digit or tok in rules.fragments
        if not options[k] and not contextual:
            continue  # not garbled: no reading to choose, the token stays as it is
        if contextual or chosen[k] in rules.pair_by_reading:
            word = _in_context(tokens, chosen, options[k], k, text, rules)
        else:
            word = chosen[k]  # no context pair reads its neighbours: the reading stands
        if word == tok.lower():
            continue
        edits.append((start, end, _apply_case(tok, word, _mid_sentence(text, start), rules)))
    return edits


def _in_context(
    tokens: list[tuple[int, int, str]],
    chosen: list[str],
    options: dict[str, float],
    k: int,
    text: str,
    rules: OcrRules,
) -> str:
    """The word for token `k` where its neighbours decide: a lone digit, a fragment, or a
    reading with a context pair. Only these look at the neighbours, so the other tokens skip
    this (two neighbour look-ups per garbled token were a tenth of the repair stage)."""
    start, end, tok = tokens[k]
    digit = rules.lone_digit
    prev = _neighbour(tokens, chosen, k, k - 1, text)
    nxt = _neighbour(tokens, chosen, k, k + 1, text)
    if nxt == digit and k + 2 <= len(tokens) and not _is_number(tokens, k + 1, text, rules):
        nxt = rules.lone_digit_word
    if tok == digit:
        return digit if _is_number(tokens, k, text, rules) else rules.lone_digit_word
    if tok in rules.fragments and prev.isalpha() and nxt.isalpha() and text[end : end + 1] == " ":
        return rules.fragments[tok]
    return _contextual(chosen[k], options, prev, nxt, rules)


def repair_if_needed(text: str, lexicon: Lexicon) -> str:
    """Repair only texts that lost their å/ä/ö; clean documents come back unchanged."""
    return repair_text(text, lexicon) if needs_repair(text, lexicon.rules) else text


def repair_document(parsed: ParsedDocument, lexicon: Lexicon) -> tuple[ParsedDocument, str]:
    """Repair stage: one repair of the whole text, and every block's reading text taken from it.

    Returns the parse with repaired block texts, and the repaired text of the whole document.
    Blocks keep their offsets into the source; each block's clean text is rebuilt from its raw
    span with the whole-text edits applied, so a word reads the same in the block and in the
    document (repairing blocks one by one could choose differently at their edges).
    """
    text = parsed.source.text
    if not needs_repair(text, lexicon.rules):
        return parsed, text
    edits = repair_edits(text, lexicon)
    starts = [start for start, _, _ in edits]
    blocks = tuple(
        replace(block, text=_repaired_block(text, block.raw_start, block.raw_end, edits, starts))
        for block in parsed.blocks
    )
    return replace(parsed, blocks=blocks), apply_edits(text, edits)


def _repaired_block(
    text: str, raw_start: int, raw_end: int, edits: Sequence[Edit], starts: Sequence[int]
) -> str:
    """The block's clean text with the edits that fall inside it applied.

    `clean_with_map` tells for each clean character where it came from, so an edited token's
    characters are replaced by its restored word once, wherever cleaning moved them (a word
    hyphenated across a line end is two tokens, each restored on its own). The map rises with
    the text, so each edit's characters are found by bisection, not by a test per character.
    """
    clean, where = clean_with_map(text[raw_start:raw_end])
    out: list[str] = []
    written = 0  # clean characters before this one are in `out`
    k = max(bisect_right(starts, raw_start) - 1, 0)
    while k < len(edits) and edits[k][0] < raw_end:
        start, end, word = edits[k]
        first = bisect_left(where, start - raw_start)
        last = bisect_left(where, end - raw_start)
        if first < last:
            out += (clean[written:first], word)
            written = last
        k += 1
    out.append(clean[written:])
    return "".join(out)
