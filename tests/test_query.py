"""The comparison pages' queries on the shipped corpus: grain, order, routes, bound parameters,
and the one coverage definition they all agree with."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.model import CITY_PALETTE, MAPPING_BASES
from etl.model import city_colours as city_colours_for
from etl.paths import Paths
from etl.read.charts import STATE_COLOURS
from etl.read.export import EXPORT_TABLES
from etl.read.query import (
    COVERED_STATES,
    DIMENSIONS,
    STRENGTHS,
    Atlas,
    ItemFilter,
    city_colours,
    connect,
)

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


# One coverage definition: every query a page, the deck or an export reads agrees with it.


def test_every_comparison_query_agrees_with_the_one_coverage_definition(atlas: Atlas) -> None:
    cells = atlas.coverage()
    key = ["city", "concept_id"]
    exported = atlas.table("coverage").select(*key, "units", "derived_units", "state")
    assert (
        cells.select(*key, "units", "derived_units", "state").sort(key).equals(exported.sort(key))
    )
    counts = atlas.covered_counts()
    for dimension in DIMENSIONS:
        of_dimension = cells.filter(dimension=dimension)
        compared = atlas.comparison(dimension).sort(key)
        assert compared.select(cells.columns).equals(of_dimension.sort(key))
        covering = of_dimension.filter("covered").group_by("concept_id").agg(pl.col("city").sort())
        gaps = atlas.gaps(dimension)
        for row in gaps.iter_rows(named=True):
            expected = covering.filter(concept_id=row["concept_id"])["city"].to_list()
            assert sorted(row["covered_in"]) == (expected[0] if expected else [])
        per_city = of_dimension.group_by("city").agg(
            pl.col("covered").sum(), pl.col("derived_only").sum()
        )
        for row in per_city.iter_rows(named=True):
            count = counts.filter(city=row["city"], dimension=dimension).row(0, named=True)
            assert (count["covered"], count["derived_only"]) == (
                row["covered"],
                row["derived_only"],
            )
    benchmark = atlas.eccar_benchmark()
    eccar = cells.filter(dimension="eccar")
    for route, column in (("direct", "units"), ("derived", "derived_units")):
        rows = benchmark.filter(route=route).select(*key, "units", "covered").sort(key)
        expected = eccar.select(*key, pl.col(column).alias("units"), "covered").sort(key)
        assert rows.equals(expected)


def test_derived_coverage_is_shown_but_never_counted_as_covered(atlas: Atlas) -> None:
    """The issue's example: Stockholm reaches ECCAR 8 only through the crosswalk."""
    cell = atlas.coverage("eccar", ["Stockholm"]).filter(concept_id="eccar.08").row(0, named=True)
    assert (cell["units"], cell["covered"], cell["derived_only"]) == (0, False, True)
    assert cell["derived_units"] > 0
    gap = atlas.gaps("eccar").filter(concept_id="eccar.08").row(0, named=True)
    assert "Stockholm" not in gap["covered_in"] and "Stockholm" in gap["derived_in"]
    stockholm = atlas.covered_counts(["Stockholm"]).filter(dimension="eccar").row(0, named=True)
    covered = atlas.coverage("eccar", ["Stockholm"]).filter("covered").height
    assert stockholm["covered"] == covered
    derived_cells = atlas.coverage("eccar", ["Stockholm"]).filter("derived_only")
    assert stockholm["derived_only"] == derived_cells.height > 0
    assert not derived_cells["covered"].any()
    assert atlas.silences("Stockholm").filter(concept_id="eccar.08")["derived_units"][0] > 0


def test_evidence_strength_follows_the_passages_and_documents(atlas: Atlas) -> None:
    cells = atlas.coverage()
    expected = (
        pl.when(pl.col("items") == 0)
        .then(pl.lit("none"))
        .when(pl.col("items") == 1)
        .then(pl.lit("single"))
        .when(pl.col("sources") == 1)
        .then(pl.lit("one_document"))
        .otherwise(pl.lit("several_documents"))
    )
    assert cells["strength"].equals(cells.select(expected.alias("strength"))["strength"])
    assert set(cells["strength"]) <= set(STRENGTHS)
    assert {"single", "several_documents"} <= set(cells["strength"])
    covered = cells.filter("covered")
    assert covered["best_basis"].is_in(MAPPING_BASES).all()
    assert cells.filter(items=0)["best_basis"].is_null().all()
    assert "single" in set(atlas.eccar_benchmark()["strength"])
    for row in atlas.gaps("arena").iter_rows(named=True):
        thin = cells.filter(concept_id=row["concept_id"], strength="single", covered=True)
        assert sorted(row["single_in"]) == sorted(thin["city"]) and set(row["single_in"]) <= set(
            row["covered_in"]
        )


