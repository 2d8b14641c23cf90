"""Presentation deck: chart specs and tables → a .pptx file, as bytes, for coordination forums.

Pure: it takes what the pages already show (Vega-Lite specs, display-ready frames with
headers in the reader's language) and renders the charts offline with vl-convert, so it runs
and is tested without Streamlit. Long tables continue over several slides rather than
shrinking below what a projector can show.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import vl_convert
from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.table import _Cell
from pptx.util import Emu, Inches, Pt

SLIDE_WIDTH = Inches(13.333)  # 16:9, what meeting-room projectors and screens show
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
TITLE_HEIGHT = Inches(1.0)
NOTE_HEIGHT = Inches(0.6)
PNG_SCALE = 2  # sharp on a projector without making the file heavy
ROWS_PER_SLIDE = 12  # table rows that stay readable at TABLE_FONT on a projected slide
TABLE_FONT = Pt(12)
NOTE_FONT = Pt(12)
BLANK_LAYOUT = 6  # the default template's layouts: 0 title, 5 title only, 6 blank
TITLE_LAYOUT = 0
TITLE_ONLY_LAYOUT = 5


@dataclass(frozen=True)
class ChartSlide:
    """One chart: its slide title, its Vega-Lite spec (JSON) and a note under it."""

    title: str
    spec: str
    note: str = ""


@dataclass(frozen=True)
class TableSlide:
    """One table, as shown to readers (column names already in their language)."""

    title: str
    frame: pl.DataFrame
    note: str = ""


def build_deck(
    title: str,
    subtitle: str,
    slides: Sequence[ChartSlide | TableSlide],
    *,
    format_locale: dict[str, object] | None = None,
    continued: str = "(cont.)",
) -> bytes:
    """A title slide, then one slide per chart and as many as each table needs."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    first = deck.slides.add_slide(deck.slide_layouts[TITLE_LAYOUT])
    first.shapes.title.text = title
    first.placeholders[1].text = subtitle
    for slide in slides:
        if isinstance(slide, ChartSlide):
            _chart_slide(deck, slide, format_locale)
        else:
            for n, start in enumerate(range(0, max(slide.frame.height, 1), ROWS_PER_SLIDE)):
                part = slide.frame.slice(start, ROWS_PER_SLIDE)
                heading = slide.title if n == 0 else f"{slide.title} {continued}"
                _table_slide(deck, heading, part, slide.note)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def render_png(spec: str, format_locale: dict[str, object] | None = None) -> bytes:
    """A Vega-Lite spec as PNG, offline (vl-convert's own fonts; no base URLs allowed)."""
    return vl_convert.vegalite_to_png(
        spec, scale=PNG_SCALE, format_locale=format_locale, allowed_base_urls=[]
    )


def _titled(deck: Deck, title: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY_LAYOUT])
    slide.shapes.title.text = title
    slide.shapes.title.top, slide.shapes.title.height = MARGIN // 2, TITLE_HEIGHT
    return slide


def _chart_slide(deck: Deck, chart: ChartSlide, locale: dict[str, object] | None) -> None:
    """The chart as large as the slide allows, its proportions kept."""
    slide = _titled(deck, chart.title)
    png = render_png(chart.spec, locale)
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR size
    box_width = SLIDE_WIDTH - 2 * MARGIN
    box_height = SLIDE_HEIGHT - TITLE_HEIGHT - NOTE_HEIGHT - MARGIN
    scale = min(box_width / width, box_height / height)
    shown_width, shown_height = int(width * scale), int(height * scale)
    left = (SLIDE_WIDTH - shown_width) // 2
    slide.shapes.add_picture(
        io.BytesIO(png),
        Emu(left),
        Emu(MARGIN // 2 + TITLE_HEIGHT),
        Emu(shown_width),
        Emu(shown_height),
    )
    _note(slide, chart.note)


def _table_slide(deck: Deck, title: str, frame: pl.DataFrame, note: str) -> None:
    slide = _titled(deck, title)
    rows, columns = frame.height + 1, max(frame.width, 1)
    top = Emu(MARGIN // 2 + TITLE_HEIGHT)
    shape = slide.shapes.add_table(
        rows, columns, MARGIN, top, Emu(SLIDE_WIDTH - 2 * MARGIN), Emu(Inches(0.4) * rows)
    )
    table = shape.table
    for c, name in enumerate(frame.columns):
        _cell(table.cell(0, c), name)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            _cell(table.cell(r, c), "" if value is None else str(value))
    _note(slide, note)


def _cell(cell: _Cell, text: str) -> None:
    cell.text = text
    for paragraph in cell.text_frame.paragraphs:
        paragraph.font.size = TABLE_FONT


def _note(slide: Slide, text: str) -> None:
    if not text:
        return
    box = slide.shapes.add_textbox(
        MARGIN,
        Emu(SLIDE_HEIGHT - NOTE_HEIGHT - MARGIN // 4),
        Emu(SLIDE_WIDTH - 2 * MARGIN),
        NOTE_HEIGHT,
    )
    box.text_frame.word_wrap = True
    box.text_frame.text = text
    for paragraph in box.text_frame.paragraphs:
        paragraph.font.size = NOTE_FONT
