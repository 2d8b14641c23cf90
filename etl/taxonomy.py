"""The shared taxonomy: concepts in four dimensions and the crosswalk onto ECCAR's ten points.

The taxonomy is a TOML file that municipal strategists edit by hand, so loading it checks
everything a slip of the keyboard could break and names, in the error, the entry that is wrong
and how to fix it. Pure: text in, frozen data out; no database and no UI.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.errors import InputError
from etl.model import DIMENSIONS

ECCAR_DIMENSION = "eccar"

# The ids DESIGN.md fixes as a contract: the evaluation and the ECCAR page rely on them.
REQUIRED_CONCEPT_IDS: tuple[str, ...] = (
    *(f"eccar.{n:02d}" for n in range(1, 11)),
    "function.governance",
    "function.knowledge",
    "function.competence",
    "function.methods",
    "function.collaboration",
    "function.communication",
    "function.followup",
    "function.participation",
    "function.service",
    "focus.racism_general",
    "focus.afrophobia",
    "focus.antisemitism",
    "focus.antiziganism",
    "focus.islamophobia",
    "focus.anti_sami",
    "focus.national_minorities",
    "focus.children_youth",
    "focus.lgbtqi",
    "focus.gender_equality",
    "focus.disability",
    "arena.school",
    "arena.labour_market",
    "arena.culture",
    "arena.leisure_sport",
    "arena.housing",
    "arena.social_services",
    "arena.employer",
    "arena.digital",
)

ONE_LINE_FIELDS: tuple[str, ...] = ("label_sv", "label_en", "scope_sv", "scope_en")
CONCEPT_KEYS: tuple[str, ...] = ("id", "dimension", *ONE_LINE_FIELDS, "aliases", "exclude")
CROSSWALK_KEYS: tuple[str, ...] = ("from", "to", "why")
TOP_LEVEL_KEYS: tuple[str, ...] = ("concept", "crosswalk")
TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Concept:
    """One taxonomy concept and the phrases that signal it (or only look as if they did)."""

    concept_id: str
    dimension: str
    label_sv: str
    label_en: str
    scope_sv: str
    scope_en: str
    aliases: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """All concepts in file order, and the crosswalk as (source id, eccar id) pairs."""

    concepts: tuple[Concept, ...]
    crosswalk: tuple[tuple[str, str], ...]

    def by_id(self, concept_id: str) -> Concept:
        """The concept with this id; KeyError if there is none."""
        for concept in self.concepts:
            if concept.concept_id == concept_id:
                return concept
        raise KeyError(f"unknown concept id {concept_id!r}")

    def dimensions(self) -> tuple[str, ...]:
        """The dimensions that have concepts, in the canonical order of DIMENSIONS."""
        present = {concept.dimension for concept in self.concepts}
        return tuple(dimension for dimension in DIMENSIONS if dimension in present)

    def eccar_targets(self, concept_id: str) -> tuple[str, ...]:
        """The ECCAR commitments this concept counts towards as derived coverage (may be empty)."""
        return tuple(target for source, target in self.crosswalk if source == concept_id)


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate the taxonomy file at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{path}: taxonomy file not found; restore data/taxonomy.toml from the repository"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    return parse_taxonomy(text, source=str(path))


def parse_taxonomy(toml_text: str, source: str = "taxonomy.toml") -> Taxonomy:
    """Validate taxonomy TOML and return it as frozen data; InputError names what to fix."""
    document = _parse_toml(toml_text, source)
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            raise InputError(
                f"{source}: unknown top-level key {key!r}; the file holds only [[concept]] "
                "and [[crosswalk]] entries"
            )
    concepts = _parse_concepts(_entries(document, "concept", source), source)
    crosswalk = _parse_crosswalk(_entries(document, "crosswalk", source), concepts, source)
    known = {concept.concept_id for concept in concepts}
    missing = [concept_id for concept_id in REQUIRED_CONCEPT_IDS if concept_id not in known]
    if missing:
        raise InputError(
            f"{source}: missing required concept id(s): {', '.join(missing)}; these ids are a "
            "contract (DESIGN.md), restore them with exactly this spelling"
        )
    return Taxonomy(concepts=concepts, crosswalk=crosswalk)


def _parse_toml(toml_text: str, source: str) -> dict[str, Any]:
    """tomllib's parse, with its error turned into one a person can act on."""
    try:
        return tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        position = TOML_POSITION.search(reason)
        if position is None:
            where = "near the end of the file"
        else:
            reason = reason[: position.start()]
            where = f"at line {position.group(1)}, column {position.group(2)}"
        raise InputError(
            f"{source}: not valid TOML {where}: {reason}; check the quotes, commas and "
            "brackets there and on the line before"
        ) from None


