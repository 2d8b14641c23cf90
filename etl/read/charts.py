"""Charts for the pages, the downloads and the deck: one builder per chart, in a given language.

The pages draw these on screen, the Export page and `python -m etl export --format pptx` put
them on slides, so each chart is built once here from a query result (no Streamlit needed).
A `Style` says how large the text and rows are: `SCREEN` keeps Vega-Lite's defaults, `SLIDE`
makes every text at least `SLIDE_FONT` pixels, which is 12 pt on a slide where one chart pixel
is shown as 1/96 inch (see etl/read/deck.py).

Each city has its fixed colour from data/cities.csv (`query.city_colours`, Okabe–Ito defaults,
safe for the common colour-vision deficiencies) on every chart, download, slide and report.
Coverage states use blues for "something was found" and greys for "nothing shown", so no
colour reads as good or bad; every chart's legend names its states.
"""

from __future__ import annotations

import datetime
import json
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import altair as alt
import polars as pl
import vl_convert

from etl.read.i18n import TEXT, fmt_date, fmt_number, t
from etl.read.query import COVERAGE_STATES, ROUTES, STRENGTHS, city_colours

STATE_COLOURS = {
    "confirmed": "#0072B2",  # a reviewer accepted it
    "suggested": "#7FB8E0",  # the matcher found it, nobody has looked yet
    "reviewed_not_covered": "#8C8C8C",  # a reviewer says the city has nothing here
    "not_found": "#E6E6E6",  # nothing matched and nobody looked: not a proven gap
}
# Coverage states as shapes in the dot plot, where colour already says which city it is.
STATE_SHAPES = {
    "confirmed": "circle",
    "suggested": "diamond",
    "reviewed_not_covered": "cross",
    "not_found": "square",
}
# A cell whose direct coverage rests on one passage gets a dashed outline: visibly thinner than
# coverage that recurs, whatever its colour says. The outline is drawn inside the cell (this
# share of its width and height), so two such cells side by side keep two outlines; drawn on
# the cell's edge they merged into one dashed line along the row.
THIN_DASH = [4, 3]
THIN_INSET = 0.8
THIN_OPACITY = 0.35  # ... and a faded dot in the dot plot, still clearly the city's colour
DERIVED_TEXT = "#555555"  # a derived-only figure: readable on the lightest grey, yet quieter
# d3-format locales: Swedish groups thousands with a space and writes a decimal comma.
FORMAT_LOCALES: dict[str, dict[str, object]] = {
    "sv": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]},
}
PNG_SCALE = 2  # two image pixels per chart pixel: sharp on a projector, files stay small
LEGEND_SIZES = 6  # dot sizes a legend can list one by one before it gets crowded
SOURCE_FONT = 11  # px, Vega-Lite's own subtitle size: the source line on screen images
SLIDE_FONT = 16  # px; 16 px at 96 px per inch is 12 pt, the smallest text a room can read
# A subtitle line at most this long: the heatmap's explanation (180 characters) on one line
# made the slide chart 1228 px wide, wider than the slide; 90 characters at 16 px stay inside
# the ECCAR heatmap's own width (checked by rendering the shipped corpus).
SUBTITLE_CHARS = 90


@dataclass(frozen=True)
class Style:
    """Sizes in chart pixels. `font` None keeps Vega-Lite's own text sizes (the screen)."""

    font: int | None
    row_step: int  # per concept or activity row: one line of label text
    label_limit: int  # the widest axis label before it is cut with "…"
    offset_step: int  # per city within a concept row (bars and dots side by side)
    city_step: int  # per city column of a heatmap: room for "Stockholm" and a count
    committee_step: int  # per committee column of the concerns chart: its name, wrapped
    bar_width: int  # per panel of a faceted bar chart
    point_size: int  # area of a dot
    legend_orient: Literal[
        "bottom", "right"
    ]  # where legends go: under the chart on screen, beside it on a slide


