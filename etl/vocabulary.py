"""The field's vocabulary as an index: every taxonomy alias, found in passages by look-up.

Aliases and passages meet in one normal form: each word lower case, without diacritics (so OCR
residue and clean text meet) and cut to its Swedish stem, so that inflected forms need not be
listed ("samråd", "samråden", "samrådet" are one entry). A call's passages are tokenised once
(`tokenise`: one array of stem ids, each distinct word stemmed once) and what each distinct stem
starts is looked up once (`Vocabulary.entry`); the hits are then placed over all passages with
array operations (`Vocabulary.locate`), not by a comparison of every window with every alias: a
phrase is compared only where its first two stems stand together.

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
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
from snowballstemmer import stemmer

from etl.parse import fold
from etl.taxonomy import Taxonomy

# Snowball cuts these derivational suffixes, which change the meaning: "jämställdhet" (gender
# equality, a field of work) is not "jämställda" (an adjective in a list of qualities).
DERIVATIONAL = ("lig", "het", "els")
# A word: letters and digits, with "FN:s"-style genitives kept whole. Hyphens separate words, so
# "hbtqi-personer" holds the alias "hbtqi" and "budget- och uppföljningsprocessen" splits cleanly.
WORD = re.compile(r"\w+(?::\w+)?")
# The same words with the text between them: one pass gives both the words and their places.
PIECES = re.compile(f"({WORD.pattern})")
# snowballstemmer runs the C stemmer of PyStemmer when it is installed (a dependency): the same
# Snowball algorithm and stems (checked on every word of the shipped and development documents),
# six times faster on a corpus's new words.
_STEMMER = stemmer("swedish")

# How an alias was found: as the whole word(s), as a compound's head, or as its modifier; or,
# for a word that names a kind of document (data/rules.toml `document_words`), as a mention.
WHOLE, HEAD, MODIFIER, MENTION = "word", "head", "modifier", "mention"
# Which hit of a concept is its best: whole words before a compound's part before a mention.
RANK = {WHOLE: 0, HEAD: 1, MODIFIER: 1, MENTION: 2}
# How a hit was found, as the codes AliasHits stores.
HOWS = (WHOLE, HEAD, MODIFIER, MENTION)
_RANKS = np.array([RANK[how] for how in HOWS], dtype=np.int64)


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


def normalise(text: str) -> str:
    """The form aliases and passages are compared in."""
    return " ".join(stems_of(text))


@dataclass(frozen=True)
class Tokens:
    """Passages as stem ids: every word of every passage in one array, each distinct word
    stemmed once. The form every look-up of the match stage reads, made once per call, with
    where each word stands in its passage's text (what a link's evidence points at).
    """

    # stem_ids[starts[p] : starts[p + 1]] are the words of passage p; word_starts and
    # word_ends (parallel to stem_ids) their places in p's text.
    stem_ids: np.ndarray
    starts: np.ndarray
    word_starts: np.ndarray
    word_ends: np.ndarray
    # Stem id → stem.
    stems: tuple[str, ...]

    @property
    def passages(self) -> int:
        """How many passages."""
        return len(self.starts) - 1

    @cached_property
    def owners(self) -> np.ndarray:
        """The passage of every word."""
        return np.repeat(np.arange(self.passages, dtype=np.int64), np.diff(self.starts))

    def stems_of(self, row: int) -> list[str]:
        """The stems of passage `row`'s words, in order."""
        ids = self.stem_ids[self.starts[row] : self.starts[row + 1]].tolist()
        return list(map(self.stems.__getitem__, ids))

    def take(self, rows: np.ndarray) -> Tokens:
        """The passages `rows` only, in this order."""
        words, _ = ranges(self.starts, rows)
        lengths = np.diff(self.starts)[rows]
        return Tokens(
            stem_ids=self.stem_ids[words],
            starts=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            word_starts=self.word_starts[words],
            word_ends=self.word_ends[words],
            stems=self.stems,
        )