def test_the_matchers_basis_is_what_the_cell_shows(built_data: Paths, tmp_path: Path) -> None:
    db = tmp_path / "with_basis.duckdb"
    shutil.copy(built_data.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE mappings SET basis = 'subject'")
    with connect(db) as con:
        bases = Atlas(con).coverage().filter("covered")["best_basis"]
    assert set(bases) == {"subject"}


def test_units_per_document_divide_by_the_city_s_documents(atlas: Atlas) -> None:
    documents = dict(atlas.city_summary().select("city", "documents").iter_rows())
    for row in atlas.coverage().iter_rows(named=True):
        assert row["units_per_document"] == pytest.approx(row["units"] / documents[row["city"]])
        assert row["derived_units_per_document"] == pytest.approx(
            row["derived_units"] / documents[row["city"]]
        )
    says = atlas.says_does("function.competence").filter(city="Stockholm", kind="component")
    assert says["units_per_document"][0] == pytest.approx(says["units"][0] / 3)


def test_corpus_says_what_each_city_has_loaded(atlas: Atlas) -> None:
    corpus = atlas.corpus()
    assert corpus.filter(city="Stockholm")["doc_kind"].unique().to_list() == ["response"]
    assert corpus.filter(city="Stockholm")["documents"].sum() == 3
    undated = corpus.filter(pl.col("city") == "Stockholm", pl.col("year").is_null())
    assert undated["documents"].to_list() == [1]  # one remissvar has no date
    presence = atlas.kind_presence()
    stockholm = presence.filter(city="Stockholm", kind="activity").row(0, named=True)
    assert stockholm["items"] == 0 and not stockholm["kind_loaded"]
    assert stockholm["yielding_kinds"] == ["report"]
    malmo = presence.filter(city="Malmö", kind="activity").row(0, named=True)
    assert malmo["items"] > 0 and malmo["kind_loaded"]


def test_document_count_counts_the_chosen_cities_documents(atlas: Atlas) -> None:
    documents = atlas.documents()
    assert atlas.document_count() == documents.height
    assert atlas.document_count(["Stockholm"]) == documents.filter(city="Stockholm").height == 3
    assert atlas.document_count([HOSTILE]) == 0


def test_proposals_per_concern_are_the_first_of_each_with_their_count(atlas: Atlas) -> None:
    every = atlas.recommendation_concepts()
    first_two = atlas.recommendation_concepts(per_concern=2)
    groups = every.partition_by("concept_id", maintain_order=True)
    assert any(g.height > 2 for g in groups)  # the shipped corpus has a concern to cut
    assert (
        first_two.drop("proposals").rows()
        == pl.concat(g.head(2) for g in groups).drop("proposals").rows()
    )
    counts = {g["concept_id"][0]: g.height for g in groups}
    assert dict(first_two.select("concept_id", "proposals").unique().iter_rows()) == counts


def test_silences_are_what_others_cover_and_the_city_does_not(atlas: Atlas) -> None:
    cells = atlas.coverage()
    for city in CITIES:
        silent = atlas.silences(city)
        own = cells.filter(city=city)
        for row in silent.iter_rows(named=True):
            assert not own.filter(concept_id=row["concept_id"])["covered"][0]
            assert city not in row["covered_elsewhere"] and row["covered_elsewhere"]
        others = cells.filter(pl.col("city") != city, pl.col("covered"))["concept_id"].to_list()
        expected = own.filter(~pl.col("covered"), pl.col("concept_id").is_in(others))
        assert sorted(silent["concept_id"]) == sorted(expected["concept_id"])


# Fixed city colours.


def test_city_colours_come_from_cities_csv_and_stay_when_a_city_is_added(tmp_path: Path) -> None:
    shipped = city_colours(Paths.from_env())
    assert shipped == {"Stockholm": "#009E73", "Malmö": "#E69F00"}
    data = tmp_path / "data"
    data.mkdir()
    text = Paths.from_env().cities.read_text(encoding="utf-8")
    (data / "cities.csv").write_text(text + "Lund,Lund,Lund,SE,\n", encoding="utf-8")
    grown = city_colours(Paths(data=data, db=data / "atlas.duckdb"))
    assert {c: grown[c] for c in shipped} == shipped
    assert grown["Lund"] not in shipped.values()
    assert set(grown.values()).isdisjoint(STATE_COLOURS.values())
    unlisted = city_colours(Paths.from_env(), also=["Malmö", "Umeå"])
    assert unlisted == shipped | {"Umeå": grown["Lund"]}  # the next free colour, not a crash


def test_default_colours_depend_only_on_the_rows_above() -> None:
    two = city_colours_for([("Stockholm", ""), ("Malmö", "")])
    three = city_colours_for([("Stockholm", ""), ("Malmö", ""), ("Göteborg", "")])
    assert {c: three[c] for c in two} == two  # a new row at the end moves no earlier colour
    assert len(set(three.values())) == 3
    assert city_colours_for([("A", "#123abc"), ("B", "")]) == {"A": "#123ABC", "B": CITY_PALETTE[0]}
    assert city_colours_for([("A", ""), ("B", CITY_PALETTE[0])])["A"] == CITY_PALETTE[0]
    assert set(CITY_PALETTE).isdisjoint(STATE_COLOURS.values())


def test_review_queue_pages_counts_and_bulk_links_agree_with_the_whole_queue(atlas: Atlas) -> None:
    statuses = ("auto", "accepted", "rejected")
    whole = atlas.review_queue(statuses=statuses)
    assert whole.height > 60, "the shipped corpus has several pages of links"
    second = atlas.review_queue(statuses=statuses, limit=30, offset=30)
    assert second.equals(whole.slice(30, 30))
    counts = atlas.review_counts(statuses=statuses)
    assert counts == dict(whole.group_by("status").len().iter_rows())
    links = list(zip(whole["item_id"], whole["concept_id"], strict=True))
    assert list(atlas.review_links(statuses=statuses)) == links
    not_rejected = whole.filter(pl.col("status") != "rejected")
    assert list(atlas.review_links(statuses=statuses, unless="rejected")) == list(
        zip(not_rejected["item_id"], not_rejected["concept_id"], strict=True)
    )


def test_items_limit_keeps_the_first_and_the_included_and_count_counts_all(atlas: Atlas) -> None:
    whole = atlas.items(ItemFilter(cities=CITIES))
    assert whole.height > 40
    last = whole["item_id"][-1]
    shown = atlas.items(ItemFilter(cities=CITIES), limit=5, include=[last, "no-such-item"])
    assert shown.equals(pl.concat([whole.head(5), whole.tail(1)]))
    assert atlas.count_items(ItemFilter(cities=CITIES)) == whole.height
    assert atlas.count_items(ItemFilter(cities=CITIES, search=HOSTILE)) == 0
    limited = atlas.evidence(ItemFilter(cities=CITIES), limit=5)
    assert limited.equals(atlas.evidence(ItemFilter(cities=CITIES)).head(5))


def test_item_excerpts_and_stale_check_inputs_follow_the_items(atlas: Atlas) -> None:
    items = atlas.items()
    excerpts = atlas.item_excerpts(chars=90)
    assert list(excerpts) == items["item_id"].to_list()
    first = items.row(0, named=True)
    assert excerpts[first["item_id"]] == f"{first['city']} · {first['text'][:90]}"
    some = items["item_id"].head(3).to_list()
    assert sorted(atlas.existing_items([*some, "no-such-item"])) == sorted(some)
    suggested = atlas.suggested_links(some)
    queue = atlas.review_queue(statuses=("auto", "accepted", "rejected"))
    expected = queue.filter(pl.col("item_id").is_in(some) & (pl.col("method") != "manual"))
    assert set(suggested.iter_rows()) == set(expected.select("item_id", "concept_id").iter_rows())


def test_activity_pages_keep_their_numbers_and_counts_count_them_all(atlas: Atlas) -> None:
    whole = atlas.activities()
    assert whole.height > 10, "the shipped corpus has more activities than a page of 5"
    assert whole["number"].to_list() == list(range(1, whole.height + 1))
    second = atlas.activities(limit=5, offset=5)
    assert second.equals(whole.slice(5, 5)), "a page is the same rows, numbers and concepts"
    assert atlas.activities(limit=5, offset=whole.height).is_empty()
    years = atlas.activity_years(limit=5, offset=5)
    assert set(years["number"]) == set(second.filter(pl.col("years").list.len() > 0)["number"])
    assert years.equals(
        atlas.activity_years().filter(pl.col("number").is_in(second["number"].to_list()))
    )
    counts = atlas.activity_counts()
    assert counts["city"].to_list() == CITIES, "every city, those without activities too"
    by_city = dict(whole.group_by("city").len().iter_rows())
    assert dict(counts.select("city", "activities").iter_rows()) == {
        city: by_city.get(city, 0) for city in CITIES
    }
    undated = whole.filter(pl.col("years").list.len() == 0).group_by("city").len()
    assert dict(counts.filter(pl.col("undated") > 0).select("city", "undated").iter_rows()) == (
        dict(undated.iter_rows())
    )
    assert atlas.activity_counts([HOSTILE]).is_empty()


def test_item_excerpts_find_by_words_and_stop_at_the_limit(atlas: Atlas) -> None:
    everything = atlas.item_excerpts(chars=90)
    assert list(atlas.item_excerpts(chars=90, limit=7)) == list(everything)[:7]
    word = "kompetens"
    found = atlas.item_excerpts(ItemFilter(search=word.upper()), 90, limit=3)
    matching = atlas.items(ItemFilter(search=word))
    assert list(found) == matching["item_id"].head(3).to_list()
    assert atlas.count_items(ItemFilter(search=word)) == matching.height > 3
    assert atlas.item_excerpts(ItemFilter(cities=["Stockholm"], search=HOSTILE)) == {}
