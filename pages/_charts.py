"""Charts on every page: drawn in the reader's language, with downloads that can be cited.

Not a page. The charts themselves are built in etl/read/charts.py (the deck uses the same
builders); here they are drawn with four downloads beside them. The PNG and SVG downloads
carry the chart's title, its legend and a source line (documents, cities, build date), so an
image pasted into a report or a slide says where its figures come from.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import altair as alt
import polars as pl
import streamlit as st
import xlsxwriter

from etl.paths import Paths
from etl.read import charts
from etl.read.export import XLSX_OPTIONS, csv_text, flat_lists
from pages._common import atlas, lang, t

Chart = alt.Chart | alt.LayerChart | alt.FacetChart  # what the pages draw


def localised(chart: Chart) -> Chart:
    """Numbers in the chart in the reader's locale, in the app and in exported images."""
    return chart.properties(
        usermeta={"embedOptions": {"formatLocale": charts.FORMAT_LOCALES[lang()]}}
    )


def source_line() -> str:
    """The chart's source: the documents of the cities chosen on this page, and the build date.

    The chosen cities are the page's city picker (key "cities"); pages without one show all.
    """
    everyone = atlas().cities()
    chosen = [c for c in everyone if c in (st.session_state.get("cities") or everyone)]
    documents = atlas().documents()
    shown = documents.filter(pl.col("city").is_in(chosen)).height
    return charts.source_line(lang(), shown, chosen, charts.built_on(Paths.from_env().db))


def show_chart(chart: Chart, data: pl.DataFrame, name: str) -> None:
    """Draw a chart with four downloads: its data (CSV, XLSX) and the chart itself (PNG, SVG).

    The files are made only when a button is clicked (Streamlit runs the callable then), so
    a normal rerun costs nothing; the images get the source line under the chart.
    """
    chart = localised(chart)
    st.altair_chart(chart, width="stretch")
    spec = charts.citable(chart.to_json(), source_line())
    language = lang()
    flat = data.with_columns(flat_lists(data))
    columns = st.columns(4, width=480)
    downloads: tuple[tuple[str, Callable[[], str | bytes], str, str], ...] = (
        ("CSV", lambda: csv_text(data), "csv", "text/csv"),
        ("XLSX", lambda: _xlsx(flat), "xlsx", "application/vnd.ms-excel"),
        ("PNG", lambda: charts.render_png(spec, language), "png", "image/png"),
        ("SVG", lambda: charts.render_svg(spec, language), "svg", "image/svg+xml"),
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
