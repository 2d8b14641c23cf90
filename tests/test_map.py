"""The matcher on the shipped corpus (gold precision and recall, stated links) and on small inputs.

The small cases pin the rules a strategist relies on when editing the taxonomy: exclude phrases
silence an alias, compounds match by their head, derivations are not inflections, ECCAR points
need a passage about racism, and every span points at the words that matched.
"""

from __future__ import annotations

import duckdb
import pytest
from rapidfuzz import fuzz

from benchmarks.evaluate_mapping import measure, read_gold
from etl.map import MATCH_THRESHOLD, map_items, normalise
from etl.model import Item
from etl.paths import Paths
from etl.taxonomy import Concept, Taxonomy

# Measured by benchmarks/evaluate_mapping.py; a change may cost a little, not more.
MEASURED_PRECISION = 0.910
MEASURED_RECALL = 0.958
MARGIN = 0.02


def concept(concept_id: str, aliases: list[str], exclude: list[str] = ()) -> Concept:
    dimension = concept_id.split(".")[0]
    return Concept(concept_id, dimension, "L", "L", "S", "S", tuple(aliases), tuple(exclude))


def links(text: str, *concepts: Concept, item_id: str = "x") -> dict[str, tuple[str, str]]:
    """concept id → (matched alias, matched text) for one passage."""
    item = Item(item_id, "d", "Malmö", "component", text, text, "s", 0, len(text))
    found = map_items([item], Taxonomy(concepts, ()))
    return {m.concept_id: (m.matched_alias, text[m.match_start : m.match_end]) for m in found}


SCHOOL = concept("arena.school", ["utbildning"], ["digitala utbildningar"])


def test_exclude_phrase_silences_the_alias_inside_it() -> None:
    assert links("Staden erbjuder digitala utbildningar.", SCHOOL) == {}
    assert links("Staden satsar på utbildning.", SCHOOL) == {
        "arena.school": ("utbildning", "utbildning")
    }


def test_exclude_phrase_leaves_other_hits_in_the_same_passage() -> None:
    text = "Digitala utbildningar kompletterar utbildningen i skolan."
    assert links(text, SCHOOL) == {"arena.school": ("utbildning", "utbildningen")}


def test_compounds_match_by_their_head_only() -> None:
    stats = concept("function.knowledge", ["statistik"])
    assert links("Vi tar fram lokalstatistik.", stats)["function.knowledge"][1] == "lokalstatistik"
    assert links("Nya utbildningsinsatser planeras.", SCHOOL) == {}


def test_a_derivation_is_not_an_inflection() -> None:
    gender = concept("focus.gender_equality", ["jämställdhet"])
    assert links("Arbetet för jämställdheten fortsätter.", gender)
    assert links("En öppen, jämställd och demokratisk stad.", gender) == {}


def test_eccar_points_are_linked_directly_only_in_passages_about_racism() -> None:
    housing = concept("eccar.07", ["bostadsmarknaden"])
    assert links("Läget på bostadsmarknaden är svårt.", housing) == {}
    assert links("Diskriminering på bostadsmarknaden ska motverkas.", housing)


def test_span_points_at_the_inflected_words_that_matched() -> None:
    training = concept("function.competence", ["kompetenshöjande insatser"])
    text = "Förvaltningen planerar kompetenshöjande insatsen för chefer."
    assert links(text, training)["function.competence"] == (
        "kompetenshöjande insatser",
        "kompetenshöjande insatsen",
    )


def test_every_span_in_the_corpus_holds_its_alias(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT s.matched_alias, substr(i.text, s.match_start + 1, s.match_end - s.match_start)
            FROM suggestions s JOIN items i USING (item_id) WHERE s.method = 'fuzzy'
            """
        ).fetchall()
    assert rows
    for alias, matched in rows:
        found, wanted = normalise(matched), normalise(alias)
        assert fuzz.ratio(found, wanted) >= MATCH_THRESHOLD or found.endswith(wanted), (
            alias,
            matched,
        )


def test_gold_precision_and_recall_hold(built_data: Paths) -> None:
    scores = measure(built_data.db, read_gold())
    assert scores.unjoined == []
    assert scores.overall.precision >= MEASURED_PRECISION - MARGIN
    assert scores.overall.recall >= MEASURED_RECALL - MARGIN


@pytest.mark.parametrize(
    ("title", "stated"),
    [
        ("Öka kunskapen om rasism och diskriminering", {"knowledge", "communication"}),
        (
            "Motverka att barn och unga utsätts för rasism",
            {"knowledge", "communication", "service", "participation"},
        ),
        (
            "Stärka samverkan med civilsamhället i arbetet mot rasism",
            {"knowledge", "communication", "participation"},
        ),
    ],
)
def test_stated_links_reach_001s_development_areas(
    built_data: Paths, title: str, stated: set[str]
) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT m.concept_id, c.item_id IS NOT NULL
            FROM items i JOIN mappings m USING (item_id)
            LEFT JOIN items c ON c.parent_id = i.item_id AND c.text LIKE 'Det här%'
                 AND EXISTS (SELECT 1 FROM mappings x WHERE x.item_id = c.item_id
                             AND x.concept_id = m.concept_id AND x.method = 'stated')
            WHERE i.doc_id LIKE '001%' AND i.text = ? AND m.method = 'stated'
            """,
            [title],
        ).fetchall()
    assert {cid.removeprefix("function.") for cid, _ in rows} == stated
    assert all(child_states_it for _, child_states_it in rows)


def test_a_stated_link_replaces_the_fuzzy_one(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        methods = con.execute(
            """
            SELECT DISTINCT m.method FROM mappings m JOIN items i USING (item_id)
            WHERE i.text LIKE 'Handlingsplanen utgår från de fokusområden%'
              AND m.concept_id = 'function.service'
            """
        ).fetchall()
    assert methods == [("stated",)]
