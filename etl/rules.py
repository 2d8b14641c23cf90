"""The labelling guide's inference rules and the matcher's language settings, as data.

data/rules.toml sits next to the taxonomy so that a person can read and change what the guide
says (LABELLING.md sections 2 and 3): which words show that a passage or its document is about
racism or discrimination, when a one-word alias counts inside a compound, and which links follow
from others ("dialogue with residents in work against racism is eccar.04"). Loading checks
every entry against the taxonomy and names, in the error, what is wrong and how to fix it.
Each rule carries its own example passage, which tests/test_map.py runs through the matcher.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from etl.errors import InputError
from etl.parse import fold
from etl.taxonomy import DIMENSIONS, Taxonomy
from etl.vocabulary import CompoundRule, stem, stems_of

TOP_LEVEL_KEYS = ("context", "compounds", "rule")
CONTEXT_KEYS = (
    "racism_words",
    "steering_kinds",
    "subject_dimensions",
    "document_words",
    "passing_words",
    "racism_focus",
    "dominant_share",
)
COMPOUND_KEYS = ("min_alias", "min_rest", "linking", "not_after_modifier")
RULE_KEYS = (
    "id",
    "why",
    "when_concepts",
    "when_words",
    "also_concepts",
    "also_words",
    "about_racism",
    "then",
    "example",
)
EXAMPLE_KEYS = ("text", "title", "kind")
# How a rule's evidence says it holds through the document, not the passage's own words.
FROM_SUBJECT = "from the document's subject"


@dataclass(frozen=True)
class Example:
    """A made-up passage (and its document's title and kind) on which a rule must fire."""

    text: str
    title: str
    kind: str


@dataclass(frozen=True)
class InferenceRule:
    """If the item has any of `when_concepts` (or holds any of `when_words`), add `then`.

    When `also_concepts` or `also_words` are given, the passage's own words must name one of
    them too: the guide's "staff training" is training (the function) *of staff* (who), and
    "involving residents" is participation *of residents or the groups concerned*.
    """

    rule_id: str
    why: str
    when_concepts: tuple[str, ...]
    when_words: tuple[tuple[str, ...], ...]
    about_racism: bool
    then: tuple[str, ...]
    example: Example
    also_concepts: tuple[str, ...] = ()
    also_words: tuple[tuple[str, ...], ...] = ()

    @property
    def needs_also(self) -> bool:
        """Does the rule have a second condition, on the passage's own words?"""
        return bool(self.also_concepts or self.also_words)

    def from_document_subject(self, title: str) -> InferenceRule:
        """The rule as it fires for a passage whose own words do not name racism or
        discrimination but whose document does (guide §2: "an item of an action plan against
        racism is anti-racism work even when its own sentence does not repeat the word").

        Its own id, so that the link model keeps its record apart from the passage-worded
        case, and a `why` naming the document, so that a reviewer sees where the link came
        from.
        """
        return replace(
            self,
            rule_id=f"{self.rule_id} ({FROM_SUBJECT})",
            why=f"{self.why}; the document: «{title}»",
        )


@dataclass(frozen=True)
class Rules:
    """Everything data/rules.toml says."""

    racism_words: tuple[str, ...]
    steering_kinds: frozenset[str]
    compounds: CompoundRule
    rules: tuple[InferenceRule, ...]
    # Aliases, as stems, whose hit alone is a mention: those that name a kind of steering
    # document (`document_words`) and everyday steering words (`passing_words`).
    document_words: frozenset[tuple[str, ...]]
    # The dimensions whose concepts a document's title and subject give to its items.
    subject_dimensions: frozenset[str]
    # Focus concepts that name racism or discrimination, and the share of a document's items
    # naming it (by these or by a racism word) that makes racism the document's dominant focus.
    racism_focus: tuple[str, ...] = ()
    dominant_share: float = 1.0
    # Each distinct stem's answer, worked out once: a passage is asked about every word.
    _racism_stems: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def about_racism(self, stems: Iterable[str]) -> bool:
        """Do these word stems speak of racism or discrimination (a word beginning listed)?"""
        known = self._racism_stems
        stems = list(stems)
        answers = list(map(known.get, stems))
        if None in answers:
            for word_stem in set(stems).difference(known):
                known[word_stem] = word_stem.startswith(self.racism_words)
            answers = list(map(known.__getitem__, stems))
        return any(answers)


def load_rules(path: Path, taxonomy: Taxonomy) -> Rules:
    """Read and validate data/rules.toml against the taxonomy."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: rules file not found; restore data/rules.toml") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"{path}: not valid TOML: {exc}; check the quotes, commas and brackets there"
        ) from None
    return parse_rules(document, taxonomy, str(path))


def parse_rules(document: dict[str, Any], taxonomy: Taxonomy, source: str) -> Rules:
    """Validate the parsed TOML; InputError names the entry to fix."""
    _known_keys(document, TOP_LEVEL_KEYS, source)
    known = {c.concept_id for c in taxonomy.concepts}
    context = _table(document, "context", CONTEXT_KEYS, source)
    compounds = _table(document, "compounds", COMPOUND_KEYS, source)
    rule_entries = document.get("rule", [])
    if not isinstance(rule_entries, list):
        raise InputError(f"{source}: write each rule as a [[rule]] block")
    rules = tuple(_parse_rule(e, n, known, source) for n, e in enumerate(rule_entries, start=1))
    racism_words = _texts(context, "racism_words", f"{source} [context]")
    for word in racism_words:
        if len(stems_of(word)) != 1:
            raise InputError(
                f"{source} [context]: racism_words holds {word!r}; write single word "
                "beginnings, without spaces or hyphens"
            )
    seen: set[str] = set()
    for rule in rules:
        if rule.rule_id in seen:
            raise InputError(f"{source}: rule id {rule.rule_id!r} is used twice; rename one")
        seen.add(rule.rule_id)
    return Rules(
        # A beginning may be cut by the stemmer itself ("hatbrott" → "hatbrot"): keep both.
        racism_words=tuple(
            sorted({fold(w) for w in racism_words} | {stem(w) for w in racism_words})
        ),
        steering_kinds=frozenset(_texts(context, "steering_kinds", f"{source} [context]")),
        compounds=CompoundRule(
            min_alias=_count(compounds, "min_alias", source),
            min_rest=_count(compounds, "min_rest", source),
            linking=tuple(fold(w) for w in _texts(compounds, "linking", f"{source} [compounds]")),
            not_after_modifier=tuple(
                s
                for w in _texts(compounds, "not_after_modifier", f"{source} [compounds]")
                for s in stems_of(w)
            ),
        ),
        subject_dimensions=_dimensions(context, source),
        document_words=frozenset(
            tuple(stems_of(w))
            for key in ("document_words", "passing_words")
            for w in _texts(context, key, f"{source} [context]")
        ),
        rules=rules,
        racism_focus=_racism_focus(context, known, source),
        dominant_share=_share(context, "dominant_share", source),
    )


def _parse_rule(entry: Any, number: int, known: set[str], source: str) -> InferenceRule:
    where = f"{source}: rule {number}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} must be a [[rule]] block")
    _known_keys(entry, RULE_KEYS, where)
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise InputError(f'{where} has no id; add id = "a-short-name"')
    where = f"{source}: rule {rule_id!r}"
    why = entry.get("why")
    if not isinstance(why, str) or not why.strip():
        raise InputError(f"{where} has no why; say in one line which guide rule it writes down")
    when_concepts = _texts(entry, "when_concepts", where)
    when_words = _texts(entry, "when_words", where)
    also_concepts = _texts(entry, "also_concepts", where)
    also_words = _texts(entry, "also_words", where)
    then = _texts(entry, "then", where)
    if not then:
        raise InputError(f'{where} adds nothing; write then = ["eccar.04"] or similar')
    if not when_concepts and not when_words:
        raise InputError(f"{where} needs when_concepts or when_words: when does it apply?")
    _concepts_exist((*when_concepts, *also_concepts, *then), known, where)
    about_racism = entry.get("about_racism", False)
    if not isinstance(about_racism, bool):
        raise InputError(f"{where}: about_racism must be true or false")
    if any(c.startswith("eccar.") for c in then) and not about_racism:
        raise InputError(
            f"{where} adds an ECCAR commitment, which the guide gives only to work against "
            "racism or discrimination; set about_racism = true"
        )
    example = entry.get("example")
    if not isinstance(example, dict) or not isinstance(example.get("text"), str):
        raise InputError(
            f'{where} has no example; add example = {{ text = "...", title = "..." }}, '
            "a made-up passage on which the rule must fire"
        )
    _known_keys(example, EXAMPLE_KEYS, f"{where} example")
    return InferenceRule(
        rule_id=rule_id.strip(),
        why=why.strip(),
        when_concepts=when_concepts,
        when_words=tuple(tuple(stems_of(w)) for w in when_words),
        also_concepts=also_concepts,
        also_words=tuple(tuple(stems_of(w)) for w in also_words),
        about_racism=about_racism,
        then=then,
        example=Example(
            text=example["text"],
            title=str(example.get("title", "")),
            kind=str(example.get("kind", "other")),
        ),
    )


def _dimensions(context: dict[str, Any], source: str) -> frozenset[str]:
    named = _texts(context, "subject_dimensions", f"{source} [context]")
    for dimension in named:
        if dimension not in DIMENSIONS:
            raise InputError(
                f"{source} [context]: subject_dimensions names {dimension!r}; "
                f"dimensions are {', '.join(DIMENSIONS)}"
            )
    return frozenset(named)


def _racism_focus(context: dict[str, Any], known: set[str], source: str) -> tuple[str, ...]:
    where = f"{source} [context] racism_focus"
    named = _texts(context, "racism_focus", where)
    _concepts_exist(named, known, where)
    for concept_id in named:
        if not concept_id.startswith("focus."):
            raise InputError(f"{where} names {concept_id!r}; list focus concepts only")
    return named


def _share(table: dict[str, Any], key: str, source: str) -> float:
    value = table.get(key, 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InputError(f"{source} [context]: {key} must be a share between 0 and 1, like 0.5")
    return float(value)


def _known_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(
                f"{where} has an unknown key {key!r}; allowed keys are: {', '.join(allowed)}"
            )


def _table(document: dict[str, Any], key: str, allowed: tuple[str, ...], source: str) -> Any:
    table = document.get(key)
    if not isinstance(table, dict):
        raise InputError(f"{source}: the [{key}] section is missing; restore it")
    _known_keys(table, allowed, f"{source} [{key}]")
    return table


def _texts(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f'{where}: {key} must be a list of non-empty texts, like ["...", "..."]')
    return tuple(v.strip() for v in value)


def _count(table: dict[str, Any], key: str, source: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError(f"{source} [compounds]: {key} must be a whole number of letters, ≥ 1")
    return value


def _concepts_exist(ids: tuple[str, ...], known: set[str], where: str) -> None:
    for concept_id in ids:
        if concept_id not in known:
            dimension = concept_id.split(".")[0]
            hint = "" if dimension in DIMENSIONS else f"; dimensions are {', '.join(DIMENSIONS)}"
            raise InputError(f"{where} names the unknown concept {concept_id!r}{hint}")
