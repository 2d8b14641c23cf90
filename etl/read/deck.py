"""Presentation deck: the comparison for chosen cities → a .pptx file, as bytes, for forums.

`forum_slides` asks the query layer for the figures and lays them out as slides (charts,
tables, speaker notes) in one language; `build_deck` renders them offline with vl-convert and
python-pptx. Both run without Streamlit, so the Export page and `python -m etl export
--format pptx` make the same deck.

Sizes are chosen so a room can read the slide: a chart pixel is shown as 1/96 inch (vl-convert
renders at PNG_SCALE, so the image has 192 pixels per inch) and the slide charts' smallest
text is SLIDE_FONT pixels, which is 12 pt. A chart that would not fit at that size is drawn
in parts over several slides, as a long table is, instead of being shrunk.
"""

from __future__ import annotations

import datetime
import io
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from etl.read import charts
from etl.read.charts import PNG_SCALE, SLIDE, citable, label_column, render_png, strength_name
from etl.read.i18n import fmt_date, fmt_number, t
from etl.read.query import DIMENSIONS, Atlas

SLIDE_WIDTH = Inches(13.333)  # 16:9, what meeting-room projectors and screens show
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.4)
TITLE_TOP, TITLE_HEIGHT = Inches(0.25), Inches(0.9)
BODY_TOP = Inches(1.2)
NOTE_HEIGHT = Inches(0.4)
FOOTER_HEIGHT = Inches(0.35)
BODY_BOTTOM = SLIDE_HEIGHT - FOOTER_HEIGHT - Inches(0.15)
TITLE_FONT = Pt(28)
SUBTITLE_FONT = Pt(20)
TABLE_FONT = Pt(14)  # larger than the 12 pt floor: tables are read from the back of a room
NOTE_FONT = Pt(12)
FOOTER_FONT = Pt(12)
FOOTER_COLOUR = RGBColor(0x55, 0x55, 0x55)  # quieter than the slide's text, still 7:1 on white
CHART_DPI = 96 * PNG_SCALE  # image pixels per inch on the slide: one chart pixel = 1/96 inch
FONT = "Arial"  # on every computer; LibreOffice shows it as the metric-equal Liberation Sans
# Table layout estimates for 14 pt Arial, measured on LibreOffice's rendering of the shipped
# corpus' gap and source tables: a 64-character concept label filled 5.8 in, i.e. 0.47 em per
# character; 0.5 em leaves room for bold headers and capitals. A line is 1.2 em high, wrapping
# at word ends costs up to 10 % more, and a cell has 0.1 in of margins above and below and
# 0.2 in beside. Rows are packed onto a slide by these estimates, never by a fixed count.
CHAR_WIDTH = TABLE_FONT * 0.5
WORD_CHAR_WIDTH = TABLE_FONT * 0.65  # a single word must never break: "Stockholm" in bold
LINE_HEIGHT = TABLE_FONT * 1.2
WRAP_SLACK = 1.1
CELL_PADDING = Inches(0.1)
CELL_SIDE_PADDING = Inches(0.2)
WIDEST_CELL_CHARS = 60  # one long title must not squeeze every other column
# Rows of a chart per slide: ten concepts (or activities) and their legend fit the chart area
# at SLIDE sizes (rendered on the shipped corpus: 10 ECCAR rows → 494 of 552 pixels).
CHART_ROWS = 10
# Activities the deck's timeline slides show (three slides). All of them made 148 timeline
# slides at 1,000 documents (24 of the deck's 35 CPU s, and the Export page waits for it) and
# about ten times as many at 10,000 (53,564 activities); the Activities page lists them all.
TIMELINE_ACTIVITIES = 3 * CHART_ROWS
TITLE_LAYOUT = 0  # the default template's layouts: 0 title, 5 title only
TITLE_ONLY_LAYOUT = 5


