"""The shipped taxonomy honours the contract, its validation speaks plainly, the gold sample holds.

The error tests compare whole messages on purpose: the message is the user interface for a
strategist who has just broken the file.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from etl.errors import InputError
from etl.taxonomy import (
    DIMENSIONS,
    REQUIRED_CONCEPT_IDS,
    Taxonomy,
    load_taxonomy,
    parse_taxonomy,
)

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY_FILE = ROOT / "data" / "taxonomy.toml"
RAW_DIR = ROOT / "data" / "raw"
GOLD_FILE = ROOT / "tests" / "fixtures" / "gold_mappings.tsv"
MIN_ALIASES = 5
GOLD_DOCS = ("000", "001", "003", "004")
PASSAGE_CHARS = (20, 200)
# Who labelled a gold row: the first sample, or the blind relabelling by LABELLING.md that
# added the items it had left out (benchmarks/results/gold_changes.md counts them).
GOLD_BATCHES = ("original", "gold6")

# Aliases shared by two concepts of one dimension on purpose: (dimension, alias, concept ids).
# Stockholm's MR-programme focus area "Kunskap och information" is both knowledge and
# communication work.
DELIBERATE_OVERLAPS: set[tuple[str, str, tuple[str, ...]]] = {
    ("function", "kunskap och information", ("function.communication", "function.knowledge")),
}


def concept_block(concept_id: str, dimension: str, *, drop: str = "", **extra: str) -> str:
    """A valid [[concept]] block as TOML text; `drop` leaves one key out, `extra` adds raw lines."""
    lines = {
        "id": f'"{concept_id}"',
        "dimension": f'"{dimension}"',
        "label_sv": '"Etikett"',
        "label_en": '"Label"',
        "scope_sv": '"Omfång."',
        "scope_en": '"Scope."',
        "aliases": '["första frasen", "andra frasen"]',
        **extra,
    }
    body = "\n".join(f"{key} = {value}" for key, value in lines.items() if key != drop)
    return f"[[concept]]\n{body}\n"


def crosswalk_block(origin: str, target: str) -> str:
    return f'[[crosswalk]]\nfrom = "{origin}"\nto = "{target}"\n'


def error_of(toml_text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_taxonomy(toml_text, source="t.toml")
    return str(caught.value)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


# --- the shipped file ------------------------------------------------------------------------


def test_shipped_file_loads_with_all_dimensions(taxonomy: Taxonomy) -> None:
    assert taxonomy.dimensions() == DIMENSIONS
    assert len(taxonomy.concepts) >= len(REQUIRED_CONCEPT_IDS)


def test_contract_ids_present_with_swedish_and_english_labels(taxonomy: Taxonomy) -> None:
    for concept_id in REQUIRED_CONCEPT_IDS:
        concept = taxonomy.by_id(concept_id)
        assert concept.dimension == concept_id.split(".")[0]
        assert concept.label_sv and concept.label_en
        assert concept.scope_sv and concept.scope_en


def test_required_ids_match_design_contract() -> None:
    assert len(REQUIRED_CONCEPT_IDS) == 10 + 9 + 11 + 8
    assert len(set(REQUIRED_CONCEPT_IDS)) == len(REQUIRED_CONCEPT_IDS)


def test_every_concept_has_enough_aliases(taxonomy: Taxonomy) -> None:
    thin = [c.concept_id for c in taxonomy.concepts if len(c.aliases) < MIN_ALIASES]
    assert thin == []


def test_crosswalk_targets_exist_and_are_eccar(taxonomy: Taxonomy) -> None:
    assert taxonomy.crosswalk
    for origin, target in taxonomy.crosswalk:
        assert taxonomy.by_id(origin).dimension != "eccar"
        assert taxonomy.by_id(target).dimension == "eccar"


def test_crosswalk_helpers(taxonomy: Taxonomy) -> None:
    assert taxonomy.eccar_targets("arena.housing") == ("eccar.07",)
    assert set(taxonomy.eccar_targets("function.competence")) == {"eccar.06", "eccar.08"}
    assert taxonomy.eccar_targets("eccar.07") == ()
    with pytest.raises(KeyError):
        taxonomy.by_id("arena.nowhere")


def test_alias_overlaps_within_a_dimension_are_only_the_deliberate_ones(
    taxonomy: Taxonomy,
) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for concept in taxonomy.concepts:
        for alias in concept.aliases:
            owners[(concept.dimension, alias.casefold())].add(concept.concept_id)
    overlaps = {
        (dimension, alias, tuple(sorted(ids)))
        for (dimension, alias), ids in owners.items()
        if len(ids) > 1
    }
    assert overlaps == DELIBERATE_OVERLAPS


def test_exclude_phrases_are_not_also_aliases_of_the_same_concept(taxonomy: Taxonomy) -> None:
    for concept in taxonomy.concepts:
        aliases = {alias.casefold() for alias in concept.aliases}
        assert not aliases & {phrase.casefold() for phrase in concept.exclude}


# --- validation messages ---------------------------------------------------------------------


def test_invalid_toml_names_the_line() -> None:
    text = concept_block("arena.housing", "arena") + 'label_sv = "unterminated\n'
    assert error_of(text) == (
        "t.toml: not valid TOML at line 9, column 25: Illegal character '\\n'; check the "
        "quotes, commas and brackets there and on the line before"
    )


def test_duplicate_id() -> None:
    text = concept_block("arena.housing", "arena") + concept_block("arena.housing", "arena")
    assert error_of(text) == (
        "t.toml: concept id 'arena.housing' is used by entries 1 and 2; ids must be unique, "
        "rename or merge one of them"
    )


def test_unknown_dimension() -> None:
    assert error_of(concept_block("place.housing", "place")) == (
        "t.toml: concept 'place.housing' has unknown dimension 'place'; use one of: "
        "eccar, function, focus, arena"
    )


def test_id_must_start_with_its_dimension() -> None:
    assert error_of(concept_block("focus.housing", "arena")) == (
        "t.toml: concept 'focus.housing' is in dimension 'arena', so its id must start with "
        "'arena.'; rename it or change its dimension"
    )


def test_missing_id() -> None:
    assert error_of(concept_block("arena.housing", "arena", drop="id")) == (
        't.toml: concept entry 1 has no id; add a line such as id = "arena.housing"'
    )


@pytest.mark.parametrize("field", ["label_sv", "label_en", "scope_sv", "scope_en"])
def test_missing_label_or_scope(field: str) -> None:
    assert error_of(concept_block("arena.housing", "arena", drop=field)) == (
        f"t.toml: concept 'arena.housing' has no {field}; add {field} = \"...\" "
        "with one line of text"
    )


def test_blank_label_counts_as_missing() -> None:
    assert error_of(concept_block("arena.housing", "arena", label_en='"  "')) == (
        "t.toml: concept 'arena.housing' has no label_en; add label_en = \"...\" "
        "with one line of text"
    )


def test_scope_must_be_one_line() -> None:
    text = concept_block("arena.housing", "arena", scope_en='"""First line.\nSecond line."""')
    assert error_of(text) == (
        "t.toml: concept 'arena.housing': scope_en must be one line; remove the line breaks"
    )


@pytest.mark.parametrize("aliases", ["[]", None])
def test_empty_aliases(aliases: str | None) -> None:
    if aliases is None:
        text = concept_block("arena.housing", "arena", drop="aliases")
    else:
        text = concept_block("arena.housing", "arena", aliases=aliases)
    assert error_of(text) == (
        "t.toml: concept 'arena.housing' has no aliases; add aliases = [\"...\"] with at "
        "least one phrase the documents use for it"
    )


def test_aliases_must_be_a_list_of_text() -> None:
    assert error_of(concept_block("arena.housing", "arena", aliases='"bostäder"')) == (
        "t.toml: concept 'arena.housing': aliases must be a list of phrases, like "
        'aliases = ["...", "..."]'
    )


def test_duplicate_alias_within_a_concept_ignores_case_and_spacing() -> None:
    text = concept_block("arena.housing", "arena", aliases='["bostäder", "Bostäder "]')
    assert error_of(text) == (
        "t.toml: concept 'arena.housing' lists 'Bostäder' twice in aliases; remove one of them"
    )


def test_empty_alias() -> None:
    text = concept_block("arena.housing", "arena", aliases='["bostäder", " "]')
    assert error_of(text) == (
        "t.toml: concept 'arena.housing' has an empty phrase in aliases; remove the \"\""
    )


def test_phrase_both_alias_and_exclude() -> None:
    text = concept_block(
        "arena.housing", "arena", aliases='["bostäder", "boende"]', exclude='["Boende"]'
    )
    assert error_of(text) == (
        "t.toml: concept 'arena.housing' has 'Boende' both in aliases and in exclude; "
        "keep it in one of them"
    )


def test_unknown_concept_key() -> None:
    text = concept_block("arena.housing", "arena", alias='["bostäder"]')
    assert error_of(text) == (
        "t.toml: concept 'arena.housing' has an unknown key 'alias'; allowed keys are: "
        "id, dimension, label_sv, label_en, scope_sv, scope_en, aliases, exclude"
    )


def test_unknown_top_level_key() -> None:
    assert error_of('concepts = "x"\n') == (
        "t.toml: unknown top-level key 'concepts'; the file holds only [[concept]] and "
        "[[crosswalk]] entries"
    )


def test_crosswalk_from_unknown_id() -> None:
    text = concept_block("eccar.07", "eccar") + crosswalk_block("arena.housin", "eccar.07")
    assert error_of(text) == (
        "t.toml: crosswalk entry 1 (arena.housin -> eccar.07) names the unknown concept "
        "'arena.housin'; fix the spelling or add that [[concept]]"
    )


def test_crosswalk_to_unknown_id() -> None:
    text = concept_block("arena.housing", "arena") + crosswalk_block("arena.housing", "eccar.7")
    assert error_of(text) == (
        "t.toml: crosswalk entry 1 (arena.housing -> eccar.7) names the unknown concept "
        "'eccar.7'; fix the spelling or add that [[concept]]"
    )


def test_crosswalk_target_must_be_eccar() -> None:
    text = (
        concept_block("arena.housing", "arena")
        + concept_block("focus.disability", "focus")
        + crosswalk_block("arena.housing", "focus.disability")
    )
    assert error_of(text) == (
        "t.toml: crosswalk entry 1 (arena.housing -> focus.disability) must point to an eccar "
        "concept, but 'focus.disability' is in dimension 'focus'; use an id such as "
        '"eccar.06"'
    )


def test_crosswalk_source_must_not_be_eccar() -> None:
    text = (
        concept_block("eccar.06", "eccar")
        + concept_block("eccar.07", "eccar")
        + crosswalk_block("eccar.06", "eccar.07")
    )
    assert error_of(text) == (
        "t.toml: crosswalk entry 1 (eccar.06 -> eccar.07) starts from an eccar concept; a "
        "crosswalk leads from a function, focus or arena concept to an eccar one"
    )


def test_crosswalk_repeated_pair() -> None:
    text = (
        concept_block("arena.housing", "arena")
        + concept_block("eccar.07", "eccar")
        + crosswalk_block("arena.housing", "eccar.07") * 2
    )
    assert error_of(text) == (
        "t.toml: crosswalk entry 2 (arena.housing -> eccar.07) repeats crosswalk entry 1; "
        "remove one of them"
    )


def test_crosswalk_needs_from_and_to() -> None:
    text = concept_block("eccar.07", "eccar") + '[[crosswalk]]\nto = "eccar.07"\n'
    assert error_of(text) == 't.toml: crosswalk entry 1 needs both from = "..." and to = "eccar.NN"'


def test_required_contract_id_missing() -> None:
    shipped = TAXONOMY_FILE.read_text(encoding="utf-8")
    broken = shipped.replace('id = "arena.digital"', 'id = "arena.online"')
    with pytest.raises(InputError) as caught:
        parse_taxonomy(broken, source="t.toml")
    assert str(caught.value) == (
        "t.toml: missing required concept id(s): arena.digital; these ids are a contract "
        "(DESIGN.md), restore them with exactly this spelling"
    )


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "taxonomy.toml"
    with pytest.raises(InputError) as caught:
        load_taxonomy(missing)
    assert str(caught.value) == (
        f"{missing}: taxonomy file not found; restore data/taxonomy.toml from the repository"
    )


# --- the gold sample -------------------------------------------------------------------------


def read_gold() -> list[dict[str, str]]:
    with GOLD_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def source_texts() -> dict[str, str]:
    return {path.name[:3]: path.read_text(encoding="utf-8") for path in RAW_DIR.glob("*.txt")}


def test_gold_passages_are_verbatim_and_unique() -> None:
    texts = source_texts()
    rows = read_gold()
    # At most one row per extracted item: the four documents have about 140.
    assert 60 <= len(rows) <= 150
    assert {row["doc"] for row in rows} == set(GOLD_DOCS)
    for row in rows:
        text, passage = texts[row["doc"]], row["passage"]
        assert text.count(passage) == 1, (row["doc"], passage)
        low, high = PASSAGE_CHARS
        # A complete short list item ("4. Metodutveckling") is allowed below the minimum.
        assert low <= len(passage) <= high or passage in text.splitlines(), passage


def test_gold_concepts_exist(taxonomy: Taxonomy) -> None:
    """Must and acceptable concepts are known, unrepeated and disjoint.

    A row with neither is allowed: the guide's "item with no concept" (a general human-rights
    statement), on which every predicted concept counts as wrong.
    """
    known = {concept.concept_id for concept in taxonomy.concepts}
    for row in read_gold():
        must, ok = row["concepts"].split(), row["ok"].split()
        assert len(set(must)) == len(must) and len(set(ok)) == len(ok), row["passage"]
        assert set(must) <= known and set(ok) <= known, row["passage"]
        assert not set(must) & set(ok), row["passage"]
        assert row["batch"] in GOLD_BATCHES, row["passage"]
