"""The Overview page under AppTest on the shipped corpus: figures, heatmap, URL state, language."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from comparison_pages import chart_data, chart_title, charts, open_page
from streamlit.testing.v1 import AppTest

from etl.overrides import Decision, record_decision
from etl.paths import Paths
from etl.pipeline import reapply_decisions

CITIES = {"Malmö", "Stockholm"}
COVERED = ("confirmed", "suggested")


def test_overview_is_the_landing_page_with_figures_per_city(atlas_env: Paths) -> None:
    at = open_page(None)
    assert at.title[0].value == "Översikt"
    assert [m.label for m in at.metric][:3] == ["Dokument", "Passager", "Enheter"]
    assert len(at.metric) == 3 * len(CITIES)
    assert any("begrepp täcks" in m.value for m in at.markdown)
    assert any("bekräftad eller föreslagen" in c.value for c in at.caption)


def test_heatmap_shows_every_city_and_concept_with_its_state(atlas_env: Paths) -> None:
    at = open_page(None, dimension="function")
    (heatmap,) = charts(at)
    data = chart_data(heatmap)
    assert set(data["city"]) == CITIES
    assert data.height == len(CITIES) * data["concept_id"].n_unique()
    assert data["concept_id"].str.starts_with("function.").all()
    competence = data.filter(city="Malmö", concept_id="function.competence")
    assert competence["concept"][0] == "Kompetenshöjande insatser"
    assert competence["state_id"][0] in COVERED
    assert competence["state"][0] in {"Bekräftad", "Föreslagen (ej granskad)"}


def test_heatmap_puts_the_gaps_first(atlas_env: Paths) -> None:
    data = chart_data(charts(open_page(None, dimension="eccar"))[0])
    covered_by = (
        data.group_by("concept_id", maintain_order=True)
        .agg(pl.col("state_id").is_in(COVERED).sum())["state_id"]
        .to_list()
    )
    assert covered_by == sorted(covered_by)


def test_the_heatmap_kept_built_is_redrawn_after_the_database_changes(fresh_built: Paths) -> None:
    """The chart is built once per database file: a decision applied to the database (a new
    file) shows on the next rerun of a page already open."""
    at = open_page(None, dimension="eccar")
    before = chart_data(charts(at)[0])
    gap = before.filter(city="Malmö", state_id="not_found")["concept_id"][0]
    record_decision(fresh_built.review, Decision("", "Malmö", gap, "not_covered", "Ann"))
    reapply_decisions(fresh_built)
    at.run()
    after = chart_data(charts(at)[0])
    assert after.filter(city="Malmö", concept_id=gap)["state_id"].to_list() == [
        "reviewed_not_covered"
    ]
    unchanged = pl.col("concept_id") != gap
    assert (
        after.filter(unchanged)
        .sort("concept_id", "city")
        .equals(before.filter(unchanged).sort("concept_id", "city"))
    )


def test_url_restores_dimension_and_cities(atlas_env: Paths) -> None:
    at = open_page(None, dimension="focus", cities="Malmö")
    assert at.get("button_group")[0].value == "focus"
    assert at.multiselect(key="cities").value == ["Malmö"]
    assert set(chart_data(charts(at)[0])["city"]) == {"Malmö"}
    assert len(at.metric) == 3


def test_choosing_a_dimension_is_written_to_the_url(atlas_env: Paths) -> None:
    at = open_page(None)
    at.get("button_group")[0].set_value("arena").run()
    assert at.query_params["dimension"] == "arena"
    assert chart_data(charts(at)[0])["concept_id"].str.starts_with("arena.").all()


def test_english_labels(atlas_env: Paths) -> None:
    at = open_page(None, lang="en", dimension="function")
    assert at.title[0].value == "Overview"
    assert [m.label for m in at.metric][:3] == ["Documents", "Passages", "Units"]
    (heatmap,) = charts(at)
    assert chart_title(heatmap) == "How the work is done: coverage per city and concept"
    competence = chart_data(heatmap).filter(city="Malmö", concept_id="function.competence")
    assert competence["concept"][0] == "Competence development and training"


def measure(at: AppTest) -> Any:
    return next(b for b in at.get("button_group") if b.key == "measure")


def test_the_switch_shows_units_per_document_and_is_kept_in_the_url(atlas_env: Paths) -> None:
    at = open_page(None, dimension="function")
    measure(at).set_value("units_per_document").run()
    assert at.query_params["measure"] == "units_per_document"
    (heatmap,) = charts(at)
    data = chart_data(heatmap)
    documents = {"Malmö": 1, "Stockholm": 3}
    for row in data.iter_rows(named=True):
        assert row["value"] == row["units"] / documents[row["city"]]
    knowledge = data.filter(city="Stockholm", concept_id="function.knowledge").row(0, named=True)
    assert knowledge["count"] == f"{knowledge['units'] / 3:.1f}".replace(".", ",")  # sv
    lines = json.loads(heatmap.proto.spec)["title"][
        "subtitle"
    ]  # wrapped: never wider than the chart
    assert "enheter per inläst dokument" in " ".join(lines)
    reopened = open_page(None, lang="en", measure="units_per_document")
    assert measure(reopened).value == "units_per_document"
    subtitle = " ".join(json.loads(charts(reopened)[0].proto.spec)["title"]["subtitle"])
    assert "units per document the city has loaded" in subtitle


def test_headline_names_thin_and_derived_coverage_and_what_was_loaded(atlas_env: Paths) -> None:
    at = open_page(None, lang="en")
    lines = [m.value for m in at.markdown if m.value.startswith("ECCAR Ten-Point Plan: ")]
    assert len(lines) == 2
    assert any("more derived only, through the crosswalk – not counted" in line for line in lines)
    assert any("on a single passage only" in line for line in lines)
    corpus = next(c.value for c in at.caption if c.value.startswith("**What each city's corpus"))
    assert "**Stockholm**: 3 documents – 3 × Consultation response" in corpus
    assert "No activities: no document of a kind that holds them (Report) is loaded." in corpus


def test_single_passage_outlines_sit_inside_their_cells(atlas_env: Paths) -> None:
    """The dashed "one passage only" outline is drawn inset in its cell, so two such cells side
    by side keep two outlines instead of one dashed line; the subtitle says what it means."""
    at = open_page(None, dimension="eccar")
    (heatmap,) = charts(at)
    spec = json.loads(heatmap.proto.spec)
    outlines = [layer for layer in spec["layer"] if layer["mark"].get("strokeDash")]
    assert len(outlines) == 1
    mark = outlines[0]["mark"]
    assert mark["filled"] is False
    assert 0 < mark["width"]["band"] < 1 and 0 < mark["height"]["band"] < 1
    assert "streckad ram = bara en passage" in " ".join(spec["title"]["subtitle"])
    assert (chart_data(heatmap)["strength_id"] == "single").any()
