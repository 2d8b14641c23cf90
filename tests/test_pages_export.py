"""The Export page, the table downloads, the citable chart images and the export commands."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from comparison_pages import open_page
from docx import Document
from pptx import Presentation

from etl.__main__ import main
from etl.paths import Paths
from etl.read import charts, i18n
from etl.read.export import EXPORT_TABLES, export_bytes
from etl.read.i18n import fmt_date
from etl.read.query import Atlas, connect


def test_page_offers_tables_deck_and_report(atlas_env: Paths) -> None:
    at = open_page("export", dimension="function")
    assert at.title[0].value == "Export"
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "CSV (zip)",
        "Parquet (zip)",
        "Excel (XLSX)",
        "Ladda ner presentationen (.pptx)",
        "Ladda ner rapportutkastet (.docx)",
    ]
    contents = next(m.value for m in at.markdown if m.value.startswith("1. Titelsida"))
    assert r"Luckor\: Arbetssätt" in contents  # escaped markdown: shown as "Luckor: Arbetssätt"
    assert r"Aktiviteter över tid" in contents and contents.endswith("Källor")
    assert at.selectbox(key="report_city").options == ["Malmö", "Stockholm"]


def test_page_in_english(atlas_env: Paths) -> None:
    at = open_page("export", lang="en")
    assert [b.label for b in at.get("download_button")][-2:] == [
        "Download the presentation (.pptx)",
        "Download the report draft (.docx)",
    ]
    assert any(m.value.startswith("1. Title slide") for m in at.markdown)


def test_tables_download_as_one_file_per_format(atlas_env: Paths) -> None:
    with zipfile.ZipFile(io.BytesIO(export_bytes(atlas_env.db, "csv"))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}.csv" for t in EXPORT_TABLES)
        coverage = pl.read_csv(archive.read("coverage.csv"))
    assert set(coverage["city"]) == {"Malmö", "Stockholm"}
    with zipfile.ZipFile(io.BytesIO(export_bytes(atlas_env.db, "xlsx"))) as workbook:
        sheets = workbook.read("xl/workbook.xml").decode()
    assert all(f'name="{t}"' in sheets for t in EXPORT_TABLES)


def test_a_downloaded_chart_image_has_title_legend_and_source(atlas_env: Paths) -> None:
    """What `show_chart` offers as SVG: the page's chart with the source line under it."""
    with connect(atlas_env.db) as con:
        atlas = Atlas(con)
        chart, _ = charts.heatmap(atlas.comparison("eccar"), atlas.cities(), "en")
    built = charts.built_on(atlas_env.db)
    line = charts.source_line("en", 4, ["Malmö", "Stockholm"], built)
    assert line == (
        "Source: Rights Atlas, 4 documents from Malmö, Stockholm, database built "
        + fmt_date(built.isoformat(), "en")
    )
    svg = charts.render_svg(charts.citable(chart.to_json(), line), "en")
    for text in ("ECCAR Ten-Point Plan: coverage per city and concept", "Coverage", "Confirmed"):
        assert f">{text}</text>" in svg
    assert line in svg
    png = charts.render_png(charts.citable(chart.to_json(), line), "en")
    assert png.startswith(b"\x89PNG")


def run(*args: str) -> int:
    return main(["export", *args])


def test_export_commands_write_the_deck_and_the_report(atlas_env: Paths, tmp_path: Path) -> None:
    deck = tmp_path / "deck.pptx"
    assert run("--format", "pptx", str(deck), "--lang", "en", "--cities", "Malmö") == 0
    slides = list(Presentation(str(deck)).slides)
    assert slides[0].shapes.title.text == "Rights Atlas: Malmö"
    assert slides[-1].shapes.title.text == "Sources"
    draft = tmp_path / "eccar.docx"
    assert run("--format", "eccar-docx", str(draft), "--city", "Stockholm") == 0
    headings = [p.text for p in Document(str(draft)).paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Ökad vaksamhet mot rasism" and headings[-1] == "Källor"
    tables = tmp_path / "tables"
    assert run("--format", "csv", str(tables)) == 0
    assert sorted(p.name for p in tables.iterdir()) == sorted(f"{t}.csv" for t in EXPORT_TABLES)
    assert run("--format", "xlsx", str(tmp_path / "t.xlsx")) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--format", "eccar-docx", "--city", "Göteborg"),
            "error: okänd stad 'Göteborg'; välj bland: Malmö, Stockholm\n",
        ),
        (
            ("--format", "pptx", "--cities", "Malmö,Göteborg", "--lang", "en"),
            "error: unknown city 'Göteborg'; choose one of: Malmö, Stockholm\n",
        ),
        (
            ("--format", "eccar-docx", "--lang", "en"),
            "error: the report draft is about one city: give --city\n",
        ),
    ],
)
def test_a_bad_export_says_why_and_writes_nothing(
    atlas_env: Paths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    out = tmp_path / "out" / "file"
    assert run(args[0], args[1], str(out), *args[2:]) == 2
    assert capsys.readouterr().err == message
    assert not out.parent.exists()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_contents_name_tables_in_words_and_each_slide_once(atlas_env: Paths, lang: str) -> None:
    """The table list shows the reader's words, not the database's table names, and a slide
    title the deck repeats (a chart in parts) is numbered."""
    at = open_page("export", lang=lang)
    text = "\n".join(m.value for m in at.markdown)
    for name in EXPORT_TABLES:
        assert f"**{i18n.t(f'export.table_name.{name}', lang)}**:" in text
        if i18n.t(f"export.table_name.{name}", lang).casefold() != name:
            assert f"**{name}**" not in text
    contents = next(m.value for m in at.markdown if m.value.startswith("1. ")).replace("\\", "")
    titles = [line.split(". ", 1)[1] for line in contents.splitlines()]
    assert len(titles) == len(set(titles)) > 5
    part = i18n.t("export.deck.part", lang).split("{title}")[1].split("{n}")[0]  # " (part "
    assert any(part in title for title in titles)
