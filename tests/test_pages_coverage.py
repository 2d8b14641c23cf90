"""The Coverage and gaps page under AppTest on the shipped corpus."""

from __future__ import annotations

import json

import polars as pl
from comparison_pages import chart_data, chart_title, charts, open_page

from etl.paths import Paths

CITIES = {"Malmö", "Stockholm"}
HIGHLIGHT = ":orange-background["


def test_units_per_concept_for_every_city(atlas_env: Paths) -> None:
    at = open_page("coverage", dimension="function")
    assert at.title[0].value == "Täckning och luckor"
    units = chart_data(charts(at)[0])
    assert set(units["city"]) == CITIES
    competence = units.filter(city="Malmö", concept_id="function.competence")
    assert competence["state_id"][0] in ("confirmed", "suggested")
    assert competence["units"][0] > 0


def test_gap_table_lists_only_gaps_until_asked_for_all(atlas_env: Paths) -> None:
    at = open_page("coverage", dimension="eccar")
    gaps = at.dataframe[0].value
    assert "Alla valda städer" not in set(gaps["Täcks av"])
    assert len(gaps) > 0
    at.toggle(key="all").set_value(True).run()
    assert len(at.dataframe[0].value) == 10


def test_concept_from_url_opens_its_evidence(atlas_env: Paths) -> None:
    at = open_page("coverage", dimension="function", concept="function.competence")
    assert at.selectbox(key="concept").value == "function.competence"
    assert at.subheader[-1].value == "Underlaget: Kompetenshöjande insatser"
    says_does = chart_data(charts(at)[1])
    assert set(says_does["city"]) == CITIES
    malmo = dict(says_does.filter(city="Malmö").select("kind", "units").iter_rows())
    assert malmo["Gör: aktiviteter"] > 0
    passages = [m.value for m in at.markdown if HIGHLIGHT in m.value]
    assert any("Kompetenshöjande insatser" in p for p in passages)


def test_choosing_a_concept_is_written_to_the_url(atlas_env: Paths) -> None:
    at = open_page("coverage", dimension="function", all="true")
    at.selectbox(key="concept").set_value("function.knowledge").run()
    assert at.query_params["concept"] == "function.knowledge"
    assert at.subheader[-1].value == "Underlaget: Kunskap och statistik"


def test_a_city_without_passages_says_why(atlas_env: Paths) -> None:
    at = open_page("coverage", dimension="eccar", concept="eccar.03")
    assert any("ingen bevisad lucka" in i.value for i in at.info)
    assert any(i.value.startswith("Inga policykomponenter eller aktiviteter") for i in at.info)
    assert len(charts(at)) == 1  # the comparison chart only: no empty says-vs-does chart


def test_english_labels(atlas_env: Paths) -> None:
    at = open_page("coverage", lang="en", dimension="function", concept="function.competence")
    assert at.title[0].value == "Coverage and gaps"
    assert chart_title(charts(at)[0]) == "How the work is done: units per concept and city"
    says_does = chart_data(charts(at)[1])
    assert set(says_does["kind"]) == {"Has: policy components", "Does: activities"}
    assert set(pl.Series(at.dataframe[0].value.columns)) >= {"Concept", "Covered by"}


def test_a_city_keeps_its_colour_whichever_cities_are_shown(atlas_env: Paths) -> None:
    colours = {"Malmö": "#E69F00", "Stockholm": "#009E73"}  # data/cities.csv
    at = open_page("coverage", dimension="function")
    for chosen in (["Malmö", "Stockholm"], ["Stockholm"], ["Malmö"]):
        at.multiselect(key="cities").set_value(chosen).run()
        for chart in charts(at):
            scale = json.loads(chart.proto.spec)["encoding"]["color"]["scale"]
            shown = dict(zip(scale["domain"], scale["range"], strict=True))
            assert shown == {c: colours[c] for c in chosen}


def test_thin_evidence_and_the_per_document_switch_reach_the_dot_plot(atlas_env: Paths) -> None:
    at = open_page("coverage", lang="en", dimension="arena", measure="units_per_document")
    dots = chart_data(charts(at)[0])
    assert "single" in set(dots["strength_id"])
    assert set(dots.filter(strength_id="single")["items"]) == {1}
    assert (
        chart_title(charts(at)[0])
        == "Arena: where the city acts: units per document, per concept and city"
    )
    evidence = [
        c.value for c in at.caption if " passages in " in c.value or "One passage" in c.value
    ]
    assert evidence, "each city's column says what its evidence is"
