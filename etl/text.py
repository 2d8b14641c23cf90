"""Text normalising shared by every stage: the folded form rules are matched on, and sentences.

One module so that a heading, a marker word, an alias and a duplicate are all compared on the
same form of the text, and so that every stage cuts sentences at the same places.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# A sentence ends at . ! ? (possibly closed by a quote or bracket) followed by space and a
# capital, a digit, a quote or a dash that opens the next sentence. "t.ex. att", "s.k. klausul"
# and "kl. 17.30" do not end a sentence because a lower-case letter or a digit follows directly.
SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]?\s+(?=[A-ZÅÄÖÉÜ0-9\"“”–-])")


# Characters whose folding is remembered: a document uses a few hundred distinct ones; the
# bound keeps a file made of every code point from growing the tables to 1.1 million entries.
MAX_REMEMBERED_CHARACTERS = 65_536


# Characters from the first combining diacritic (U+0300) up: every combining character is
# among them, and in Swedish or English text after NFKD they are a few in a hundred.
_FROM_FIRST_COMBINING = re.compile("[\u0300-\U0010ffff]+")


def _without_combining(text: str) -> str:
    """`text` without its combining characters: each distinct one removed by `str.replace`.

    A document holds a handful of distinct ones (the ring, the diaeresis, the acute), so a few
    C-level replacements over the text beat a mapping looked up per character
    (`str.translate` with a dict: 1.4 ms per 40,000 characters, a quarter of parsing).
    """
    for char in set("".join(_FROM_FIRST_COMBINING.findall(text))):
        if unicodedata.combining(char):
            text = text.replace(char, "")
    return text


# The same text is folded several times while a document is read: each line by every rule that
# looks at it, each block by the reader's tests. Measured on 100 generated documents (parse,
# repair, extract): 106,407 calls for 19,278 distinct texts within their documents (193 a
# document on average). Remembering the last 4,096 covers the lines and blocks of a long one.
FOLD_MEMO_ENTRIES = 4096


@lru_cache(maxsize=FOLD_MEMO_ENTRIES)
def fold(text: str) -> str:
    """Lower case without diacritics or markup: the form headings and furniture are matched on."""
    lowered = text.replace("**", "").lower()
    if lowered.isascii():  # NFKD leaves ASCII as it is: most English and a quarter of lines
        return " ".join(lowered.split())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return " ".join(_without_combining(decomposed).split())


def fold_each(text: str) -> str:
    """`fold` character by character, keeping the length: offsets into it are offsets into text.

    Whitespace is kept as it is (one character each) and a character whose folded form is empty
    or longer than one character stays unchanged, so a match in the result locates the original.
    """
    return text.translate(_FOLDED_CHARACTERS)


class _FoldedCharacters(dict[int, str]):
    """Each character's `fold_each` form, worked out the first time `str.translate` meets it:
    one C-level pass over a text instead of a normalisation per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char.lower())
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = base if len(base) == 1 else char
        if len(self) < MAX_REMEMBERED_CHARACTERS:
            self[code] = folded
        return folded


_FOLDED_CHARACTERS = _FoldedCharacters()


def normalise_space(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, trimmed."""
    return " ".join(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, trimmed of surrounding whitespace."""
    starts = [0, *(m.end() for m in SENTENCE_END.finditer(text))]
    spans = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            spans.append((start + left, start + right))
    return spans


def covered_share(text: str, spans: list[tuple[int, int]]) -> float:
    """The share of `text`'s non-space characters that lie inside one of `spans` (0 for empty).

    Counted over the spans merged, with `str.split` (which splits at exactly the characters
    `str.isspace` names): a per-character loop took a quarter of publish at 1,000 documents.
    """
    total = _non_space(text)
    if total == 0:
        return 0.0
    covered, reached = 0, 0
    for start, end in sorted((max(s, 0), min(max(e, 0), len(text))) for s, e in spans):
        start = max(start, reached)
        if end > start:
            covered += _non_space(text[start:end])
            reached = end
    return covered / total


def _non_space(text: str) -> int:
    return sum(map(len, text.split()))


# Characters of text folded per word wanted when only the first words are asked for: Swedish
# and English words with their spaces average 6-7 characters, so most texts need one round.
CHARACTERS_PER_WORD = 8
WHITESPACE = re.compile(r"\s")


def fold_words(text: str, limit: int) -> list[str]:
    """The first `limit` words of `fold(text)`, folding only as much of the text as they need.

    Exact: a prefix that ends before a whitespace character folds to the beginning of the
    whole text's folded form (no "**", combining sequence or word spans that break), so its
    words are the first words of the whole.
    """
    cut = CHARACTERS_PER_WORD * limit
    while True:
        space = WHITESPACE.search(text, cut)
        end = space.start() if space else len(text)
        words = fold(text[:end]).split()
        if len(words) >= limit or end == len(text):
            return words[:limit]
        cut = 2 * end