def tokenise(texts: Sequence[str]) -> Tokens:
    """Every passage's words as stem ids, in one array, with their places (see Tokens).

    No word holds a space, so the passages, joined by one, are cut at every space (str.split,
    C speed) and only the *distinct* pieces are split into words by the regular expression
    (`_split_words`), the words of every other piece copied from its first: the pattern's
    pass was 0.31 s CPU of the 0.44 s that tokenising the 10,000 speed passages cost
    (benchmarks/evaluate_mapping.py: 412,000 pieces, 1,500 distinct; now 0.20 s in all). Stem
    ids keep the order in which the distinct words first stand, as in a single pass.
    """
    pieces = " ".join(texts).split(" ")
    piece_of = {piece: n for n, piece in enumerate(dict.fromkeys(pieces))}
    distinct = _split_words(list(piece_of))
    which = np.fromiter(map(piece_of.__getitem__, pieces), dtype=np.int64, count=len(pieces))
    piece_lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    piece_starts = np.cumsum(piece_lengths + 1) - piece_lengths - 1
    # Every word of the text: its place among the distinct pieces' words, and its piece.
    each, occurrence = ranges(distinct.starts, which)
    starts_at = piece_starts[occurrence] + distinct.word_starts[each]
    ends_at = piece_starts[occurrence] + distinct.word_ends[each]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    text_starts = np.cumsum(lengths + 1) - lengths - 1
    owners = np.searchsorted(text_starts, starts_at, side="right") - 1
    counts = np.bincount(owners, minlength=len(texts))
    return Tokens(
        stem_ids=distinct.stem_ids[each],
        starts=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        word_starts=starts_at - text_starts[owners],
        word_ends=ends_at - text_starts[owners],
        stems=distinct.stems,
    )


def _split_words(texts: Sequence[str]) -> Tokens:
    """`tokenise` by one pass of the word pattern over all `texts` (joined by a space, which no
    word spans): one call instead of one per text, which cost a quarter more. A word's text
    and place follow from the lengths of the pieces before it. A dictionary from word to stem
    id for the call makes the per-word work one look-up at C level (`map`)."""
    pieces = PIECES.split(" ".join(texts))
    words = pieces[1::2]
    ends = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
    # Word k is piece 2k + 1: it starts where piece 2k ends.
    starts_at, ends_at = ends[0:-1:2], ends[1::2]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    text_starts = np.cumsum(lengths + 1) - lengths - 1
    owners = np.searchsorted(text_starts, starts_at, side="right") - 1
    stem_id: dict[str, int] = {}
    word_id: dict[str, int] = {}
    for word in dict.fromkeys(words):
        word_id[word] = stem_id.setdefault(stem(word), len(stem_id))
    counts = np.bincount(owners, minlength=len(texts))
    return Tokens(
        stem_ids=np.fromiter(map(word_id.__getitem__, words), dtype=np.int64, count=len(words)),
        starts=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        word_starts=starts_at - text_starts[owners],
        word_ends=ends_at - text_starts[owners],
        stems=tuple(stem_id),
    )