# LABEL_LIMIT 380 px fits the longest ECCAR title at Vega's 11 px; on a slide the same titles
# at 16 px need 560 px. Steps and widths were checked by rendering the shipped corpus.
SCREEN = Style(
    font=None,
    row_step=26,
    offset_step=20,
    label_limit=380,
    city_step=110,
    committee_step=190,
    bar_width=260,
    point_size=110,
    legend_orient="bottom",
)
SLIDE = Style(
    font=SLIDE_FONT,
    row_step=30,
    offset_step=15,
    label_limit=560,
    city_step=150,
    committee_step=170,
    bar_width=220,
    point_size=200,
    legend_orient="right",
)


def _config(style: Style) -> dict[str, Any]:
    """Vega-Lite config that makes every text of the chart at least `style.font` pixels."""
    if style.font is None:
        return {}
    small, large = style.font, style.font + 6
    return {
        # labelSeparation: at 16 px, "35" and "40" touched on a 220 px axis; 6 px apart drops one.
        "axis": {"labelFontSize": small, "titleFontSize": small, "labelSeparation": 6},
        "header": {"labelFontSize": small, "titleFontSize": small},
        "legend": {"labelFontSize": small, "titleFontSize": small, "symbolSize": 160},
        "title": {"fontSize": large, "subtitleFontSize": small},
        "text": {"fontSize": small},
    }


def city_scale(cities: Sequence[str]) -> alt.Scale:
    """Each city in its fixed colour (cities.csv, `query.city_colours`), whichever cities are
    shown: the same in the app, the downloads, the deck and the report."""
    colours = city_colours(also=cities)
    return alt.Scale(domain=list(cities), range=[colours[c] for c in cities])


def state_scale(lang: str) -> alt.Scale:
    """Coverage state labels (in `lang`) → their colours."""
    return alt.Scale(
        domain=[t(f"state.{s}", lang) for s in COVERAGE_STATES],
        range=[STATE_COLOURS[s] for s in COVERAGE_STATES],
    )


def label_column(lang: str) -> str:
    """The concept label column in `lang`."""
    return "label_sv" if lang == "sv" else "label_en"


def titled(title: str, subtitle: str) -> alt.Title:
    """A chart's title; a long subtitle as lines, so it never makes the chart wider."""
    return alt.Title(
        title, subtitle=textwrap.wrap(subtitle, SUBTITLE_CHARS, break_long_words=False)
    )


def _dimension(dimension: str, lang: str) -> str:
    return t(f"overview.dimension.{dimension}", lang)


def _finish(chart: Any, lang: str, style: Style) -> Any:
    """Numbers in the reader's locale (in the app and in images), and the style's text sizes."""
    chart = chart.properties(usermeta={"embedOptions": {"formatLocale": FORMAT_LOCALES[lang]}})
    config = _config(style)
    return chart.configure(**config) if config else chart


def measure_decimals(measure: str) -> int:
    """Whole units, or one decimal per document (2,3 units per document)."""
    return 0 if measure == "units" else 1


def strength_name(strength: str, lang: str) -> str:
    return t(f"strength.{strength}", lang)


def basis_name(basis: str | None, lang: str) -> str:
    """How a link was made, in words; a basis this version does not know is shown as it is."""
    if basis is None:
        return ""
    key = f"basis.{basis}"
    return t(key, lang) if key in TEXT else basis


def in_words(frame: pl.DataFrame, column: str, name: Callable[[Any], str]) -> pl.Expr:
    """`column` with each value replaced by `name(value)` (nulls stay null).

    The names are made here, once per distinct value, not in `map_elements`: Polars may call a
    Python function from its own threads, where a page's language is unknown (it fell back to
    Swedish on an English page).
    """
    words = {v: name(v) for v in frame[column].drop_nulls().unique().to_list()}
    return pl.col(column).replace_strict(words, default=None, return_dtype=pl.String)


