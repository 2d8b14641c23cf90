"""The Activities page under AppTest on the shipped corpus: timeline, undated list, table, URL."""

from __future__ import annotations

import json

import pytest
from comparison_pages import chart_data, charts, open_page

from etl.paths import Paths

# `open_page(...).run()`: under AppTest the first run after switch_page draws a URL-bound
# widget with its URL value but returns its default; a browser opening the link does not.

MALMO_ACTIVITIES = 15  # the activities Malmö's report (004) lists
UNDATED = 6  # of them, the ones that name no year


def test_timeline_has_every_dated_activity_and_its_years(atlas_env: Paths) -> None:
    at = open_page("activities")
    assert at.title[0].value == "Aktiviteter"
    (chart,) = charts(at)
    assert json.loads(chart.proto.spec)["title"]["text"] == "Aktiviteter och de år de nämner"
    data = chart_data(chart)
    assert data["number"].n_unique() == MALMO_ACTIVITIES - UNDATED
    assert set(data["city"]) == {"Malmö"}
    assert data["year"].min() == 2006
    assert sorted(data.filter(number=8)["year"]) == [2023, 2026]


def test_undated_activities_are_listed_beside_the_timeline(atlas_env: Paths) -> None:
    at = open_page("activities")
    texts = [m.value for m in at.markdown]
    assert f"Av dem nämner {UNDATED} inget år – de finns inte i tidslinjen:" in texts
    listed = next(t for t in texts if t.startswith("- "))
    assert listed.count("\n- ") == UNDATED - 1
    assert "Kommunstyrelsen och kulturnämnden samordnar" in listed


def test_table_has_every_activity_with_concepts_and_a_source_link(atlas_env: Paths) -> None:
    table = open_page("activities").dataframe[0].value
    assert len(table) == MALMO_ACTIVITIES
    assert list(table["number"]) == list(range(1, MALMO_ACTIVITIES + 1))
    assert table["source"].str.startswith("evidence?item=004_").all()
    assert any("Kompetenshöjande insatser" in concepts for concepts in table["concepts_sv"])


def test_url_restores_cities_and_language(atlas_env: Paths) -> None:
    at = open_page("activities", cities="Stockholm", lang="en").run()
    assert at.title[0].value == "Activities"
    assert at.multiselect(key="cities").value == ["Stockholm"]
    assert [i.value for i in at.info] == [
        "No activities were found in the chosen cities' documents."
    ]


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "'; DROP TABLE items; --"])
def test_hostile_url_values_are_ignored(atlas_env: Paths, hostile: str) -> None:
    at = open_page("activities", cities=hostile).run()
    assert len(at.dataframe[0].value) == MALMO_ACTIVITIES


def test_a_heading_is_set_off_from_the_activity_text(atlas_env: Paths) -> None:
    """Where an activity opens with a heading on a line of its own, the table does not run it
    into the next sentence; a first sentence that ends in a full stop is left as it is."""
    at = open_page("activities", lang="en")
    texts = list(at.dataframe[0].value["shown_text"])  # shown under the heading "Activity"
    headed = [t for t in texts if t.startswith("Förstärkning av rättighetsperspektivet")]
    assert (
        headed
        == [
            t
            for t in headed
            if t.startswith(
                "Förstärkning av rättighetsperspektivet i analys och uppföljning – Under 2023 "
            )
        ]
        != []
    )
    plain = [t for t in texts if t.startswith("Kunskapshöjning och påbörjan")]
    assert plain and " – " not in plain[0][:100]