@dataclass(frozen=True)
class ChartSlide:
    """One chart: its slide title, its Vega-Lite spec (JSON) and the figures behind it."""

    title: str
    spec: str
    notes: str = ""


@dataclass(frozen=True)
class TableSlide:
    """One table, as shown to readers (column names already in their language)."""

    title: str
    frame: pl.DataFrame
    note: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Forum:
    """Everything a deck says: its title slide, its slides and the line at each slide's foot."""

    title: str
    subtitle: str
    footer: str
    lang: str
    slides: list[ChartSlide | TableSlide] = field(default_factory=list)


def forum_slides(
    atlas: Atlas,
    lang: str,
    cities: Sequence[str],
    dimension: str,
    built: datetime.date,
) -> Forum:
    """The deck for `cities` in `lang`: headline, heatmap, coverage, gaps, ECCAR, responses,
    activities and sources. Cheap (nothing is rendered), so a page can list its contents."""
    every_city = atlas.cities()
    documents = atlas.documents().filter(pl.col("city").is_in(list(cities)))
    line = charts.source_line(lang, documents.height, cities, built)
    name = t(f"overview.dimension.{dimension}", lang)
    rows = atlas.comparison(dimension, cities)
    slides: list[ChartSlide | TableSlide] = [
        TableSlide(
            t("overview.headline", lang),
            headline_table(atlas.city_summary(cities), atlas.covered_counts(cities), lang),
            t("overview.covered_note", lang),
            t("overview.covered_note", lang),
        )
    ]
    parts = [
        rows.filter(pl.col("concept_id").is_in(concepts.to_list()))
        for concepts in _parts(rows.get_column("concept_id").unique(maintain_order=True))
    ]
    for title, draw in (
        ("export.deck.heatmap", charts.heatmap),
        ("export.deck.units", charts.units_plot),
    ):
        for part in parts:
            chart, _ = draw(part, cities, lang, SLIDE)
            slides.append(
                ChartSlide(
                    t(title, lang).format(dimension=name),
                    citable(chart.to_json(), line),
                    _coverage_notes(part, lang),
                )
            )
    slides.append(
        TableSlide(
            t("export.deck.gaps", lang).format(dimension=name),
            gap_table(atlas.gaps(dimension, cities), lang),
            f"{t('state.not_found', lang)}: {t('overview.state_help.not_found', lang)}",
            t("export.notes.gaps", lang),
        )
    )
    eccar = atlas.eccar_benchmark(cities)
    chart, _ = charts.eccar_chart(eccar, cities, lang, SLIDE)
    slides.append(
        ChartSlide(
            t("page.eccar", lang),
            citable(chart.to_json(), line),
            "\n".join([t("eccar.derived_note", lang), *_eccar_notes(eccar, lang)]),
        )
    )
    proposals = atlas.recommendation_concepts(cities)
    largest = cast(int, proposals.group_by("concept_id", "committee").len()["len"].max() or 1)
    for concepts in _parts(proposals.get_column("concept_id").unique(maintain_order=True)):
        shown = proposals.filter(pl.col("concept_id").is_in(concepts.to_list()))
        slides.append(
            ChartSlide(
                t("export.deck.concerns", lang),
                citable(
                    charts.concerns_chart(
                        shown, every_city, lang, SLIDE, largest=largest
                    ).to_json(),
                    line,
                ),
                "\n".join(_concern_notes(shown, lang)),
            )
        )
    years = atlas.activity_years(cities, limit=TIMELINE_ACTIVITIES)
    activities = int(atlas.activity_counts(cities)["activities"].sum())
    first = (
        [
            t("export.notes.timeline_first", lang).format(
                shown=fmt_number(TIMELINE_ACTIVITIES, lang), total=fmt_number(activities, lang)
            )
        ]
        if activities > TIMELINE_ACTIVITIES
        else []
    )
    for numbers in _parts(years.get_column("number").unique(maintain_order=True)):
        shown = years.filter(pl.col("number").is_in(numbers.to_list()))
        slides.append(
            ChartSlide(
                t("export.deck.timeline", lang),
                citable(charts.timeline_chart(shown, every_city, lang, SLIDE).to_json(), line),
                "\n".join([*first, *_timeline_notes(shown)]),
            )
        )
    slides.append(
        TableSlide(
            t("export.deck.sources", lang),
            sources_table(documents, lang),
            notes=t("export.notes.sources", lang).format(
                documents=fmt_number(documents.height, lang)
            ),
        )
    )
    return Forum(
        title=t("export.deck.title", lang).format(cities=", ".join(cities)),
        subtitle=t("export.deck.subtitle", lang).format(
            documents=fmt_number(documents.height, lang), built=fmt_date(built.isoformat(), lang)
        ),
        footer=line,
        lang=lang,
        slides=slides,
    )


