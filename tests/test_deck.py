"""The presentation deck, opened with python-pptx as a presenter's program would open it."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.slide import Slide

from etl.paths import Paths
from etl.read.charts import SLIDE_FONT, built_on
from etl.read.deck import (
    CHART_DPI,
    ChartSlide,
    Forum,
    TableSlide,
    build_deck,
    forum_slides,
)
from etl.read.i18n import fmt_date
from etl.read.query import Atlas, connect

FONT_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize")


@pytest.fixture(scope="module")
def swedish(built_data: Paths) -> tuple[Forum, list[Slide]]:
    with connect(built_data.db) as con:
        atlas = Atlas(con)
        forum = forum_slides(atlas, "sv", atlas.cities(), "eccar", built_on(built_data.db))
    return forum, list(Presentation(io.BytesIO(build_deck(forum))).slides)


@pytest.fixture(scope="module")
def english(built_data: Paths) -> tuple[Forum, list[Slide]]:
    with connect(built_data.db) as con:
        forum = forum_slides(Atlas(con), "en", ["Malmö"], "function", built_on(built_data.db))
    return forum, list(Presentation(io.BytesIO(build_deck(forum))).slides)


def pictures(slide: Slide) -> list[Any]:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def tables(slide: Slide) -> list[Any]:
    return [s.table for s in slide.shapes if s.has_table]


def cells(slides: list[Slide]) -> list[str]:
    return [c.text for s in slides for t in tables(s) for row in t.rows for c in row.cells]


def font_sizes(spec: Any) -> list[float]:
    """Every font size a Vega-Lite spec sets, anywhere in it (config, marks, titles)."""
    if isinstance(spec, dict):
        own = [v for k, v in spec.items() if k in FONT_KEYS and isinstance(v, int | float)]
        return own + [s for v in spec.values() for s in font_sizes(v)]
    if isinstance(spec, list):
        return [s for v in spec for s in font_sizes(v)]
    return []


@pytest.mark.parametrize("deck", ["swedish", "english"])
def test_every_shape_lies_inside_the_slide_and_every_title_shows(
    deck: str, request: pytest.FixtureRequest
) -> None:
    _, slides = request.getfixturevalue(deck)
    presentation_width, presentation_height = 12192000, 6858000  # 13.333 × 7.5 in, in EMU
    for number, slide in enumerate(slides, start=1):
        title = slide.shapes.title
        assert title is not None and title.text.strip(), number
        assert title.width > 0 and title.height > 0, number
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= presentation_width, (number, shape.name)
            assert shape.top + shape.height <= presentation_height, (number, shape.name)


def test_one_slide_per_chart_and_as_many_as_each_table_needs(
    swedish: tuple[Forum, list[Slide]],
) -> None:
    forum, slides = swedish
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Rights Atlas: Malmö, Stockholm"
    charts = [s for s in forum.slides if isinstance(s, ChartSlide)]
    assert sum(1 for s in slides if pictures(s)) == len(charts)
    for table in (s for s in forum.slides if isinstance(s, TableSlide)):
        shown = [s for s in slides if s.shapes.title.text.startswith(table.title) and tables(s)]
        assert shown[0].shapes.title.text == table.title
        assert all(s.shapes.title.text == f"{table.title} (forts.)" for s in shown[1:])
        assert sum(len(tables(s)[0].rows) - 1 for s in shown) == table.frame.height
    expected = [
        "Nyckeltal per stad",
        "Täckning per begrepp: ECCAR:s tiopunktsprogram",
        "Enheter per begrepp: ECCAR:s tiopunktsprogram",
        "Luckor: ECCAR:s tiopunktsprogram",
        "ECCAR-jämförelse",
        "Gemensamma synpunkter i remissvaren",
        "Aktiviteter över tid",
        "Källor",
    ]
    assert [t for t in dict.fromkeys(titles[1:]) if not t.endswith("(forts.)")] == expected


def test_charts_are_shown_at_presentation_size(swedish: tuple[Forum, list[Slide]]) -> None:
    """A chart pixel is 1/96 inch on the slide and no chart text is under 16 px: 12 pt."""
    forum, slides = swedish
    for chart in (s for s in forum.slides if isinstance(s, ChartSlide)):
        sizes = font_sizes(json.loads(chart.spec))
        assert sizes and min(sizes) >= SLIDE_FONT, chart.title
    for slide in (s for s in slides if pictures(s)):
        (picture,) = pictures(slide)
        blob = picture.image.blob
        assert blob.startswith(b"\x89PNG")
        width, height = struct.unpack(">II", blob[16:24])
        assert width == pytest.approx(picture.width / 914400 * CHART_DPI, abs=2)
        assert height == pytest.approx(picture.height / 914400 * CHART_DPI, abs=2)


def test_notes_give_the_figures_and_every_slide_its_source(
    swedish: tuple[Forum, list[Slide]], built_data: Paths
) -> None:
    forum, slides = swedish
    built = fmt_date(built_on(built_data.db).isoformat(), "sv")
    for slide in slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert any(t.startswith("Källa: Rights Atlas") and built in t for t in texts)
    with connect(built_data.db) as con:
        eccar = Atlas(con).eccar_benchmark()
    notes = next(
        s.notes_slide.notes_text_frame.text
        for s in slides
        if s.shapes.title.text == "ECCAR-jämförelse"
    )
    for row in eccar.filter(pl.col("units") > 0).iter_rows(named=True):
        route = "direkt" if row["route"] == "direct" else "härledd (via korsreferens)"
        assert f"{row['city']} {route} {row['units']}" in notes
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text for s in slides[1:])


def test_the_sources_slides_name_every_document(
    swedish: tuple[Forum, list[Slide]], built_data: Paths
) -> None:
    _, slides = swedish
    shown = cells([s for s in slides if s.shapes.title.text.startswith("Källor")])
    with connect(built_data.db) as con:
        documents = Atlas(con).documents()
    for document in documents.iter_rows(named=True):
        assert document["title"] in shown and document["organ"] in shown
        assert fmt_date(document["date"], "sv") in shown
        assert not document["dnr"] or document["dnr"] in shown


def test_the_deck_speaks_the_chosen_language_for_the_chosen_cities(
    english: tuple[Forum, list[Slide]],
) -> None:
    _, slides = english
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Rights Atlas: Malmö"
    assert "Headline figures per city" in titles and titles[-1] == "Sources"
    assert "Gaps: How the work is done" in titles
    assert not any("Källor" in t or "Luckor" in t for t in titles)
    shown = cells(slides)
    assert "Stockholm" not in shown and "Malmö" in shown


def test_a_long_table_continues_on_more_slides_inside_each(built_data: Paths) -> None:
    long = pl.DataFrame({"Begrepp": [f"Rad {n} " + "ord " * (n % 30) for n in range(60)]})
    forum = Forum("Titel", "Undertitel", "Källa: test", "sv", [TableSlide("Lång", long, "Not")])
    slides = list(Presentation(io.BytesIO(build_deck(forum))).slides)[1:]
    assert len(slides) > 1
    assert [s.shapes.title.text for s in slides[1:]] == ["Lång (forts.)"] * (len(slides) - 1)
    assert sum(len(tables(s)[0].rows) - 1 for s in slides) == 60
    for slide in slides:
        note = next(s for s in slide.shapes if s.has_text_frame and s.text_frame.text == "Not")
        table = next(s for s in slide.shapes if s.has_table)
        assert table.top + table.height <= note.top
