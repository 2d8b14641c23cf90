"""Restore å/ä/ö in Swedish documents whose OCR lost them.

Two corpus documents came out of OCR with every å, ä and ö replaced by look-alikes ("stirka",
"&r", "6ka", "ménskliga", "{6r") or simply stripped ("for", "pa", "fran"). Downstream stages
match and quote words, so they need the real spelling. This is a small noisy-channel corrector:
each token is expanded into the spellings its OCR confusions allow, every spelling is scored by
Swedish word frequency (wordfreq plus the corpus's clean documents) plus the log-probability of the
confusions it assumes, compounds the lexicon lacks are split into known parts, and a handful of
context rules settle the pairs that frequency alone cannot (är/år, bor/bör, 1/i).

Everything that is not a restored letter is left byte-for-byte as it was.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from wordfreq import get_frequency_dict

from etl.model import ParsedDocument
from etl.parse import clean_with_map

# Letters the OCR lost; their presence in a text is what clean Swedish looks like.
DIACRITICS = frozenset("åäöÅÄÖ")

# Swedish function words, with their garbled forms, to tell Swedish from other languages.
SWEDISH_MARKERS = frozenset(
    "och att det som en av för for med till den har de inte om på pa är ar ett ska kan "
    "eller samt vara från fran".split()
)

# Share of word tokens that must be Swedish markers before a text counts as Swedish prose;
# Swedish prose runs at 25-35 %, English text with a stray "for"/"den" stays far below.
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

# log10 P(observed | intended) for the OCR confusions seen in 000 and 003. An observed letter
# that can also be itself costs 0 for the identity. Values were set from how often each confusion
# occurs in those documents relative to the letter's ordinary use.
SINGLE_CONFUSIONS: dict[str, dict[str, float]] = {
    "a": {"a": 0.0, "ä": -0.6, "å": -0.5},
    "o": {"o": 0.0, "ö": -0.4},
    "é": {"ä": -0.3, "å": -0.5, "ö": -0.8, "é": -0.8},
    "è": {"ä": -0.3, "å": -0.5, "ö": -0.8, "è": -0.8},
    "i": {"i": 0.0, "ä": -0.9, "å": -2.0},
    "d": {"d": 0.0, "ä": -1.0, "å": -1.0, "ö": -1.0},
    "&": {"ä": -0.2, "å": -0.7},
    "6": {"ö": -0.1},
    "0": {"ö": -0.5},
    "g": {"g": 0.0, "ö": -2.0},
    "{": {"f": -0.3},
    "1": {"i": -0.8, "": -0.8},
}

# Two observed characters standing for one letter ("méanskliga", "stidrka", "bemoéta",
# "d4ven", "Jjdmlik"). Costlier than single confusions because they are rarer; pairs of plain
# letters ("da", "id") most of all, since they also occur in ordinary words ("dar" is "där",
# not "är").
PAIR_CONFUSIONS: dict[str, dict[str, float]] = {
    **{p: {"ä": -1.2, "å": -1.2} for p in ("éa", "aé", "éi", "éd")},
    **{p: {"ä": -2.0, "å": -2.0} for p in ("ia", "id", "di", "da", "ad")},
    "d4": {"ä": -0.8, "å": -1.2},
    "oé": {"ö": -1.2},
    "éo": {"ö": -1.2},
    **{p: {"ö": -2.0} for p in ("do", "od")},
    "jj": {"j": -0.5},
}

# Characters that may stand for a lost letter; a token needs at least one to be worth analysing.
CONFUSABLE = frozenset("".join(SINGLE_CONFUSIONS) + "".join(PAIR_CONFUSIONS))

# Skeleton: the lexicon indexed with å/ä→a and ö→o, so the plain a/o of the OCR output need no
# enumeration and only the real look-alikes (i, d, é, &, 6 ...) multiply the variants.
SKELETON = str.maketrans("äåö", "aao")

# Prune spellings whose assumed confusions are jointly this improbable (log10).
MAX_CHANNEL_COST = -4.0

# Bound on skeleton variants per substring; the longest garbled words need a few hundred.
MAX_VARIANTS = 2000

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

# Productive endings that wordfreq under-represents: the participle "besvarande" is rare in the
# list, yet "besvara" is common, so a form in -nde is also scored from its stem, somewhat lower.
DERIVATION_SUFFIXES = ("nde",)
DERIVATION_PENALTY = 1.0

# Genitive and linking -s ("förvaltningars", "nämnds-") is read from the stem only when the whole
# form has no reading at all; otherwise "berors" would beat "berörs" via the verb "beror".
GENITIVE_SUFFIX = "s"

# Words after which a verb infinitive follows: there the real-word margin is dropped, so that
# "kan starka" becomes "kan stärka" (the adjective cannot stand there).
INFINITIVE_MARKERS = frozenset("att kan ska skall bör måste vill kunna skulle få".split())

# A common word that reads as another common word is rarely an OCR error when it is long; short
# ones ("for", "pa", "na") are the usual stripped spellings. Long known words therefore get this
# head start over their diacritic look-alikes ("hinder" stays, does not become "händer").
REAL_WORD_MIN_LEN = 4
REAL_WORD_MIN_ZIPF = 3.0
REAL_WORD_MARGIN = 0.7

# Digits that OCR put for letters ("6ka", "f0r", "d4ven", "i1"); tokens with other digits are codes.
DIGIT_CONFUSIONS = frozenset("0146")

# Longer tokens are not Swedish words (no compound in the corpus exceeds 30 letters); skipping them
# also bounds the work an adversarial input can cause.
MAX_TOKEN_LEN = 40

# All-caps tokens this short are acronyms (KS, MR, APT, R&D), never garbled words.
MAX_ACRONYM_LEN = 4

# Tokens are runs of letters plus the characters OCR put in place of å/ä/ö.
TOKEN_RE = re.compile(r"(?:[^\W_]|[&{])+")

# E-mail addresses and URLs are copied verbatim: their letters are identifiers, not words.
PROTECTED_RE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")

# Words after which "ar" means "år" (a count or span of years), not "är".
YEAR_CONTEXT = frozenset(
    "ett två tre fyra fem sex sju åtta nio tio elva tolv femton tjugo flera några många "
    "varje vartannat vart per senaste sista första andra hela halvt under i".split()
)

# Numbers with more digits than this are years or case numbers, not counts of years.
MAX_COUNT_DIGITS = 2

# "bor" is "bör" (should) unless it is followed by a place or a companion, where it means "lives".
BOR_LIVES_CONTEXT = frozenset("i på kvar hos med tillsammans nära ihop utomlands här där".split())

# "stod" (stood) needs a subject right before it; otherwise the OCR'd word was "stöd" (support).
SUBJECT_PRONOUNS = frozenset("jag du han hon vi ni de dom man som".split())

# "vald" (elected, chosen) follows a copula or adverb; elsewhere it was "våld" (violence).
ELECTED_CONTEXT = frozenset("är var blev bli blir blivit varit nyligen demokratiskt".split())

# Everyday-register words that wordfreq (with its social-media sources) ranks above their formal
# look-alikes, though municipal prose practically never uses them.
INFORMAL_PENALTY: dict[str, float] = {"gilla": 2.0, "gillar": 2.0, "gillas": 2.0}

# Month and unit words: "den 1 januari", "1 procent" keep their digit.
NUMBER_CONTEXT = frozenset(
    "januari februari mars april maj juni juli augusti september oktober november december "
    "jan feb mar apr jun jul aug sep sept okt nov dec procent kr kronor miljon miljoner miljard "
    "st år timme timmar dag dagar vecka veckor månad månader kap kapitel".split()
)

# Words after which a lone "1" is a number, not the preposition ("den 1", "kapitel 1").
NUMBER_PRECEDERS = frozenset("den kapitel kap punkt bilaga sid sidan nr nummer steg del".split())


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Swedish word scores (zipf, general mixed with domain) and their diacritic-free index."""

    zipf: dict[str, float]
    skeletons: dict[str, tuple[str, ...]]

    def __repr__(self) -> str:
        return f"Lexicon({len(self.zipf)} words)"

    def score(self, word: str) -> float:
        """Zipf score of a lowercase word, 0 when unknown; informal words are damped."""
        return self.zipf.get(word, 0.0) - INFORMAL_PENALTY.get(word, 0.0)