def ranges(starts: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions starts[r] … starts[r + 1] - 1 of each of `rows`, concatenated, and the
    index into `rows` each position belongs to: how a part of a flat array is taken."""
    lengths = starts[rows + 1] - starts[rows]
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    offset = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(lengths) - lengths, lengths
    )
    return starts[rows][owner] + offset, owner


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

    Made from AliasHits only for the hits something reads one by one (a document's subject,
    a stated link, a test); the look-up itself works on arrays.
    """

    concept_id: str
    alias: str
    first: int
    last: int
    how: str
    # The concept, the alias and how it was found, as the learned model counts its record:
    # "function.participation samråd|head".
    key: str


@dataclass(frozen=True)
class AliasHits:
    """Alias hits of a set of passages as arrays, one entry per hit, sorted by passage.

    Arrays, not an AliasHit per hit: 10,000 passages have some 50,000 hits, and an object for
    each was a sixth of the match stage. Objects are made only for the links kept.
    """

    rows: np.ndarray
    columns: np.ndarray
    first: np.ndarray
    last: np.ndarray
    # Index into HOWS, into alias_texts and into key_texts.
    how: np.ndarray
    alias: np.ndarray
    key: np.ndarray
    concept_ids: tuple[str, ...]
    alias_texts: Sequence[str]
    key_texts: Sequence[str]

    def __len__(self) -> int:
        return len(self.rows)

    def hit(self, n: int) -> AliasHit:
        """Hit `n` as an AliasHit."""
        return AliasHit(
            self.concept_ids[self.columns[n]],
            self.alias_texts[self.alias[n]],
            int(self.first[n]),
            int(self.last[n]),
            HOWS[self.how[n]],
            self.key_texts[self.key[n]],
        )

    def select(self, index: np.ndarray) -> AliasHits:
        """The hits `index` (positions into these arrays), in that order."""
        return AliasHits(
            self.rows[index],
            self.columns[index],
            self.first[index],
            self.last[index],
            self.how[index],
            self.alias[index],
            self.key[index],
            self.concept_ids,
            self.alias_texts,
            self.key_texts,
        )

    def best(self) -> AliasHits:
        """Per passage × concept its best hit, by (passage, concept): the first found as whole
        words, else the first inside a compound, else the first mention."""
        found_order = np.arange(len(self), dtype=np.int64)
        order = np.lexsort((found_order, _RANKS[self.how], self.columns, self.rows))
        rows, columns = self.rows[order], self.columns[order]
        opens = np.ones(len(order), dtype=bool)
        opens[1:] = (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])
        return self.select(order[opens])

    def take(self, rows: np.ndarray, passages: int) -> AliasHits:
        """The hits of the passages `rows` (of `passages`), renumbered in this order."""
        starts = np.searchsorted(self.rows, np.arange(passages + 1, dtype=np.int64))
        index, owner = ranges(starts, rows)
        return replace(self.select(index), rows=owner)


# What a word starts, or () when it starts nothing: its one-word hits as (concept, alias, how,
# key); the one-word exclude phrases it is; and the longer phrases beginning with it, by their
# second stem, as (phrase, words after the first, key, how) — so a phrase is compared in full only
# when its first two words are there.
Single = tuple[str, str, str, str]
Following = dict[str, tuple[tuple[Phrase, int, str, str], ...]]
Entry = tuple[tuple[Single, ...], tuple[Phrase, ...], Following] | tuple[()]


# One hit to place, as _Rows stores it: concept column, how (index into HOWS), alias id, key
# id, its place among the hits found at the same word, the words after the first, the phrase's
# stems as the call's stem ids (-1: not in the call), and whether it is an exclude phrase.
_Row = tuple[int, int, int, int, int, int, tuple[int, ...], bool]


@dataclass(frozen=True)
class _Rows:
    """Hits to place, in groups (a stem's one-word hits, or the phrases of a pair of stems):
    group g is rows starts[g] … starts[g + 1] - 1, one array per field of _Row."""

    starts: np.ndarray
    column: np.ndarray
    how: np.ndarray
    alias: np.ndarray
    key: np.ndarray
    seq: np.ndarray
    more: np.ndarray
    words: np.ndarray
    excludes: np.ndarray

    @staticmethod
    def of(groups: Sequence[Sequence[_Row]]) -> _Rows:
        """The arrays of these groups of rows."""
        rows = [row for group in groups for row in group]
        width = max((len(row[6]) for row in rows), default=1)
        column, how, alias, key, seq, more = (
            np.array([row[n] for row in rows], dtype=np.int64).reshape(len(rows)) for n in range(6)
        )
        words = np.full((len(rows), width), -1, dtype=np.int64)
        for n, row in enumerate(rows):
            words[n, : len(row[6])] = row[6]
        lengths = np.array([len(group) for group in groups], dtype=np.int64)
        return _Rows(
            starts=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            column=column,
            how=how,
            alias=alias,
            key=key,
            seq=seq,
            more=more,
            words=words,
            excludes=np.array([row[7] for row in rows], dtype=bool).reshape(len(rows)),
        )