def _parts(keys: pl.Series) -> list[pl.Series]:
    """Keys in groups of CHART_ROWS: one chart slide each (none when there is nothing to draw,
    e.g. a city without consultation responses gets no slide of shared concerns)."""
    return [keys.slice(i, CHART_ROWS) for i in range(0, len(keys), CHART_ROWS)]


def coverage_note(row: dict[str, Any], lang: str) -> str:
    """'Malmö 3 units (suggested, one passage only)' for one `Atlas.coverage` row; a cell
    reached only through the crosswalk adds its derived units, marked as not counted."""
    details = [t(f"state.{row['state']}", lang).lower()]
    if row["units"]:
        details.append(strength_name(row["strength"], lang).lower())
    if row["derived_only"]:
        details.append(
            t("overview.derived_of", lang).format(n=fmt_number(row["derived_units"], lang))
        )
    units = f"{fmt_number(row['units'], lang)} {t('overview.units', lang).lower()}"
    return f"{row['city']} {units} ({', '.join(details)})"


def _coverage_notes(rows: pl.DataFrame, lang: str) -> str:
    """'Concept: Malmö 3 units (suggested, …); Stockholm 0 units (nothing found)', per concept."""
    lines = [t("overview.colour_note", lang)]
    for group in rows.partition_by("concept_id", maintain_order=True):
        cells = "; ".join(coverage_note(r, lang) for r in group.iter_rows(named=True))
        lines.append(f"{group[label_column(lang)][0]}: {cells}")
    return "\n".join(lines)


def _eccar_notes(eccar: pl.DataFrame, lang: str) -> list[str]:
    lines = []
    for group in eccar.partition_by("concept_id", maintain_order=True):
        cells = "; ".join(
            f"{r['city']} {t('eccar.route.' + r['route'], lang).lower()} "
            f"{fmt_number(r['units'], lang)}"
            for r in group.iter_rows(named=True)
        )
        lines.append(f"{group[label_column(lang)][0]}: {cells}")
    return lines


def _concern_notes(proposals: pl.DataFrame, lang: str) -> list[str]:
    lines = []
    for group in proposals.partition_by("concept_id", maintain_order=True):
        committees = ", ".join(group["committee"].unique(maintain_order=True))
        lines.append(
            t("export.notes.concern", lang).format(
                concept=group[label_column(lang)][0],
                proposals=fmt_number(group["item_id"].n_unique(), lang),
                committees=committees,
            )
        )
    return lines


def _timeline_notes(years: pl.DataFrame) -> list[str]:
    return [
        f"{g['label'][0]} ({g['city'][0]}, {g['organ'][0]}): "
        + ", ".join(str(y) for y in sorted(g["year"].unique()))
        for g in years.partition_by("number", maintain_order=True)
    ]