@lru_cache(maxsize=1)
def _general_frequencies() -> dict[str, float]:
    """wordfreq's Swedish list, alphabetic words only; cached because it is the same every run."""
    return {w: f for w, f in get_frequency_dict("sv", wordlist="large").items() if w.isalpha()}


def _words(text: str) -> Iterator[str]:
    """Lowercase alphabetic words of a text."""
    for match in re.finditer(r"[^\W\d_]+", text):
        yield match.group(0).lower()


def build_lexicon(clean_texts: Iterable[str]) -> Lexicon:
    """Mix wordfreq Swedish with the clean documents' own words, so municipal terms rank right."""
    return lexicon_from_counts(domain_word_counts(clean_texts))


def domain_word_counts(clean_texts: Iterable[str]) -> Counter[str]:
    """How often each lowercase word occurs in clean documents: the lexicon's domain part."""
    return Counter(w for text in clean_texts for w in _words(text))


def lexicon_from_counts(domain: Mapping[str, int]) -> Lexicon:
    """wordfreq Swedish mixed with domain word counts (see `build_lexicon`)."""
    general = _general_frequencies()
    total = sum(domain.values())
    probs: dict[str, float] = {w: f * (1 - DOMAIN_WEIGHT) for w, f in general.items()}
    for word, count in domain.items():
        probs[word] = probs.get(word, 0.0) + DOMAIN_WEIGHT * count / total
    zipf: dict[str, float] = {}
    index: dict[str, list[str]] = {}
    for word, p in probs.items():
        if p <= 0:
            continue
        zipf[word] = math.log10(p) + ZIPF_OFFSET
        index.setdefault(word.translate(SKELETON), []).append(word)
    return Lexicon(zipf=zipf, skeletons={k: tuple(v) for k, v in index.items()})


