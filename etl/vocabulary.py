"""The field's vocabulary as an index: every taxonomy alias, found in passages by look-up.

Aliases and passages meet in one normal form: each word lower case, without diacritics (so OCR
residue and clean text meet) and cut to its Swedish stem, so that inflected forms need not be
listed ("samråd", "samråden", "samrådet" are one entry). Finding them costs a dictionary look-up
per word, not a comparison of every window with every alias: a phrase is looked up by its first
stem and its remaining stems compared in place.

Compounds are handled by rule (data/rules.toml `[compounds]`): a one-word alias also counts as
the *head* (last part) of a compound ("statistik" in "lokalstatistik") and as its *modifier*
(first part: "samråd" in "samrådsgruppen"), unless what follows the modifier names a kind of
effort or an administration ("utbildningsinsatser" is an effort, "Kulturförvaltningen" says who,
not where). Both parts have a minimum length, so that "rom" does not match "romantik". The
analysis is done once per distinct word and cached.

An `exclude` phrase of a concept silences that concept's alias hits inside its span (a check of
positions, not of every hit against every exclusion).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, islice
from typing import NamedTuple

from snowballstemmer import stemmer

from etl.parse import fold
from etl.stated import Hit
from etl.taxonomy import Taxonomy

# Snowball cuts these derivational suffixes, which change the meaning: "jämställdhet" (gender
# equality, a field of work) is not "jämställda" (an adjective in a list of qualities).
DERIVATIONAL = ("lig", "het", "els")
# A word: letters and digits, with "FN:s"-style genitives kept whole. Hyphens separate words, so
# "hbtqi-personer" holds the alias "hbtqi" and "budget- och uppföljningsprocessen" splits cleanly.
WORD = re.compile(r"\w+(?::\w+)?")
# snowballstemmer runs the C stemmer of PyStemmer when it is installed (a dependency): the same
# Snowball algorithm and stems (checked on every word of the shipped and development documents),
# six times faster on a corpus's new words.
_STEMMER = stemmer("swedish")

# How an alias was found: as the whole word(s), as a compound's head, or as its modifier; or,
# for a word that names a kind of document (data/rules.toml `document_words`), as a mention.
WHOLE, HEAD, MODIFIER, MENTION = "word", "head", "modifier", "mention"
# Which hit of a concept is its best: whole words before a compound's part before a mention.
RANK = {WHOLE: 0, HEAD: 1, MODIFIER: 1, MENTION: 2}


def stem(word: str) -> str:
    """Diacritics-free Swedish stem of one word, derivational suffixes kept (cached)."""
    known = _STEMS.get(word)
    if known is None:
        known = _STEMS[word] = _stem(word)
    return known


def _stem(word: str) -> str:
    folded = fold(word)
    cut = fold(_STEMMER.stemWord(word.lower()))
    if not folded.startswith(cut):
        return cut
    rest = folded[len(cut) :]
    while rest[:3] in DERIVATIONAL:
        cut, rest = cut + rest[:3], rest[3:]
    return cut


# Each distinct word is stemmed once per process: a plain dict, because lru_cache's bookkeeping
# cost a third of the tokenising time in benchmarks/evaluate_mapping.py's speed run.
_STEMS: dict[str, str] = {}


def stems_of(text: str) -> list[str]:
    """The stem of every word of `text`, in order.

    Looked up with `map` (a C-level loop) and only the new words stemmed: most words of a
    passage are known after the first hundred passages.
    """
    words = WORD.findall(text)
    stems = list(map(_STEMS.get, words))
    if None in stems:
        stems = [
            known if known is not None else stem(w) for w, known in zip(words, stems, strict=True)
        ]
    return stems  # type: ignore[return-value]


def spans_of(text: str, words: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the first `words` words of `text` (all if None), as stems_of counts.

    Tuples, not the matches themselves: keeping 400,000 match objects alive cost three times
    as much as reading their spans (at C level, with `map`).
    """
    return list(map(re.Match.span, islice(WORD.finditer(text), words)))


def normalise(text: str) -> str:
    """The form aliases and passages are compared in."""
    return " ".join(stems_of(text))