def per_concept(rows: pl.DataFrame, lang: str, measure: str = "units") -> pl.DataFrame:
    """What the coverage charts draw: concept, city, state and strength (ids for logic and
    tests, labels for readers), the chosen measure as `value`, and the counts behind it."""
    labels = {s: t(f"state.{s}", lang) for s in COVERAGE_STATES}
    strengths = {s: strength_name(s, lang) for s in STRENGTHS}
    return rows.select(
        "concept_id",
        pl.col(label_column(lang)).alias("concept"),
        "city",
        pl.col("state").alias("state_id"),
        pl.col("state").replace_strict(labels, return_dtype=pl.String),
        pl.col("strength").alias("strength_id"),
        pl.col("strength").replace_strict(strengths, return_dtype=pl.String),
        pl.col(measure).alias("value"),
        "units",
        "items",
        "sources",
        "derived_units",
        in_words(rows, "best_basis", lambda b: basis_name(b, lang)).alias("basis"),
        "derived_only",
    )


def _tooltips(lang: str, measure: str = "units") -> list[alt.Tooltip]:
    return [
        alt.Tooltip("concept:N", title=t("overview.axis.concept", lang)),
        alt.Tooltip("city:N", title=t("col.city", lang)),
        alt.Tooltip("state:N", title=t("overview.axis.state", lang)),
        alt.Tooltip("strength:N", title=t("compare.strength", lang)),
        alt.Tooltip(
            "value:Q",
            title=t(f"compare.measure.{measure}", lang),
            format=f",.{measure_decimals(measure)}f",
        ),
        alt.Tooltip("items:Q", title=t("overview.items", lang)),
        alt.Tooltip("sources:Q", title=t("overview.documents", lang)),
        alt.Tooltip("basis:N", title=t("compare.basis", lang)),
        alt.Tooltip("derived_units:Q", title=t("eccar.col.derived_units", lang)),
    ]


def units_axis(lang: str, measure: str = "units", field: str = "value") -> alt.X:
    """Units are whole numbers (no 0.5 ticks); units per document have decimals."""
    return alt.X(
        f"{field}:Q",
        title=t(f"compare.measure.{measure}", lang),
        axis=alt.Axis(tickMinStep=1) if measure == "units" else alt.Axis(),
    )


def _concept_axis(style: Style, field: str = "concept:N") -> alt.Y:
    return alt.Y(field, sort=None, title=None, axis=alt.Axis(labelLimit=style.label_limit))


def _side_by_side(
    chart: alt.Chart,
    cities: Sequence[str],
    lang: str,
    style: Style,
    measure: str,
    title: alt.Title,
    **encodings: Any,
) -> alt.Chart:
    """The layout the units and ECCAR charts share: the measure along x, one row per concept,
    and within a row one mark per city side by side (in `cities` order); `encodings` add the
    chart's own colour, shape, opacity, panels and tooltips."""
    return chart.encode(
        x=units_axis(lang, measure),
        y=_concept_axis(style),
        yOffset=alt.YOffset("city:N", sort=list(cities)),
        **encodings,
    ).properties(title=title, width=style.bar_width, height=alt.Step(style.offset_step))


def count_texts(rows: pl.DataFrame, measure: str, lang: str) -> list[str]:
    """Each heatmap cell's text: the direct figure; for a cell reached only through the
    crosswalk, its derived figure in brackets (shown, never counted as coverage); else empty."""
    decimals = measure_decimals(measure)
    derived = "derived_units" if measure == "units" else "derived_units_per_document"
    return [
        fmt_number(row[measure], lang, decimals)
        if row["units"] > 0
        else f"({fmt_number(row[derived], lang, decimals)})"
        if row["derived_only"]
        else ""
        for row in rows.iter_rows(named=True)
    ]