def _token_words(text: str) -> list[str]:
    """Word tokens (letters plus OCR stand-ins) used for detection."""
    return [t.lower() for t in TOKEN_RE.findall(text) if any(c.isalpha() for c in t)]


def needs_repair(text: str) -> bool:
    """Swedish prose with (almost) no å/ä/ö has lost them: clean Swedish uses them constantly."""
    words = _token_words(text)
    if len(words) < MIN_WORDS_FOR_DETECTION:
        return False
    swedish = sum(w in SWEDISH_MARKERS for w in words) / len(words)
    with_diacritics = sum(any(c in DIACRITICS for c in w) for w in words) / len(words)
    return swedish >= MIN_SWEDISH_SHARE and with_diacritics < MAX_DIACRITIC_SHARE


# One restored word: (start, end) of the garbled token in the text, and the word that replaces it.
Edit = tuple[int, int, str]

# --- candidate generation -------------------------------------------------------------------

Slot = dict[str, float]


def _variants(garbled: str) -> list[tuple[str, tuple[Slot, ...]]]:
    """Skeleton spellings a lowercase garbled string may stand for, each with its slot costs."""
    out: list[tuple[str, tuple[Slot, ...]]] = []

    def walk(pos: int, skel: str, slots: tuple[Slot, ...], bound: float) -> None:
        if len(out) >= MAX_VARIANTS:
            return
        if pos == len(garbled):
            out.append((skel, slots))
            return
        options: list[tuple[int, Slot]] = []
        pair = garbled[pos : pos + 2]
        if pair in PAIR_CONFUSIONS and (pair != "jj" or pos == 0):
            options.append((2, PAIR_CONFUSIONS[pair]))
        char = garbled[pos]
        options.append((1, SINGLE_CONFUSIONS.get(char, {char: 0.0})))
        for width, slot in options:
            by_skeleton: dict[str, float] = {}
            for intended, cost in slot.items():
                key = intended.translate(SKELETON)
                by_skeleton[key] = max(by_skeleton.get(key, -99.0), cost)
            for key, best in by_skeleton.items():
                if bound + best < MAX_CHANNEL_COST:
                    continue
                sub = {i: c for i, c in slot.items() if i.translate(SKELETON) == key}
                next_slots = slots + (sub,) if key else slots
                walk(pos + width, skel + key, next_slots, bound + best)

    walk(0, "", (), 0.0)
    return out