def _entries(document: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    """The [[key]] array of tables; anything else under that key is a mistake."""
    entries = document.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{source}: {key!r} must be written as [[{key}]] blocks, one per entry")
    return entries


def _norm(phrase: str) -> str:
    """The form in which two phrases count as the same: case and spacing ignored."""
    return " ".join(phrase.split()).casefold()


def _parse_concepts(entries: list[dict[str, Any]], source: str) -> tuple[Concept, ...]:
    concepts: list[Concept] = []
    first_entry: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        concept = _parse_concept(entry, number, source)
        if concept.concept_id in first_entry:
            raise InputError(
                f"{source}: concept id {concept.concept_id!r} is used by entries "
                f"{first_entry[concept.concept_id]} and {number}; ids must be unique, "
                "rename or merge one of them"
            )
        first_entry[concept.concept_id] = number
        concepts.append(concept)
    return tuple(concepts)


def _parse_concept(entry: dict[str, Any], number: int, source: str) -> Concept:
    concept_id = entry.get("id")
    if not isinstance(concept_id, str) or not concept_id.strip():
        raise InputError(
            f'{source}: concept entry {number} has no id; add a line such as id = "arena.housing"'
        )
    concept_id = concept_id.strip()
    where = f"{source}: concept {concept_id!r}"
    for key in entry:
        if key not in CONCEPT_KEYS:
            raise InputError(
                f"{where} has an unknown key {key!r}; allowed keys are: {', '.join(CONCEPT_KEYS)}"
            )
    texts = {field: _one_line(entry, field, where) for field in ("dimension", *ONE_LINE_FIELDS)}
    dimension = texts["dimension"]
    if dimension not in DIMENSIONS:
        raise InputError(
            f"{where} has unknown dimension {dimension!r}; use one of: {', '.join(DIMENSIONS)}"
        )
    if not concept_id.startswith(f"{dimension}."):
        raise InputError(
            f"{where} is in dimension {dimension!r}, so its id must start with "
            f"'{dimension}.'; rename it or change its dimension"
        )
    aliases = _phrases(entry, "aliases", where)
    if not aliases:
        raise InputError(
            f'{where} has no aliases; add aliases = ["..."] with at least one phrase '
            "the documents use for it"
        )
    exclude = _phrases(entry, "exclude", where)
    alias_forms = {_norm(alias) for alias in aliases}
    for phrase in exclude:
        if _norm(phrase) in alias_forms:
            raise InputError(
                f"{where} has {phrase!r} both in aliases and in exclude; keep it in one of them"
            )
    return Concept(
        concept_id=concept_id,
        dimension=dimension,
        label_sv=texts["label_sv"],
        label_en=texts["label_en"],
        scope_sv=texts["scope_sv"],
        scope_en=texts["scope_en"],
        aliases=aliases,
        exclude=exclude,
    )


def _one_line(entry: dict[str, Any], field: str, where: str) -> str:
    """A required, non-empty, single-line text field."""
    value = entry.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f'{where} has no {field}; add {field} = "..." with one line of text')
    if not isinstance(value, str):
        raise InputError(f"{where}: {field} must be text in double quotes")
    if "\n" in value.strip():
        raise InputError(f"{where}: {field} must be one line; remove the line breaks")
    return value.strip()


def _phrases(entry: dict[str, Any], field: str, where: str) -> tuple[str, ...]:
    """An optional list of phrases: text, not empty, no phrase twice (case and spacing aside)."""
    value = entry.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(
            f'{where}: {field} must be a list of phrases, like {field} = ["...", "..."]'
        )
    phrases: list[str] = []
    seen: set[str] = set()
    for item in value:
        phrase = " ".join(item.split())
        if not phrase:
            raise InputError(f'{where} has an empty phrase in {field}; remove the ""')
        if _norm(phrase) in seen:
            raise InputError(f"{where} lists {phrase!r} twice in {field}; remove one of them")
        seen.add(_norm(phrase))
        phrases.append(phrase)
    return tuple(phrases)


def _parse_crosswalk(
    entries: list[dict[str, Any]], concepts: tuple[Concept, ...], source: str
) -> tuple[tuple[str, str], ...]:
    dimension_of = {concept.concept_id: concept.dimension for concept in concepts}
    pairs: dict[tuple[str, str], int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: crosswalk entry {number}"
        for key in entry:
            if key not in CROSSWALK_KEYS:
                raise InputError(
                    f"{where} has an unknown key {key!r}; allowed keys are: "
                    f"{', '.join(CROSSWALK_KEYS)}"
                )
        origin, target = entry.get("from"), entry.get("to")
        if not isinstance(origin, str) or not isinstance(target, str):
            raise InputError(f'{where} needs both from = "..." and to = "eccar.NN"')
        where = f"{where} ({origin} -> {target})"
        for concept_id in (origin, target):
            if concept_id not in dimension_of:
                raise InputError(
                    f"{where} names the unknown concept {concept_id!r}; fix the spelling "
                    "or add that [[concept]]"
                )
        if dimension_of[origin] == ECCAR_DIMENSION:
            raise InputError(
                f"{where} starts from an eccar concept; a crosswalk leads from a function, "
                "focus or arena concept to an eccar one"
            )
        if dimension_of[target] != ECCAR_DIMENSION:
            raise InputError(
                f"{where} must point to an eccar concept, but {target!r} is in dimension "
                f'{dimension_of[target]!r}; use an id such as "eccar.06"'
            )
        if (origin, target) in pairs:
            raise InputError(
                f"{where} repeats crosswalk entry {pairs[(origin, target)]}; remove one of them"
            )
        pairs[(origin, target)] = number
    return tuple(pairs)