def heatmap(
    rows: pl.DataFrame,
    cities: Sequence[str],
    lang: str,
    style: Style = SCREEN,
    measure: str = "units",
) -> tuple[alt.LayerChart, pl.DataFrame]:
    """City × concept cells coloured by direct coverage state, in the rows' order (gaps first).

    The number is the chosen measure; a bracketed number is derived ECCAR coverage only; a
    dashed outline marks coverage that rests on a single passage.
    """
    dimension = rows["dimension"][0]
    data = per_concept(rows, lang, measure).with_columns(
        count=pl.Series(count_texts(rows, measure, lang), dtype=pl.String)
    )
    base = alt.Chart(data).encode(
        x=alt.X("city:N", sort=list(cities), title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=_concept_axis(style),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            scale=state_scale(lang),
            title=t("overview.axis.state", lang),
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=style.label_limit),
        ),
        tooltip=_tooltips(lang, measure),
    )
    thin = (
        base.transform_filter(alt.datum.strength_id == "single")
        .mark_rect(
            filled=False,
            stroke="black",
            strokeWidth=1.5,
            strokeDash=THIN_DASH,
            width=alt.RelativeBandSize(THIN_INSET),
            height=alt.RelativeBandSize(THIN_INSET),
        )
        .encode(tooltip=_tooltips(lang, measure))
    )
    counts = base.mark_text().encode(
        text="count:N",
        color=alt.when(alt.datum.state_id == "confirmed")
        .then(alt.value("white"))
        .when(alt.datum.derived_only)
        .then(alt.value(DERIVED_TEXT))
        .otherwise(alt.value("black")),
    )
    chart = (cells + thin + counts).properties(
        title=titled(
            t("overview.heatmap_title", lang).format(dimension=_dimension(dimension, lang)),
            t(f"overview.heatmap_subtitle.{measure}", lang),
        ),
        width=alt.Step(style.city_step),
        height=alt.Step(style.row_step),
    )
    return _finish(chart, lang, style), data


def units_plot(
    rows: pl.DataFrame,
    cities: Sequence[str],
    lang: str,
    style: Style = SCREEN,
    measure: str = "units",
) -> tuple[alt.Chart, pl.DataFrame]:
    """The chosen measure per concept, one dot per city (its colour), the shape telling the
    coverage state; a faded dot rests on a single passage."""
    dimension = rows["dimension"][0]
    data = per_concept(rows, lang, measure)
    chart = _side_by_side(
        alt.Chart(data).mark_point(size=style.point_size, filled=True),
        cities,
        lang,
        style,
        measure,
        titled(
            t(f"coverage.units_title.{measure}", lang).format(
                dimension=_dimension(dimension, lang)
            ),
            t("coverage.units_subtitle", lang),
        ),
        color=alt.Color("city:N", scale=city_scale(cities), title=t("col.city", lang)),
        opacity=alt.condition(
            alt.datum.strength_id == "single", alt.value(THIN_OPACITY), alt.value(0.9)
        ),
        shape=alt.Shape(
            "state:N",
            scale=alt.Scale(
                domain=[t(f"state.{s}", lang) for s in COVERAGE_STATES],
                range=[STATE_SHAPES[s] for s in COVERAGE_STATES],
            ),
            title=t("overview.axis.state", lang),
            legend=alt.Legend(labelLimit=style.label_limit),
        ),
        tooltip=_tooltips(lang, measure),
    )
    return _finish(chart, lang, style), data