def _readings(garbled: str, lexicon: Lexicon) -> dict[str, float]:
    """Lexicon words a lowercase garbled string can be read as, with their channel cost."""
    found: dict[str, float] = {}
    for skel, slots in _variants(garbled):
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
    """Per-call memo of token analyses; lives for one repair_text call only."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.reading_cache: dict[str, dict[str, float]] = {}
        self.part_cache: dict[str, tuple[str, float, float] | None] = {}
        self.word_cache: dict[str, list[tuple[str, float]]] = {}

    def readings(self, garbled: str) -> dict[str, float]:
        if garbled not in self.reading_cache:
            self.reading_cache[garbled] = _readings(garbled, self.lexicon)
        return self.reading_cache[garbled]

    def best_part(self, garbled: str) -> tuple[str, float, float] | None:
        """Best compound part for a substring: (word, zipf, channel cost); linking -s allowed."""
        if garbled in self.part_cache:
            return self.part_cache[garbled]
        best: tuple[str, float, float] | None = None
        forms = [(garbled, "")]
        if garbled.endswith("s") and len(garbled) > MIN_PART_LEN:
            forms.append((garbled[:-1], "s"))
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

    def candidates(self, garbled: str) -> list[tuple[str, float]]:
        """Readings of a lowercase token, best first; the token itself is always among them."""
        if garbled in self.word_cache:
            return self.word_cache[garbled]
        scored: dict[str, float] = {}

        def offer(word: str, score: float) -> None:
            if score > scored.get(word, -99.0):
                scored[word] = score

        for word, cost in self.readings(garbled).items():
            offer(word, self.lexicon.score(word) + cost)
        for suffix in DERIVATION_SUFFIXES:
            stem = garbled[: -len(suffix)]
            if garbled.endswith(suffix) and len(stem) >= MIN_PART_LEN:
                for word, cost in self.readings(stem).items():
                    offer(word + suffix, self.lexicon.score(word) + cost - DERIVATION_PENALTY)
        stem = garbled[: -len(GENITIVE_SUFFIX)]
        if not scored and garbled.endswith(GENITIVE_SUFFIX) and len(stem) >= MIN_PART_LEN:
            for word, cost in self.readings(stem).items():
                offer(word + GENITIVE_SUFFIX, self.lexicon.score(word) + cost - DERIVATION_PENALTY)
        if not scored and len(garbled) >= 2 * MIN_PART_LEN:
            split = self.compound(garbled)
            if split is not None:
                offer(split[0], split[1])
        scored[garbled] = max(scored.get(garbled, -99.0), UNKNOWN_SCORE)
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        self.word_cache[garbled] = ranked
        return ranked


# --- context and case -------------------------------------------------------------------------


def _apply_case(original: str, word: str, mid_sentence: bool) -> str:
    """Give the restored word the original's casing; an initial O/A/G/Jj that was a lowercase
    ö/ä/å/j in the middle of a sentence goes back to lowercase."""
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if original[:1].isupper():
        lost_initial = word[:1] in ("å", "ä", "ö") or original[:2] == "Jj"
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


def _is_number_one(tokens: list[tuple[int, int, str]], k: int, text: str) -> bool:
    """A lone "1" is the number (list item, date, count) unless it sits between words."""
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
    return prev.lower() in NUMBER_PRECEDERS or nxt.lower() in NUMBER_CONTEXT


def _best(garbled: str, options: dict[str, float], prev: str, lexicon: Lexicon) -> str:
    """Highest-scoring reading, giving a long common identity word its real-word margin."""
    margin = 0.0
    real = len(garbled) >= REAL_WORD_MIN_LEN and lexicon.score(garbled) >= REAL_WORD_MIN_ZIPF
    if real and prev not in INFINITIVE_MARKERS:
        margin = REAL_WORD_MARGIN
    return max(options, key=lambda w: options[w] + (margin if w == garbled else 0.0))


def _small_number(word: str) -> bool:
    """A count ("3 år"), as opposed to a year or a case number."""
    return word.isdigit() and len(word) <= MAX_COUNT_DIGITS


def _contextual(word: str, options: dict[str, float], prev: str, nxt: str) -> str:
    """Settle pairs that frequency cannot: år/är, bör/bor, stöd/stod, berör/beror, våld/vald,
    svårt/svart."""
    if word == "är" and "år" in options and (prev in YEAR_CONTEXT or _small_number(prev)):
        return "år"
    if word == "bor" and "bör" in options and nxt not in BOR_LIVES_CONTEXT:
        return "bör"
    if word == "stod" and "stöd" in options and prev not in SUBJECT_PRONOUNS:
        return "stöd"
    if word == "beror" and "berör" in options and nxt != "på":
        return "berör"
    if word == "vald" and "våld" in options and prev not in ELECTED_CONTEXT:
        return "våld"
    if word == "svart" and "svårt" in options and nxt == "att":
        return "svårt"
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
    protected = _protected_spans(text)
    tokens = [
        (m.start(), m.end(), m.group(0))
        for m in TOKEN_RE.finditer(text)
        if not any(a <= m.start() < b for a, b in protected)
    ]
    corrector = _Corrector(lexicon)
    chosen: list[str] = []
    options: list[dict[str, float]] = []
    for _, _, tok in tokens:
        low = tok.lower()
        if not 2 <= len(low) <= MAX_TOKEN_LEN or not set(low) & CONFUSABLE:
            chosen.append(low)
            options.append({})
            continue
        if not any(c.isalpha() for c in low) or _acronym(tok):
            chosen.append(low)
            options.append({})
            continue
        if any(c.isdigit() and c not in DIGIT_CONFUSIONS for c in low):
            chosen.append(low)
            options.append({})
            continue
        options.append(dict(corrector.candidates(low)))
        chosen.append("")
    for k, (_, _, tok) in enumerate(tokens):
        if options[k]:
            prev = _neighbour(tokens, chosen, k, k - 1, text)
            chosen[k] = _best(tok.lower(), options[k], prev, lexicon)

    edits: list[Edit] = []
    for k, (start, end, tok) in enumerate(tokens):
        prev = _neighbour(tokens, chosen, k, k - 1, text)
        nxt = _neighbour(tokens, chosen, k, k + 1, text)
        if nxt == "1" and k + 2 <= len(tokens) and not _is_number_one(tokens, k + 1, text):
            nxt = "i"
        if tok == "1":
            word = "1" if _is_number_one(tokens, k, text) else "i"
        elif tok == "r" and prev.isalpha() and nxt.isalpha() and text[end : end + 1] == " ":
            word = "är"
        else:
            word = _contextual(chosen[k], options[k], prev, nxt)
        if word == tok.lower():
            continue
        edits.append((start, end, _apply_case(tok, word, _mid_sentence(text, start))))
    return edits


def repair_if_needed(text: str, lexicon: Lexicon) -> str:
    """Repair only texts that lost their å/ä/ö; clean documents come back unchanged."""
    return repair_text(text, lexicon) if needs_repair(text) else text


def repair_document(parsed: ParsedDocument, lexicon: Lexicon) -> tuple[ParsedDocument, str]:
    """Repair stage: one repair of the whole text, and every block's reading text taken from it.

    Returns the parse with repaired block texts, and the repaired text of the whole document.
    Blocks keep their offsets into the source; each block's clean text is rebuilt from its raw
    span with the whole-text edits applied, so a word reads the same in the block and in the
    document (repairing blocks one by one could choose differently at their edges).
    """
    text = parsed.source.text
    if not needs_repair(text):
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
    hyphenated across a line end is two tokens, each restored on its own).
    """
    clean, where = clean_with_map(text[raw_start:raw_end])
    k = bisect_right(starts, raw_start) - 1
    k = max(k, 0)
    out: list[str] = []
    current = -1
    for char, offset in zip(clean, where, strict=True):
        position = raw_start + offset
        while k < len(edits) and edits[k][1] <= position:
            k += 1
        if k < len(edits) and edits[k][0] <= position:
            if current != k:
                out.append(edits[k][2])
                current = k
            continue
        out.append(char)
    return "".join(out)