@dataclass(frozen=True)
class CompoundRule:
    """When a one-word alias counts inside a compound word (data/rules.toml `[compounds]`)."""

    min_alias: int
    min_rest: int
    linking: tuple[str, ...]
    not_after_modifier: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    """An alias or exclude phrase of a concept, as a tuple of stems."""

    concept_id: str
    text: str
    stems: tuple[str, ...]
    excludes: bool


class AliasHit(NamedTuple):
    """One alias found in a passage: its concept, the words it covers (token indices) and how.

    A named tuple, not a dataclass: a long passage has dozens and creating them is the inner
    loop of the look-up.
    """

    concept_id: str
    alias: str
    first: int
    last: int
    how: str
    # The concept, the alias and how it was found, as the learned model counts its record:
    # "function.participation samråd|head".
    key: str

    def hit(self, item_id: str, spans: Sequence[tuple[int, int]]) -> Hit:
        """The hit located in the passage's text, given the passage's word spans."""
        return Hit(
            item_id, self.concept_id, self.alias, 100.0, spans[self.first][0], spans[self.last][1]
        )


# What a word starts, or () when it starts nothing: its one-word hits as (concept, alias, how,
# key); the one-word exclude phrases it is; and the longer phrases beginning with it, by their
# second stem, as (phrase, words after the first, key, how) — so a phrase is compared in full only
# when its first two words are there.
Single = tuple[str, str, str, str]
Following = dict[str, tuple[tuple[Phrase, int, str, str], ...]]
Entry = tuple[tuple[Single, ...], tuple[Phrase, ...], Following] | tuple[()]