@dataclass(frozen=True)
class _Table:
    """A call's stems' entries as arrays: the one-word hits and the one-word exclude phrases
    of each stem id (`singles`, `lone_excludes`: group = stem id), which stems begin longer
    phrases, and those phrases by their first two stems (`phrases`: group n is pair
    `pairs[n]`, a pair written first stem id × stems + second stem id, sorted)."""

    singles: _Rows
    lone_excludes: _Rows
    begins_phrase: np.ndarray
    pairs: np.ndarray
    phrases: _Rows


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
        self.concept_ids = tuple(c.concept_id for c in taxonomy.concepts)
        self.column = {concept_id: n for n, concept_id in enumerate(self.concept_ids)}
        # Aliases and "concept alias|how" keys by id, as AliasHits names them.
        self.alias_texts: list[str] = []
        self.key_texts: list[str] = []
        self._alias_ids: dict[str, int] = {}
        self._key_ids: dict[str, int] = {}

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

    def _table(self, stems: Sequence[str]) -> _Table:
        """The entries of these stems (a call's stem ids) as arrays (see _Table)."""
        stem_id = {word_stem: n for n, word_stem in enumerate(stems)}
        singles: list[list[_Row]] = []
        lone: list[list[_Row]] = []
        phrases: dict[int, list[_Row]] = {}
        begins = np.zeros(len(stems), dtype=bool)
        for first, word_stem in enumerate(stems):
            found = (
                self._entries[word_stem] if word_stem in self._entries else self.entry(word_stem)
            )
            if not found:
                singles.append([])
                lone.append([])
                continue
            own, alone, following = found
            singles.append(
                [
                    (self.column[c], HOWS.index(how), self._alias_id(a), self._key_id(k), n, 0)
                    + ((first,), False)
                    for n, (c, a, how, k) in enumerate(own)
                ]
            )
            lone.append(
                [
                    (self.column[phrase.concept_id], 0, 0, 0, 0, 0, (first,), True)
                    for phrase in alone
                ]
            )
            begins[first] = bool(following)
            for second, group in following.items():
                if second not in stem_id:
                    continue
                phrases[first * len(stems) + stem_id[second]] = [
                    (
                        self.column[phrase.concept_id],
                        HOWS.index(how),
                        self._alias_id(phrase.text),
                        self._key_id(key),
                        n,
                        more,
                        tuple(stem_id.get(s, -1) for s in phrase.stems),
                        phrase.excludes,
                    )
                    for n, (phrase, more, key, how) in enumerate(group)
                ]
        pairs = sorted(phrases)
        return _Table(
            singles=_Rows.of(singles),
            lone_excludes=_Rows.of(lone),
            begins_phrase=begins,
            pairs=np.array(pairs, dtype=np.int64),
            phrases=_Rows.of([phrases[pair] for pair in pairs]),
        )

    def _alias_id(self, text: str) -> int:
        known = self._alias_ids.get(text)
        if known is None:
            known = self._alias_ids[text] = len(self.alias_texts)
            self.alias_texts.append(text)
        return known

    def _key_id(self, key: str) -> int:
        known = self._key_ids.get(key)
        if known is None:
            known = self._key_ids[key] = len(self.key_texts)
            self.key_texts.append(key)
        return known

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

    def locate(self, tokens: Tokens) -> AliasHits:
        """Every alias hit of every passage that no exclude phrase of its concept covers, in
        the order found: by passage, word, one-word aliases before the phrases starting there.

        One `entry` per distinct stem, turned into arrays (`_table`); every hit is then placed
        by array operations: the one-word hits spread over the words that have them, the
        phrases over the places where their first two stems stand together and the rest
        follows. Only the exclusions found are visited one by one.
        """
        table = self._table(tokens.stems)
        flat, owners = tokens.stem_ids, tokens.owners
        # One-word hits: each word's rows of the table, in the entry's order.
        single, at = ranges(table.singles.starts, flat)
        singles = _placed(table.singles, single, at, tokens, group=0)
        # Phrases: the places where a phrase's first two stems stand in one passage.
        begins = np.flatnonzero(table.begins_phrase[flat[:-1]])
        begins = begins[owners[begins] == owners[begins + 1]]
        pairs = flat[begins] * len(tokens.stems) + flat[begins + 1]
        kept = _holds(table.pairs, pairs)
        groups = np.searchsorted(table.pairs, pairs[kept])
        phrase, at = ranges(table.phrases.starts, groups)
        places = begins[kept][at]
        fits = _phrase_fits(table.phrases, phrase, places, tokens)
        phrase, places = phrase[fits], places[fits]
        excludes = table.phrases.excludes[phrase]
        hits = _placed(table.phrases, phrase[~excludes], places[~excludes], tokens, group=1)
        excluded = _excluded_spans(table, tokens, phrase[excludes], places[excludes])
        rows, columns, first, last, how, alias, key, group, seq = (
            np.concatenate(parts) for parts in zip(singles, hits, strict=True)
        )
        order = np.lexsort((seq, group, first, rows))
        if excluded:
            codes = rows[order] * len(self.concept_ids) + columns[order]
            wanted = np.array([r * len(self.concept_ids) + c for r, c in excluded])
            keep = np.ones(len(order), dtype=bool)
            for n in np.flatnonzero(_holds(np.unique(wanted), codes)).tolist():
                hit = order[n]
                spans = excluded[(int(rows[hit]), int(columns[hit]))]
                keep[n] = not _covered(int(first[hit]), int(last[hit]), spans)
            order = order[keep]
        return AliasHits(
            rows[order],
            columns[order],
            first[order],
            last[order],
            how[order],
            alias[order],
            key[order],
            self.concept_ids,
            self.alias_texts,
            self.key_texts,
        )


