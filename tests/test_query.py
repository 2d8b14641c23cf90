"""The comparison pages' queries on the shipped corpus: grain, order, routes, bound parameters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from etl.paths import Paths
from etl.read.export import EXPORT_TABLES
from etl.read.query import COVERED_STATES, DIMENSIONS, Atlas, connect

CITIES = ["Malmö", "Stockholm"]
HOSTILE = "'; DROP TABLE items; --"


@pytest.fixture
def atlas(built_data: Paths) -> Iterator[Atlas]:
    con = connect(built_data.db)
    yield Atlas(con)
    con.close()


def test_city_summary_counts_documents_passages_and_units(atlas: Atlas) -> None:
    summary = atlas.city_summary()
    assert summary["city"].to_list() == CITIES
    assert (summary["units"] <= summary["items"]).all()
    documents = atlas.documents()
    assert summary["documents"].sum() == documents.height
    assert summary["items"].sum() == documents["item_count"].sum()
    assert atlas.city_summary(["Malmö"])["city"].to_list() == ["Malmö"]


def test_covered_counts_one_row_per_city_and_dimension(atlas: Atlas) -> None:
    counts = atlas.covered_counts()
    assert counts.select("city", "dimension").rows() == [(c, d) for c in CITIES for d in DIMENSIONS]
    assert (counts["confirmed"] <= counts["covered"]).all()
    assert (counts["covered"] <= counts["concepts"]).all()
    eccar = counts.filter(dimension="eccar")
    assert (eccar["concepts"] == 10).all()


def test_comparison_puts_the_concepts_fewest_cities_cover_first(atlas: Atlas) -> None:
    rows = atlas.comparison("function")
    assert rows.height == len(CITIES) * atlas.concepts("function").height
    assert rows["covered_by"].to_list() == sorted(rows["covered_by"])
    competence = rows.filter(city="Malmö", concept_id="function.competence")
    assert competence["state"][0] in COVERED_STATES
    assert competence["label_sv"][0] == "Kompetenshöjande insatser"


def test_gaps_name_who_covers_and_who_does_not(atlas: Atlas) -> None:
    for dimension in DIMENSIONS:
        gaps = atlas.gaps(dimension)
        assert gaps["concept_id"].is_unique().all()
        for row in gaps.iter_rows(named=True):
            named = row["covered_in"] + row["reviewed_not_in"] + row["not_found_in"]
            assert sorted(named) == CITIES
            expected = {0: "none", len(CITIES): "all"}.get(len(row["covered_in"]), "some")
            assert row["gap"] == expected
    only_malmo = atlas.gaps("eccar", ["Malmö"])
    assert set(only_malmo["gap"]) <= {"all", "none"}


def test_concept_evidence_marks_the_matched_words(atlas: Atlas) -> None:
    passages = atlas.concept_evidence("function.competence", ["Malmö"])
    assert set(passages["route"]) == {"direct"}
    assert set(passages["city"]) == {"Malmö"}
    assert "activity" in set(passages["kind"])
    for row in passages.iter_rows(named=True):
        assert 0 <= row["match_start"] < row["match_end"] <= len(row["text"])
    marked = [r["text"][r["match_start"] : r["match_end"]] for r in passages.iter_rows(named=True)]
    assert "Kompetenshöjande insatser" in marked


def test_derived_evidence_names_the_concept_that_carried_it(atlas: Atlas) -> None:
    passages = atlas.concept_evidence("eccar.06", ["Malmö"], derived=True)
    derived = passages.filter(route="derived")
    assert derived.height > 0
    crosswalk = set(atlas.table("crosswalk").filter(eccar_id="eccar.06")["concept_id"])
    assert all(set(via) <= crosswalk for via in derived["via_concept_ids"].to_list())
    direct_only = atlas.concept_evidence("eccar.06", ["Malmö"])
    assert set(direct_only["route"]) <= {"direct"}


def test_says_does_gives_every_city_both_kinds(atlas: Atlas) -> None:
    rows = atlas.says_does("function.competence")
    assert rows.select("city", "kind").rows() == [
        (c, k) for c in CITIES for k in ("component", "activity")
    ]
    assert rows.filter(city="Malmö", kind="activity")["units"][0] > 0


def test_eccar_benchmark_keeps_direct_and_derived_in_rows_of_their_own(atlas: Atlas) -> None:
    rows = atlas.eccar_benchmark()
    assert rows.height == 10 * len(CITIES) * 2
    coverage = atlas.coverage("eccar")
    direct = rows.filter(route="direct").select("city", "concept_id", "units")
    assert direct.sort("city", "concept_id").equals(
        coverage.select("city", "concept_id", "units").sort("city", "concept_id")
    )


def test_table_offers_only_the_exported_tables(atlas: Atlas) -> None:
    for name in EXPORT_TABLES:
        assert atlas.table(name).height > 0
    with pytest.raises(ValueError, match="unknown table 'build_log'"):
        atlas.table("build_log")


def test_hostile_filters_are_values_not_sql(atlas: Atlas) -> None:
    items_before = atlas.con.execute("SELECT count(*) FROM items").fetchall()
    assert atlas.city_summary([HOSTILE]).is_empty()
    assert atlas.covered_counts([HOSTILE]).is_empty()
    assert atlas.comparison(HOSTILE).is_empty()
    assert atlas.comparison("eccar", [HOSTILE]).is_empty()
    assert atlas.gaps(HOSTILE).is_empty()
    assert atlas.concept_evidence(HOSTILE).is_empty()
    assert atlas.concept_evidence("eccar.01", [HOSTILE], derived=True).is_empty()
    assert atlas.says_does(HOSTILE)["units"].sum() == 0
    assert atlas.says_does("function.competence", [HOSTILE]).is_empty()
    assert atlas.eccar_benchmark([HOSTILE]).is_empty()
    with pytest.raises(ValueError):
        atlas.table(HOSTILE)
    assert atlas.con.execute("SELECT count(*) FROM items").fetchall() == items_before