class Vocabulary:
    """The taxonomy's aliases and excludes, indexed by stem for look-up."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        compounds: CompoundRule,
        document_words: frozenset[tuple[str, ...]] = frozenset(),
    ) -> None:
        """`document_words`: aliases (as stems) that name a kind of document; a hit of one,
        however found, is a mention."""
        self.compounds = compounds
        self.document_words = document_words
        self.by_first: dict[str, list[Phrase]] = {}
        self.single: dict[str, list[Phrase]] = {}
        for concept in taxonomy.concepts:
            for texts, excludes in ((concept.aliases, False), (concept.exclude, True)):
                for text in texts:
                    stems = tuple(stems_of(text))
                    if not stems:
                        continue
                    phrase = Phrase(concept.concept_id, text, stems, excludes)
                    self.by_first.setdefault(stems[0], []).append(phrase)
                    if len(stems) == 1 and not excludes and len(stems[0]) >= compounds.min_alias:
                        self.single.setdefault(stems[0], []).append(phrase)
        self._parts: dict[str, tuple[tuple[Phrase, str], ...]] = {}
        self._shortest_compound = compounds.min_alias + compounds.min_rest
        # Phrases that need more than the word itself: several words, or an exclusion.
        self._phrases_at = {
            first: [p for p in phrases if len(p.stems) > 1 or p.excludes]
            for first, phrases in self.by_first.items()
        }
        self._entries: dict[str, Entry] = {}

    def entry(self, word_stem: str) -> Entry:
        """What a passage's word with this stem starts (cached): the one-word aliases it is or
        holds, as hits to place, and the phrases beginning with it; () if nothing."""
        found = [
            (p.concept_id, p.text, WHOLE)
            for p in self.by_first.get(word_stem, ())
            if len(p.stems) == 1 and not p.excludes
        ]
        if len(word_stem) >= self._shortest_compound:
            found += [(p.concept_id, p.text, how) for p, how in self.parts(word_stem)]
        mentions = self.document_words
        found = [(c, a, MENTION if tuple(stems_of(a)) in mentions else h) for c, a, h in found]
        singles = tuple((c, a, h, _key(c, a, h)) for c, a, h in found)
        alone: list[Phrase] = []
        by_next: dict[str, list[tuple[Phrase, int, str, str]]] = {}
        for p in self._phrases_at.get(word_stem, ()):
            if len(p.stems) == 1:
                alone.append(p)
            else:
                how = MENTION if p.stems in mentions else WHOLE
                key = _key(p.concept_id, p.text, how)
                by_next.setdefault(p.stems[1], []).append((p, len(p.stems) - 1, key, how))
        following = {second: tuple(group) for second, group in by_next.items()}
        result: Entry = (singles, tuple(alone), following) if found or alone or by_next else ()
        self._entries[word_stem] = result
        return result

    def parts(self, word_stem: str) -> tuple[tuple[Phrase, str], ...]:
        """One-word aliases found as the head or the modifier of this (compound) stem."""
        cached = self._parts.get(word_stem)
        if cached is not None:
            return cached
        rule, found = self.compounds, []
        for cut in range(rule.min_rest, len(word_stem) - rule.min_alias + 1):
            found += [(p, HEAD) for p in self.single.get(word_stem[cut:], ())]
        for cut in range(rule.min_alias, len(word_stem) - rule.min_rest + 1):
            modifiers = self.single.get(word_stem[:cut], ())
            if modifiers and self._head_allows_modifier(word_stem[cut:]):
                found += [(p, MODIFIER) for p in modifiers]
        result = tuple(found)
        self._parts[word_stem] = result
        return result

    def _head_allows_modifier(self, rest: str) -> bool:
        """The rest of the compound is a head of its own, and not one that names an effort."""
        rule = self.compounds
        heads = [rest[len(link) :] for link in ("", *rule.linking) if rest.startswith(link)]
        if any(head.startswith(rule.not_after_modifier) for head in heads):
            return False
        return any(len(head) >= rule.min_rest for head in heads)

    def find(self, stems: Sequence[str]) -> list[AliasHit]:
        """Every alias hit among these stems that no exclude phrase of its concept covers."""
        return [AliasHit(*found) for found in self._hits(stems)]

    def best(self, stems: Sequence[str]) -> tuple[dict[str, AliasHit], dict[str, set[str]]]:
        """Per concept, its best hit among these stems (the first found as whole words, else
        the first inside a compound, else the first mention) and the keys of all its hits.

        What the link model needs of a passage, without an object for every hit.
        """
        first: dict[str, tuple[str, str, int, int, str, str]] = {}
        keys: dict[str, set[str]] = {}
        for found in self._hits(stems):
            concept_id = found[0]
            known = keys.get(concept_id)
            if known is None:
                keys[concept_id] = {found[5]}
                first[concept_id] = found
                continue
            known.add(found[5])
            if RANK[found[4]] < RANK[first[concept_id][4]]:
                first[concept_id] = found
        return {c: AliasHit(*found) for c, found in first.items()}, keys

    def _hits(self, stems: Sequence[str]) -> list[tuple[str, str, int, int, str, str]]:
        """The hits as plain tuples in AliasHit's field order (cheap to make: a long passage
        has dozens). One dictionary look-up per word; most words start nothing."""
        hits: list[tuple[str, str, int, int, str, str]] = []
        excluded: dict[str, list[tuple[int, int]]] = {}
        words = len(stems)
        entries = list(map(self._entries.get, stems))
        if None in entries:
            for word_stem in {s for s, e in zip(stems, entries, strict=True) if e is None}:
                self.entry(word_stem)
            entries = list(map(self._entries.__getitem__, stems))
        # Only the words that start something are visited (compress tests them at C level).
        for index in compress(range(words), entries):
            singles, alone, following = entries[index]  # type: ignore[misc]
            for concept_id, alias, how, key in singles:
                hits.append((concept_id, alias, index, index, how, key))
            for phrase in alone:
                excluded.setdefault(phrase.concept_id, []).append((index, index))
            if not following or index + 1 >= words:
                continue
            for phrase, more, key, how in following.get(stems[index + 1], ()):
                last = index + more
                if more > 1 and tuple(stems[index : last + 1]) != phrase.stems:
                    continue
                if phrase.excludes:
                    excluded.setdefault(phrase.concept_id, []).append((index, last))
                else:
                    hits.append((phrase.concept_id, phrase.text, index, last, how, key))
        if not excluded:
            return hits
        return [h for h in hits if h[0] not in excluded or not _covered(h[2], h[3], excluded[h[0]])]


def _key(concept_id: str, alias: str, how: str) -> str:
    return f"{concept_id} {alias}" if how == WHOLE else f"{concept_id} {alias}|{how}"


def _covered(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(first <= start and end <= last for first, last in spans)
