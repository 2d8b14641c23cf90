"""The Export page, the table downloads and the presentation deck, on the shipped corpus."""

from __future__ import annotations

import io
import zipfile

import altair as alt
import polars as pl
from comparison_pages import open_page
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from etl.paths import Paths
from etl.read.deck import ROWS_PER_SLIDE, ChartSlide, TableSlide, build_deck
from etl.read.export import EXPORT_TABLES, export_bytes
from etl.read.query import Atlas, connect


def test_page_offers_tables_and_deck(atlas_env: Paths) -> None:
    at = open_page("export", dimension="function")
    assert at.title[0].value == "Export"
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "CSV (zip)",
        "Parquet (zip)",
        "Excel (XLSX)",
        "Ladda ner presentationen (.pptx)",
    ]
    contents = next(m.value for m in at.markdown if m.value.startswith("1. Titelsida"))
    assert r"Luckor\: Arbetssätt" in contents  # escaped markdown: shown as "Luckor: Arbetssätt"


def test_page_in_english(atlas_env: Paths) -> None:
    at = open_page("export", lang="en")
    assert at.get("download_button")[-1].label == "Download the presentation (.pptx)"
    assert any(m.value.startswith("1. Title slide") for m in at.markdown)


def test_tables_download_as_one_file_per_format(atlas_env: Paths) -> None:
    with zipfile.ZipFile(io.BytesIO(export_bytes(atlas_env.db, "csv"))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}.csv" for t in EXPORT_TABLES)
        coverage = pl.read_csv(archive.read("coverage.csv"))
    assert set(coverage["city"]) == {"Malmö", "Stockholm"}
    with zipfile.ZipFile(io.BytesIO(export_bytes(atlas_env.db, "xlsx"))) as workbook:
        sheets = workbook.read("xl/workbook.xml").decode()
    assert all(f'name="{t}"' in sheets for t in EXPORT_TABLES)


def test_deck_has_title_charts_tables_and_sources(atlas_env: Paths) -> None:
    atlas = Atlas(connect(atlas_env.db))
    rows = atlas.comparison("function")
    chart = (
        alt.Chart(rows.select("city", "label_sv", "units"))
        .mark_bar()
        .encode(x="units:Q", y="label_sv:N", color="city:N")
        .properties(title="Arbetssätt: enheter per begrepp")
    )
    gaps = atlas.gaps("focus").select("label_sv", "gap")
    sources = atlas.documents().select("city", "organ", "title")
    deck = build_deck(
        "Rights Atlas: Malmö, Stockholm",
        "Jämfört utifrån städernas egna dokument",
        [
            ChartSlide("Enheter per begrepp", chart.to_json(), "Färgen visar staden."),
            TableSlide("Luckor: Fokus", gaps),
            TableSlide("Källor", sources),
        ],
        continued="(forts.)",
    )
    slides = list(Presentation(io.BytesIO(deck)).slides)
    gap_slides = -(-gaps.height // ROWS_PER_SLIDE)
    assert len(slides) == 1 + 1 + gap_slides + 1
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Rights Atlas: Malmö, Stockholm"
    assert titles[1] == "Enheter per begrepp"
    assert titles[2] == "Luckor: Fokus"
    assert titles[-1] == "Källor"
    if gap_slides > 1:
        assert titles[3] == "Luckor: Fokus (forts.)"
    pictures = [sh for sh in slides[1].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1 and pictures[0].image.blob.startswith(b"\x89PNG")
    table = next(sh for sh in slides[-1].shapes if sh.has_table).table
    assert [c.text for c in table.rows[0].cells] == ["city", "organ", "title"]
    assert len(table.rows) == sources.height + 1
