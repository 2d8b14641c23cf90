"""Charts on every page: drawn in the reader's language, with downloads that can be cited.

Not a page. The charts themselves are built in etl/read/charts.py (the deck uses the same
builders); here they are drawn with four downloads beside them. The PNG and SVG downloads
carry the chart's title, its legend and a source line (documents, cities, build date), so an
image pasted into a report or a slide says where its figures come from.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl
import streamlit as st
import xlsxwriter
from streamlit import dataframe_util

from etl.paths import Paths
from etl.read import charts
from etl.read.export import XLSX_OPTIONS, csv_text, flat_lists
from etl.read.query import version
from pages._common import atlas, lang, t

Chart = alt.Chart | alt.LayerChart | alt.FacetChart  # what the pages draw
# Altair's theme is one setting for the whole process; charts are made on many sessions'
# threads at once, so every switch of it and every use of it holds this lock.
_THEME_LOCK = threading.RLock()
# Hashes of specs already checked against the schema (oldest dropped first): every view of
# every page in both languages is a few hundred.
_CHECKED_SPECS: dict[bytes, None] = {}
MAX_CHECKED_SPECS = 4096
# Charts kept built (`show_cached_chart`): the largest, the Overview heatmap of 60 cities at
# 10,000 documents, is about 0.6 MB (0.32 MB of export JSON, 0.17 MB of rows as Arrow bytes,
# 0.12 MB of download data; as Python rows its spec alone held 1.5 MB), so 64 views stay
# within about 40 MB; a view pushed out is built again in about 0.1 s.
MAX_BUILT_CHARTS = 64


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
    shown = atlas().document_count(chosen)
    return charts.source_line(lang(), shown, chosen, charts.built_on(Paths.from_env().db))


def show_chart(chart: Chart, data: pl.DataFrame, name: str) -> None:
    """Draw a chart with four downloads: its data (CSV, XLSX) and the chart itself (PNG, SVG).

    The files are made only when a button is clicked (Streamlit runs the callable then), so
    a normal rerun costs nothing; the images get the source line under the chart.
    """
    chart = localised(chart)
    _draw(screen_spec(chart), lambda: _chart_json(chart), lambda: data, name)


@dataclass(frozen=True)
class _Built:
    """A chart as drawn: its checked screen spec (never changed: a copy is drawn), its JSON
    in Altair's default theme for the PNG and SVG files, and its data for CSV and XLSX."""

    spec: dict[str, Any]
    export: str
    data: pl.DataFrame | None


@st.cache_resource(show_spinner=False, max_entries=MAX_BUILT_CHARTS)
def _built(
    db: str,
    db_version: float,
    name: str,
    language: str,
    choices: tuple[Any, ...],
    _build: Callable[[], tuple[Chart, pl.DataFrame | None]],
) -> _Built:
    """`_build()` made once per database file, chart, language and choices.

    Building an Altair chart and checking its spec is most of a chart's cost whatever its
    data (the Overview heatmap: 90 ms CPU of building for 600 cells at 10,000 documents),
    so the result is kept as a resource: shared, not copied, by every session. `db_version`
    is only part of the key: a rebuild changes it, so no chart of older data is drawn.
    """
    chart, data = _build()
    chart = localised(chart)
    spec = screen_spec(chart)
    # The rows as the Arrow bytes Streamlit sends (it converts rows on every draw otherwise,
    # and takes bytes as they are): small to keep, nothing to convert on a rerun.
    spec["datasets"] = {
        key: dataframe_util.convert_anything_to_arrow_bytes(rows)
        for key, rows in spec.get("datasets", {}).items()
    }
    return _Built(spec, _chart_json(chart), data)


def show_cached_chart(
    name: str,
    choices: tuple[Any, ...],
    build: Callable[[], tuple[Chart, pl.DataFrame | None]],
    download: Callable[[], pl.DataFrame] | None = None,
) -> None:
    """`show_chart` for a chart that depends only on the database, the language and
    `choices` (with `name`, everything `build` reads from the page: cities, dimension,
    measure...): built on the first view, then drawn from the cache.

    `download` gives the CSV and XLSX data when asked for, in place of `build`'s, when that
    is too large to keep (the proposals behind the concerns chart); `build` then gives None.
    It runs on a thread of its own when a button is clicked, outside the page's run."""
    db = Paths.from_env().db
    built = _built(str(db), version(db), name, lang(), choices, build)

    def data() -> pl.DataFrame:
        if download is not None:
            return download()
        if built.data is None:
            raise ValueError(f"chart {name!r} has no data to download: give `download`")
        return built.data

    _draw(dict(built.spec), lambda: built.export, data, name)


def _draw(
    spec: dict[str, Any],
    export: Callable[[], str],
    data: Callable[[], pl.DataFrame],
    name: str,
) -> None:
    """The chart from its screen spec, and its four downloads, made only when clicked."""
    st.vega_lite_chart(spec, width="stretch")
    source, language = source_line(), lang()
    columns = st.columns(4, width=480)
    downloads: tuple[tuple[str, Callable[[], str | bytes], str, str], ...] = (
        ("CSV", lambda: csv_text(data()), "csv", "text/csv"),
        ("XLSX", lambda: _xlsx(data()), "xlsx", "application/vnd.ms-excel"),
        (
            "PNG",
            lambda: charts.render_png(charts.citable(export(), source), language),
            "png",
            "image/png",
        ),
        (
            "SVG",
            lambda: charts.render_svg(charts.citable(export(), source), language),
            "svg",
            "image/svg+xml",
        ),
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


def screen_spec(chart: Chart) -> dict[str, Any]:
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


def _chart_json(chart: Chart) -> str:
    """The chart's JSON for PNG and SVG files, in Altair's default theme."""
    with _THEME_LOCK:
        return chart.to_json()


def _xlsx(frame: pl.DataFrame) -> bytes:
    frame = frame.with_columns(flat_lists(frame))
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
        frame.write_excel(workbook)
    return buffer.getvalue()
