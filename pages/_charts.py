"""Charts for every page: one colour-blind-safe palette, locale-aware numbers, and downloads.

Not a page. Colours come from the Okabe–Ito palette (safe for the common colour-vision
deficiencies). Coverage states use blues for "something was found" and greys for "nothing
shown", so no colour reads as good or bad; every chart's legend names its states.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st
import vl_convert
import xlsxwriter

from etl.read.deck import render_png
from etl.read.export import XLSX_OPTIONS, csv_text, flat_lists
from etl.read.query import COVERAGE_STATES
from pages._common import lang, t

# Okabe–Ito, in the order cities are given colours; Stockholm and Malmö get the first two.
CITY_PALETTE = ("#E69F00", "#009E73", "#0072B2", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
STATE_COLOURS = {
    "confirmed": "#0072B2",  # a reviewer accepted it
    "suggested": "#7FB8E0",  # the matcher found it, nobody has looked yet
    "reviewed_not_covered": "#8C8C8C",  # a reviewer says the city has nothing here
    "not_found": "#E6E6E6",  # nothing matched and nobody looked: not a proven gap
}
# Altair's theme is one setting for the whole process; charts are made on many sessions'
# threads at once, so every switch of it and every use of it holds this lock.
_THEME_LOCK = threading.RLock()
# Hashes of specs already checked against the schema (oldest dropped first): every view of
# every page in both languages is a few hundred.
_CHECKED_SPECS: dict[bytes, None] = {}
MAX_CHECKED_SPECS = 4096
# d3-format locales: Swedish groups thousands with a space and writes a decimal comma.
FORMAT_LOCALES = {
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


def localised(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Numbers in the chart in the reader's locale, in the app and in exported images."""
    return chart.properties(usermeta={"embedOptions": {"formatLocale": FORMAT_LOCALES[lang()]}})


def show_chart(chart: alt.TopLevelMixin, data: pl.DataFrame, name: str) -> None:
    """Draw a chart with four downloads: its data (CSV, XLSX) and the chart itself (PNG, SVG).

    The files are made only when a button is clicked (Streamlit runs the callable then), so
    a normal rerun costs nothing.
    """
    chart = localised(chart)
    st.vega_lite_chart(screen_spec(chart), width="stretch")
    locale = FORMAT_LOCALES[lang()]
    flat = data.with_columns(flat_lists(data))
    columns = st.columns(4, width=480)
    downloads = (
        ("CSV", lambda: csv_text(data), "csv", "text/csv"),
        ("XLSX", lambda: _xlsx(flat), "xlsx", "application/vnd.ms-excel"),
        ("PNG", lambda: render_png(_export_spec(chart), locale), "png", "image/png"),
        ("SVG", lambda: _svg(_export_spec(chart), locale), "svg", "image/svg+xml"),
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


def screen_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec as `st.altair_chart` would draw it, checked once per spec.

    Checking a spec against the Vega-Lite schema is most of what a chart costs (measured: 3.0
    of 8.7 s over 18 page runs), and `st.altair_chart` does it on every rerun inside a lock that
    every session shares — so 20 sessions opening the same view queued behind each other. The
    spec of a view depends only on its data and choices, so each distinct spec is checked the
    first time it is drawn and drawn unchecked after that.
    """
    with _THEME_LOCK, alt.theme.enable("none"):  # Streamlit's look: no 300 px default views
        spec = chart.to_dict(validate=False)
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).digest()
    with _THEME_LOCK:
        checked = key in _CHECKED_SPECS
    if not checked:
        with _THEME_LOCK, alt.theme.enable("none"):
            chart.to_dict()  # raises on a spec Vega-Lite would refuse
        with _THEME_LOCK:
            _CHECKED_SPECS[key] = None
            while len(_CHECKED_SPECS) > MAX_CHECKED_SPECS:
                del _CHECKED_SPECS[next(iter(_CHECKED_SPECS))]
    return spec


def _export_spec(chart: alt.TopLevelMixin) -> str:
    """The spec for PNG and SVG files (Altair's default theme), made when a file is asked for."""
    with _THEME_LOCK:
        return chart.to_json()


def _xlsx(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        frame.write_excel(workbook)
    return buffer.getvalue()


def _svg(spec: str, locale: dict[str, object]) -> str:
    """Rendered offline like the PNG (`etl.read.deck.render_png`): no base URLs allowed."""
    return vl_convert.vegalite_to_svg(spec, format_locale=locale, allowed_base_urls=[])
