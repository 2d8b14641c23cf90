"""Charts for every page: one colour-blind-safe palette, locale-aware numbers, and downloads.

Not a page. Colours come from the Okabe–Ito palette (safe for the common colour-vision
deficiencies). Coverage states use blues for "something was found" and greys for "nothing
shown", so no colour reads as good or bad; every chart's legend names its states.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import altair as alt
import polars as pl
import streamlit as st
import vl_convert
import xlsxwriter

from etl.read.deck import render_png
from etl.read.export import XLSX_OPTIONS, csv_text, flat_lists
from etl.read.query import COVERAGE_STATES
from pages._common import lang, t

Chart = alt.Chart | alt.LayerChart | alt.FacetChart  # what the pages draw
# Okabe–Ito, in the order cities are given colours; Stockholm and Malmö get the first two.
CITY_PALETTE = ("#E69F00", "#009E73", "#0072B2", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
STATE_COLOURS = {
    "confirmed": "#0072B2",  # a reviewer accepted it
    "suggested": "#7FB8E0",  # the matcher found it, nobody has looked yet
    "reviewed_not_covered": "#8C8C8C",  # a reviewer says the city has nothing here
    "not_found": "#E6E6E6",  # nothing matched and nobody looked: not a proven gap
}
# d3-format locales: Swedish groups thousands with a space and writes a decimal comma.
FORMAT_LOCALES: dict[str, dict[str, object]] = {
    "sv": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]},
}


def city_scale(cities: Sequence[str]) -> alt.Scale:
    """A fixed colour per city, in the order given (the same city keeps its colour)."""
    return alt.Scale(domain=list(cities), range=list(CITY_PALETTE[: len(cities)]))


def state_scale() -> alt.Scale:
    """Coverage state labels (in the current language) → their colours."""
    return alt.Scale(
        domain=[t(f"state.{s}") for s in COVERAGE_STATES],
        range=[STATE_COLOURS[s] for s in COVERAGE_STATES],
    )


def localised(chart: Chart) -> Chart:
    """Numbers in the chart in the reader's locale, in the app and in exported images."""
    return chart.properties(usermeta={"embedOptions": {"formatLocale": FORMAT_LOCALES[lang()]}})


def show_chart(chart: Chart, data: pl.DataFrame, name: str) -> None:
    """Draw a chart with four downloads: its data (CSV, XLSX) and the chart itself (PNG, SVG).

    The files are made only when a button is clicked (Streamlit runs the callable then), so
    a normal rerun costs nothing.
    """
    chart = localised(chart)
    st.altair_chart(chart, width="stretch")
    spec = chart.to_json()
    locale = FORMAT_LOCALES[lang()]
    flat = data.with_columns(flat_lists(data))
    columns = st.columns(4, width=480)
    downloads: tuple[tuple[str, Callable[[], str | bytes], str, str], ...] = (
        ("CSV", lambda: csv_text(data), "csv", "text/csv"),
        ("XLSX", lambda: _xlsx(flat), "xlsx", "application/vnd.ms-excel"),
        ("PNG", lambda: render_png(spec, locale), "png", "image/png"),
        ("SVG", lambda: _svg(spec, locale), "svg", "image/svg+xml"),
    )
    for column, (text, make, suffix, mime) in zip(columns, downloads, strict=True):
        column.download_button(
            text,
            data=make,
            file_name=f"{name}.{suffix}",
            mime=mime,
            key=f"download-{name}-{suffix}",
            on_click="ignore",
            icon=":material/download:",
            help=t("chart.download_help"),
        )


def _xlsx(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        frame.write_excel(workbook)
    return buffer.getvalue()


def _svg(spec: str, locale: dict[str, object]) -> str:
    """Rendered offline like the PNG (`etl.read.deck.render_png`): no base URLs allowed."""
    return vl_convert.vegalite_to_svg(spec, format_locale=locale, allowed_base_urls=[])