def eccar_chart(
    rows: pl.DataFrame,
    cities: Sequence[str],
    lang: str,
    style: Style = SCREEN,
    measure: str = "units",
) -> tuple[alt.Chart, pl.DataFrame]:
    """The chosen measure per ECCAR commitment and city: direct mappings and derived ones in
    two panels."""
    routes = {r: t(f"eccar.route.{r}", lang) for r in ROUTES}
    strengths = {s: strength_name(s, lang) for s in STRENGTHS}
    data = rows.select(
        "concept_id",
        pl.col(label_column(lang)).alias("concept"),
        "city",
        pl.col("route").alias("route_id"),
        pl.col("route").replace_strict(routes),
        "units",
        "units_per_document",
        pl.col(measure).alias("value"),
        pl.col("strength").replace_strict(strengths, return_dtype=pl.String),
    )
    chart = _side_by_side(
        alt.Chart(data).mark_bar(),
        cities,
        lang,
        style,
        measure,
        titled(t("eccar.chart_title", lang), t("eccar.chart_subtitle", lang)),
        color=alt.Color(
            "city:N",
            scale=city_scale(cities),
            title=t("col.city", lang),
            legend=alt.Legend(orient=style.legend_orient),
        ),
        opacity=alt.Opacity(
            "route:N",
            scale=alt.Scale(domain=list(routes.values()), range=[1.0, 0.5]),
            legend=None,
        ),
        column=alt.Column("route:N", sort=list(routes.values()), title=None),
        tooltip=[
            alt.Tooltip("concept:N", title=t("eccar.col.commitment", lang)),
            alt.Tooltip("city:N", title=t("col.city", lang)),
            alt.Tooltip("route:N", title=t("eccar.col.route", lang)),
            alt.Tooltip("units:Q", title=t("overview.units", lang)),
            alt.Tooltip(
                "units_per_document:Q",
                title=t("compare.measure.units_per_document", lang),
                format=",.1f",
            ),
            alt.Tooltip("strength:N", title=t("compare.strength_direct", lang)),
        ],
    )
    return _finish(chart, lang, style), data


def concerns_chart(
    proposals: pl.DataFrame,
    every_city: Sequence[str],
    lang: str,
    style: Style = SCREEN,
    *,
    largest: int | None = None,
) -> alt.LayerChart:
    """Proposals in the consultation responses per concept and committee, shared ones first.

    `proposals` is `Atlas.recommendation_concepts`; `every_city` is the legend's cities;
    `largest` (the most proposals in one cell of the whole chart) keeps dot sizes the same
    when the chart is drawn in parts.
    """
    concept = label_column(lang)
    if largest is None:
        largest = cast(int, proposals.group_by(concept, "committee").len()["len"].max() or 1)
    # Whole numbers only in the size legend; up to LEGEND_SIZES of them, else Vega's choice.
    sizes: Any = list(range(1, largest + 1)) if largest <= LEGEND_SIZES else alt.Undefined
    concepts = proposals[concept].unique(maintain_order=True).to_list()
    # One row per dot, counted here: the chart then carries a few hundred cells, not every
    # proposal (4,587 rows at 1,000 documents took 0.2 s to serialise on each rerun).
    cells = proposals.group_by(concept, "dimension", "committee", "city", maintain_order=True).agg(
        proposals=pl.len()
    )
    grid = alt.Chart(cells).encode(
        x=alt.X(
            "committee:N",
            title=t("responses.chart.committee", lang),
            axis=alt.Axis(orient="top", labelAngle=0, labelLimit=style.committee_step - 10),
        ),
        y=alt.Y(
            f"{concept}:N", title=None, sort=concepts, axis=alt.Axis(labelLimit=style.label_limit)
        ),
    )
    dots = grid.mark_circle(opacity=0.9).encode(
        size=alt.Size(
            "sum(proposals):Q",
            title=t("responses.chart.count", lang),
            scale=alt.Scale(domain=[1, largest], range=[80, 600], zero=False),
            legend=alt.Legend(format="d", orient=style.legend_orient, values=sizes),
        ),
        color=alt.Color(
            "city:N",
            scale=city_scale(every_city),
            title=t("col.city", lang),
            legend=alt.Legend(orient=style.legend_orient),
        ),
        tooltip=[
            alt.Tooltip(f"{concept}:N", title=t("responses.chart.concept", lang)),
            alt.Tooltip("committee:N", title=t("responses.chart.committee", lang)),
            alt.Tooltip("city:N", title=t("col.city", lang)),
            alt.Tooltip("sum(proposals):Q", title=t("responses.chart.count", lang)),
        ],
    )
    chart = (
        (dots + grid.mark_text(align="left", dx=16).encode(text="sum(proposals):Q"))
        .properties(
            title=alt.TitleParams(
                t("responses.chart.title", lang), subtitle=t("responses.chart.subtitle", lang)
            ),
            width=alt.Step(style.committee_step),
            height=alt.Step(style.row_step),
        )
        .configure_view(stroke=None)
    )
    return _finish(chart, lang, style)


