"""The ECCAR benchmark page under AppTest on the shipped corpus: direct and derived kept apart."""

from __future__ import annotations

from comparison_pages import chart_data, chart_title, charts, open_page

from etl.paths import Paths
from etl.read.query import Atlas, connect

CITIES = {"Malmö", "Stockholm"}


def test_chart_keeps_direct_and_derived_apart(atlas_env: Paths) -> None:
    at = open_page("eccar")
    assert at.title[0].value == "ECCAR-jämförelse"
    data = chart_data(charts(at)[0])
    assert set(data["city"]) == CITIES
    assert set(data["route_id"]) == {"direct", "derived"}
    assert data["concept_id"].n_unique() == 10
    assert set(data["route"]) == {"Direkt", "Härledd (via korsreferens)"}
    coverage = Atlas(connect(atlas_env.db)).coverage("eccar")
    for row in coverage.iter_rows(named=True):
        cell = data.filter(city=row["city"], concept_id=row["concept_id"])
        assert cell.filter(route_id="direct")["units"][0] == row["units"]
        assert cell.filter(route_id="derived")["units"][0] == row["derived_units"]


def test_a_cell_from_the_url_lists_its_direct_and_derived_passages(atlas_env: Paths) -> None:
    at = open_page("eccar", commitment="eccar.06", city="Malmö")
    assert at.selectbox(key="commitment").value == "eccar.06"
    assert at.selectbox(key="city").value == "Malmö"
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings[0].startswith("#### Direkt (")
    assert headings[1].startswith("#### Härledd (via korsreferens) (")
    derived = [c.value for c in at.caption if c.value.startswith("Härledd via: ")]
    assert derived, "every derived passage names the concept that carried it"
    assert any("Kompetenshöjande insatser" in c for c in derived)


def test_choosing_a_cell_is_written_to_the_url(atlas_env: Paths) -> None:
    at = open_page("eccar")
    at.selectbox(key="commitment").set_value("eccar.02").run()
    at.selectbox(key="city").set_value("Stockholm").run()
    assert at.query_params["commitment"] == "eccar.02"
    assert at.query_params["city"] == "Stockholm"


def test_english_labels(atlas_env: Paths) -> None:
    at = open_page("eccar", lang="en")
    assert at.title[0].value == "ECCAR benchmark"
    chart = charts(at)[0]
    assert chart_title(chart) == "The ten ECCAR commitments: units per city, direct and derived"
    assert set(chart_data(chart)["route"]) == {"Direct", "Derived (via crosswalk)"}
    assert "Derived units" in at.dataframe[0].value.columns
