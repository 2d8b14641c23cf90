"""The ECCAR benchmark page under AppTest on the shipped corpus: direct and derived kept apart."""

from __future__ import annotations

import io
import json

import polars as pl
from comparison_pages import chart_data, chart_title, charts, open_page
from docx import Document

from etl.paths import Paths
from etl.read.charts import built_on
from etl.read.deck import ChartSlide, forum_slides
from etl.read.i18n import t
from etl.read.query import Atlas, connect
from etl.read.report import eccar_report

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


def test_overview_coverage_and_eccar_show_the_same_cells(atlas_env: Paths) -> None:
    """One coverage definition: the three pages agree with it, cell by cell."""
    truth = Atlas(connect(atlas_env.db)).coverage("eccar")
    key = ["city", "concept_id"]
    expected = truth.select(
        *key,
        pl.col("state").alias("state_id"),
        "units",
        "derived_units",
        pl.col("strength").alias("strength_id"),
    ).sort(key)
    heatmap = chart_data(charts(open_page(None, dimension="eccar"))[0])
    dots = chart_data(charts(open_page("coverage", dimension="eccar"))[0])
    for shown in (heatmap, dots):
        assert shown.select(expected.columns).sort(key).equals(expected)
    bars = chart_data(charts(open_page("eccar"))[0])
    direct = bars.filter(route_id="direct").select(*key, "units").sort(key)
    derived = bars.filter(route_id="derived").select(*key, "units").sort(key)
    assert direct.equals(expected.select(*key, "units"))
    assert derived.equals(expected.select(*key, pl.col("derived_units").alias("units")))
    # a derived-only cell is bracketed on the heatmap and never coloured as covered
    education = heatmap.filter(city="Stockholm", concept_id="eccar.08").row(0, named=True)
    assert education["count"] == f"({education['derived_units']})"
    assert education["state_id"] == "not_found"


def test_the_table_shows_the_direct_evidence_apart_from_derived_units(atlas_env: Paths) -> None:
    at = open_page("eccar", lang="en")
    table = at.dataframe[0].value
    assert {"Direct coverage", "Direct units", "Evidence (direct)", "Derived units"} <= set(
        table.columns
    )
    assert "Derived only in" not in table.columns


def test_the_deck_and_the_report_show_the_same_cells_as_the_pages(atlas_env: Paths) -> None:
    """The deck's heatmap and ECCAR slides (their data and speaker notes) and each city's
    report draft read the one coverage definition the pages read, cell by cell."""
    with connect(atlas_env.db) as con:
        atlas = Atlas(con)
        truth = atlas.coverage("eccar")
        forum = forum_slides(atlas, "sv", atlas.cities(), "eccar", built_on(atlas_env.db))
        reports = {c: eccar_report(atlas, c, "sv", built_on(atlas_env.db)) for c in CITIES}
    key = ["city", "concept_id"]
    chart_slides = [s for s in forum.slides if isinstance(s, ChartSlide)]
    heatmaps = [s for s in chart_slides if s.title.startswith("Täckning per begrepp")]
    assert heatmaps, [s.title for s in chart_slides]
    drawn = pl.concat(slide_data(s) for s in heatmaps).select(
        *key, "state_id", "units", "derived_units", "strength_id"
    )
    expected = truth.select(
        *key,
        pl.col("state").alias("state_id"),
        "units",
        "derived_units",
        pl.col("strength").alias("strength_id"),
    )
    assert drawn.sort(key).equals(expected.sort(key))
    (eccar_slide,) = [s for s in chart_slides if s.title == "ECCAR-jämförelse"]
    bars = slide_data(eccar_slide)
    derived = bars.filter(route_id="derived").select(*key, "units").sort(key)
    assert derived.equals(expected.select(*key, pl.col("derived_units").alias("units")).sort(key))

    notes = "\n".join(s.notes for s in heatmaps)
    for row in truth.iter_rows(named=True):
        line = next(n for n in notes.splitlines() if n.startswith(f"{row['label_sv']}: "))
        (said,) = [c for c in line.split(": ", 1)[1].split("; ") if c.startswith(row["city"])]
        state = t(f"state.{row['state']}", "sv").lower()
        assert said.startswith(f"{row['city']} {row['units']} enheter ({state}"), said
        assert (f"{row['derived_units']} till" in said) == row["derived_only"], said

    for city, data in reports.items():
        paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
        direct = [p for p in paragraphs if p.startswith("Direkt täckning: ")]
        rows = truth.filter(city=city)
        assert direct == [
            f"Direkt täckning: {t('state.' + r['state'], 'sv').lower()}; antal enheter: "
            f"{r['units']} ({t('strength.' + r['strength'], 'sv').lower()})."
            for r in rows.iter_rows(named=True)
        ]
        derived_units = [
            int(p.rsplit(": ", 1)[1].rstrip("."))
            for p in paragraphs
            if p.startswith("Härledd täckning, via korsreferensen (")
        ]
        assert derived_units == [u for u in rows["derived_units"] if u]


def slide_data(slide: ChartSlide) -> pl.DataFrame:
    """The rows a deck chart draws (the datasets of its Vega-Lite spec, stacked)."""
    datasets = json.loads(slide.spec)["datasets"].values()
    return pl.concat([pl.DataFrame(rows) for rows in datasets], how="diagonal")