def covered_details(row: dict[str, Any], lang: str) -> str:
    """'0 confirmed; 2 on a single passage; 3 more derived only' for one city × dimension row
    of `covered_counts`: how much of the coverage is reviewed, how much is thin, and what the
    crosswalk adds beside it."""
    details = [t("overview.confirmed_of", lang).format(n=fmt_number(row["confirmed"], lang))]
    if row["single"]:
        details.append(t("overview.single_of", lang).format(n=fmt_number(row["single"], lang)))
    if row["derived_only"]:
        details.append(
            t("overview.derived_of", lang).format(n=fmt_number(row["derived_only"], lang))
        )
    return "; ".join(details)


def covered_text(row: dict[str, Any], lang: str) -> str:
    """'3 of 10 (0 confirmed; 2 on a single passage; 3 more derived only)'."""
    covered = t("overview.covered_of", lang).format(
        covered=fmt_number(row["covered"], lang), concepts=fmt_number(row["concepts"], lang)
    )
    return f"{covered} ({covered_details(row, lang)})"


def headline_table(summary: pl.DataFrame, covered: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The headline figures as one table: a row per city, 'covered of all' per dimension.

    Numbers are formatted here, not in `map_elements` (Polars threads lose nothing then)."""
    return pl.DataFrame(
        {
            t("col.city", lang): summary["city"],
            t("overview.documents", lang): [fmt_number(n, lang) for n in summary["documents"]],
            t("overview.items", lang): [fmt_number(n, lang) for n in summary["items"]],
            t("overview.units", lang): [fmt_number(n, lang) for n in summary["units"]],
        }
        | {
            t(f"overview.dimension.{d}", lang): [
                covered_text(r, lang) for r in covered.filter(dimension=d).iter_rows(named=True)
            ]
            for d in DIMENSIONS
        }
    )


def gap_name(gap: str, covered_in: Sequence[str], lang: str) -> str:
    """'Only Malmö', 'None of the cities', 'All chosen cities'."""
    if gap == "some":
        return t("coverage.gap.some", lang).format(cities=", ".join(covered_in))
    return t(f"coverage.gap.{gap}", lang)


def gap_table(gaps: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The gap table as shown and exported: one row per concept, cities named in each column.

    A city whose coverage rests on one passage is marked so; cities with derived ECCAR
    coverage only have a column of their own, apart from coverage.
    """
    columns = {
        "overview.axis.concept": gaps[label_column(lang)].to_list(),
        "coverage.col.gap": [
            gap_name(g, c, lang) for g, c in zip(gaps["gap"], gaps["covered_in"], strict=True)
        ],
        "coverage.col.covered_in": [
            ", ".join(
                t("coverage.single_city", lang).format(city=c) if c in single else c
                for c in covered
            )
            # As Python lists: `in` on a Polars Series ran a query per city (0.1 s a rerun).
            for covered, single in zip(
                gaps["covered_in"].to_list(), gaps["single_in"].to_list(), strict=True
            )
        ],
        "coverage.col.derived_in": gaps["derived_in"].list.join(", ").to_list(),
        "coverage.col.reviewed_not_in": gaps["reviewed_not_in"].list.join(", ").to_list(),
        "coverage.col.not_found_in": gaps["not_found_in"].list.join(", ").to_list(),
    }
    if not any(columns["coverage.col.derived_in"]):
        del columns["coverage.col.derived_in"]  # only ECCAR commitments have derived coverage
    return pl.DataFrame(
        {t(key, lang): values for key, values in columns.items()},
        schema={t(key, lang): pl.String for key in columns},
    )


def sources_table(documents: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Every document as a reader cites it: city, title, body, kind, date, registration no."""
    return pl.DataFrame(
        {
            t("col.city", lang): documents["city"],
            t("col.title", lang): documents["title"],
            t("col.organ", lang): documents["organ"],
            t("col.doc_kind", lang): [t(f"doc_kind.{k}", lang) for k in documents["doc_kind"]],
            t("col.date", lang): [fmt_date(d, lang) for d in documents["date"]],
            t("col.dnr", lang): documents["dnr"].fill_null(""),
        },
        schema={
            t(key, lang): pl.String
            for key in ("col.city", "col.title", "col.organ", "col.doc_kind", "col.date", "col.dnr")
        },
    )


def build_deck(forum: Forum) -> bytes:
    """A title slide, then one slide per chart and as many as each table needs."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    first = deck.slides.add_slide(deck.slide_layouts[TITLE_LAYOUT])
    _place(first.shapes.title, MARGIN, Inches(2.2), SLIDE_WIDTH - 2 * MARGIN, Inches(1.5))
    _text(first.shapes.title, forum.title, Pt(40))
    subtitle = first.placeholders[1]
    _place(subtitle, MARGIN, Inches(3.9), SLIDE_WIDTH - 2 * MARGIN, Inches(1.2))
    _text(subtitle, forum.subtitle, SUBTITLE_FONT)
    _footer(first, forum.footer)
    continued = t("export.deck.continued", forum.lang)
    for slide in forum.slides:
        if isinstance(slide, ChartSlide):
            _chart_slide(deck, slide, forum)
            continue
        for n, part in enumerate(_table_pages(slide.frame, bool(slide.note))):
            heading = slide.title if n == 0 else f"{slide.title} {continued}"
            _table_slide(deck, heading, part, slide, forum.footer)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _place(shape: Any, left: int, top: int, width: int, height: int) -> None:
    """Set all four sides: setting only some leaves the others 0 (a zero-wide title box)."""
    shape.left, shape.top, shape.width, shape.height = (
        Emu(left),
        Emu(top),
        Emu(width),
        Emu(height),
    )


def _text(shape: Any, text: str, size: Pt, *, bold: bool = False) -> None:
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.font.size = size
        paragraph.font.bold = bold
        paragraph.font.name = FONT


def _titled(deck: Deck, title: str, footer: str, notes: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY_LAYOUT])
    _place(slide.shapes.title, MARGIN, TITLE_TOP, SLIDE_WIDTH - 2 * MARGIN, TITLE_HEIGHT)
    _text(slide.shapes.title, title, TITLE_FONT, bold=True)
    _footer(slide, footer)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def _footer(slide: Slide, text: str) -> None:
    box = slide.shapes.add_textbox(
        MARGIN,
        Emu(SLIDE_HEIGHT - FOOTER_HEIGHT - Inches(0.1)),
        Emu(SLIDE_WIDTH - 2 * MARGIN),
        FOOTER_HEIGHT,
    )
    _text(box, text, FOOTER_FONT)
    box.text_frame.paragraphs[0].font.color.rgb = FOOTER_COLOUR


def chart_size(png: bytes) -> tuple[int, int]:
    """(width, height) in EMU of a rendered chart shown at CHART_DPI, shrunk only if it must."""
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR size
    shown_width, shown_height = Inches(width / CHART_DPI), Inches(height / CHART_DPI)
    fit = min(
        1.0, (SLIDE_WIDTH - 2 * MARGIN) / shown_width, (BODY_BOTTOM - BODY_TOP) / shown_height
    )
    return int(shown_width * fit), int(shown_height * fit)


def _chart_slide(deck: Deck, chart: ChartSlide, forum: Forum) -> None:
    """The chart at presentation size, centred under the title."""
    slide = _titled(deck, chart.title, forum.footer, chart.notes)
    png = render_png(chart.spec, forum.lang)
    width, height = chart_size(png)
    slide.shapes.add_picture(
        io.BytesIO(png), Emu((SLIDE_WIDTH - width) // 2), BODY_TOP, Emu(width), Emu(height)
    )


def _column_widths(frame: pl.DataFrame) -> list[int]:
    """Column widths (EMU) that fill the slide: each column at least as wide as its longest
    word (no word is broken), the rest shared in proportion to the column's longest text."""
    texts = [[name, *(str(v or "") for v in frame[name])] for name in frame.columns]
    narrowest = [max(len(w) for x in col for w in x.split() or [""]) for col in texts]
    widest = [min(max(len(x) for x in col), WIDEST_CELL_CHARS) for col in texts]
    need = [int(n * WORD_CHAR_WIDTH + CELL_SIDE_PADDING) for n in narrowest]
    want = [
        max(int(w * CHAR_WIDTH + CELL_SIDE_PADDING), n) for w, n in zip(widest, need, strict=True)
    ]
    usable = SLIDE_WIDTH - 2 * MARGIN
    if sum(want) <= usable:
        return [int(usable * w / sum(want)) for w in want]
    spare, extra = usable - sum(need), [w - n for w, n in zip(want, need, strict=True)]
    return [
        n + int(max(spare, 0) * e / max(sum(extra), 1)) for n, e in zip(need, extra, strict=True)
    ]


def _row_height(values: Sequence[object], widths: Sequence[int]) -> int:
    """The row's height when its longest cell wraps at its column's width."""
    lines = max(
        math.ceil(
            len(str(v or "")) * CHAR_WIDTH * WRAP_SLACK / max(w - CELL_SIDE_PADDING, CHAR_WIDTH)
        )
        or 1
        for v, w in zip(values, widths, strict=True)
    )
    return int(lines * LINE_HEIGHT + CELL_PADDING)


def _table_pages(frame: pl.DataFrame, has_note: bool) -> list[pl.DataFrame]:
    """The frame cut into slides' worth of rows, by the rows' estimated heights, with the
    rows shared evenly over those slides (no slide left holding one stray row)."""
    widths = _column_widths(frame)
    room = BODY_BOTTOM - BODY_TOP - (NOTE_HEIGHT if has_note else 0)
    room -= _row_height(frame.columns, widths)
    heights = [_row_height(row, widths) for row in frame.iter_rows()]

    def cut(most_rows: int) -> list[pl.DataFrame]:
        pages, start, used = [], 0, 0
        for n, height in enumerate(heights):
            if (used + height > room or n - start == most_rows) and n > start:
                pages.append(frame.slice(start, n - start))
                start, used = n, 0
            used += height
        return [*pages, frame.slice(start)]

    pages = cut(len(heights))
    return cut(math.ceil(len(heights) / len(pages))) if len(pages) > 1 else pages


def _table_slide(
    deck: Deck, title: str, frame: pl.DataFrame, table: TableSlide, footer: str
) -> None:
    slide = _titled(deck, title, footer, table.notes)
    widths = _column_widths(frame)
    heights = [_row_height(frame.columns, widths)] + [
        _row_height(row, widths) for row in frame.iter_rows()
    ]
    shape = slide.shapes.add_table(
        len(heights), max(frame.width, 1), MARGIN, BODY_TOP, Emu(sum(widths)), Emu(sum(heights))
    )
    grid = shape.table
    for c, width in enumerate(widths):
        grid.columns[c].width = Emu(width)
    for r, height in enumerate(heights):
        grid.rows[r].height = Emu(height)
    for c, name in enumerate(frame.columns):
        _cell_text(grid.cell(0, c), name)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            _cell_text(grid.cell(r, c), "" if value is None else str(value))
    if table.note:
        box = slide.shapes.add_textbox(
            MARGIN, Emu(BODY_BOTTOM - NOTE_HEIGHT), Emu(SLIDE_WIDTH - 2 * MARGIN), NOTE_HEIGHT
        )
        _text(box, table.note, NOTE_FONT)


def _cell_text(cell: Any, text: str) -> None:
    cell.text = text
    for paragraph in cell.text_frame.paragraphs:
        paragraph.font.size = TABLE_FONT
        paragraph.font.name = FONT


def forum_deck(
    atlas: Atlas, lang: str, cities: Sequence[str], dimension: str, built: datetime.date
) -> bytes:
    """`forum_slides` rendered: the .pptx file's bytes."""
    return build_deck(forum_slides(atlas, lang, cities, dimension, built))