def timeline_chart(
    years: pl.DataFrame, every_city: Sequence[str], lang: str, style: Style = SCREEN
) -> alt.LayerChart:
    """Activities against the years they mention: a line from the first to the last year.

    `years` is `Atlas.activity_years`; `every_city` is the legend's cities.
    """
    base = alt.Chart(years).encode(
        y=alt.Y(
            "label:N",
            title=None,
            sort=alt.EncodingSortField("number", op="min"),
            axis=alt.Axis(labelLimit=style.label_limit),
        ),
        color=alt.Color(
            "city:N",
            scale=city_scale(every_city),
            title=t("col.city", lang),
            legend=alt.Legend(orient=style.legend_orient),
        ),
    )
    year: dict[str, Any] = {
        "title": t("activities.chart.year", lang),
        "axis": alt.Axis(format="d", tickMinStep=1),
        "scale": alt.Scale(zero=False, nice=False, padding=16),
    }
    span = base.mark_rule(strokeWidth=3).encode(x=alt.X("min(year):Q", **year), x2="max(year):Q")
    points = base.mark_circle(size=style.point_size, opacity=1).encode(
        x=alt.X("year:Q", **year),
        tooltip=[
            alt.Tooltip("label:N", title=t("activities.chart.activity", lang)),
            alt.Tooltip("year:Q", title=t("activities.chart.year", lang), format="d"),
            alt.Tooltip("city:N", title=t("col.city", lang)),
            alt.Tooltip("organ:N", title=t("activities.col.organ", lang)),
        ],
    )
    chart = (span + points).properties(
        title=alt.TitleParams(
            t("activities.chart.title", lang), subtitle=t("activities.chart.subtitle", lang)
        ),
        height=alt.Step(style.row_step),
    )
    return _finish(chart, lang, style)


def built_on(db: Path) -> datetime.date:
    """The day the database was built (its file's time): the date a chart or deck is as of."""
    return datetime.datetime.fromtimestamp(db.stat().st_mtime, datetime.UTC).date()


def source_line(lang: str, documents: int, cities: Sequence[str], built: datetime.date) -> str:
    """'Source: Rights Atlas, 4 documents from Malmö, Stockholm · database built …'."""
    return t("chart.source", lang).format(
        documents=fmt_number(documents, lang),
        cities=", ".join(cities),
        built=fmt_date(built.isoformat(), lang),
    )


def citable(spec: str, line: str) -> str:
    """The chart with `line` (its source) printed under everything, legends included.

    Works on the Vega-Lite JSON, so any chart (layered, faceted, configured) gets the same
    footer: the chart goes into a one-view concatenation whose own title, at the bottom, is
    the line; the chart keeps its title at the top.
    """
    chart = json.loads(spec)
    outer = {k: chart.pop(k) for k in ("$schema", "config", "datasets", "usermeta") if k in chart}
    size = outer.get("config", {}).get("title", {}).get("subtitleFontSize", SOURCE_FONT)
    footer = {
        "text": line,
        "orient": "bottom",
        "anchor": "start",
        "fontSize": size,
        "fontWeight": "normal",
        "color": "#333333",
        "offset": 12,
    }
    return json.dumps({**outer, "title": footer, "vconcat": [chart]})


def render_png(spec: str, lang: str) -> bytes:
    """A Vega-Lite spec as PNG, offline (vl-convert's own fonts; no base URLs allowed)."""
    return vl_convert.vegalite_to_png(
        spec, scale=PNG_SCALE, format_locale=FORMAT_LOCALES[lang], allowed_base_urls=[]
    )


def render_svg(spec: str, lang: str) -> str:
    """A Vega-Lite spec as SVG, rendered offline like `render_png`."""
    return vl_convert.vegalite_to_svg(
        spec, format_locale=FORMAT_LOCALES[lang], allowed_base_urls=[]
    )