def _placed(
    table: _Rows, rows: np.ndarray, places: np.ndarray, tokens: Tokens, group: int
) -> tuple[np.ndarray, ...]:
    """Hits of these table rows at these word positions (of the flat stem ids), as the arrays
    of AliasHits (passage, column, first and last word, how, alias, key) plus the order keys
    (`group`: 0 for one-word hits, found before the phrases at the same word; the entry's
    order)."""
    passages = tokens.owners[places]
    first = places - tokens.starts[passages]
    return (
        passages,
        table.column[rows],
        first,
        first + table.more[rows],
        table.how[rows],
        table.alias[rows],
        table.key[rows],
        np.full(len(rows), group, dtype=np.int64),
        table.seq[rows],
    )


def _phrase_fits(table: _Rows, rows: np.ndarray, places: np.ndarray, tokens: Tokens) -> np.ndarray:
    """Which phrases (table rows) beginning at these places stand there in full: within the
    passage, and every stem after the second one the phrase's."""
    more = table.more[rows]
    fits = places + more < tokens.starts[tokens.owners[places] + 1]
    for word in range(2, table.words.shape[1]):
        check = np.flatnonzero(fits & (more >= word))
        stands = tokens.stem_ids[places[check] + word] == table.words[rows[check], word]
        fits[check[~stands]] = False
    return fits


def _excluded_spans(
    table: _Table, tokens: Tokens, phrases: np.ndarray, places: np.ndarray
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """The words exclude phrases cover, per (passage, concept column): the longer ones found
    (table rows `phrases` at `places`) and every one-word exclude phrase."""
    excluded: dict[tuple[int, int], list[tuple[int, int]]] = {}
    lone, at = ranges(table.lone_excludes.starts, tokens.stem_ids)
    for found in (
        _placed(table.phrases, phrases, places, tokens, group=1),
        _placed(table.lone_excludes, lone, at, tokens, group=0),
    ):
        passages, columns, first, last = (values.tolist() for values in found[:4])
        for passage, column, start, end in zip(passages, columns, first, last, strict=True):
            excluded.setdefault((passage, column), []).append((start, end))
    return excluded


def _holds(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of `values` are among `sorted_values` (np.isin sorts both, which cost more than
    the look-up itself)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _key(concept_id: str, alias: str, how: str) -> str:
    return f"{concept_id} {alias}" if how == WHOLE else f"{concept_id} {alias}|{how}"


def _covered(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(first <= start and end <= last for first, last in spans)
