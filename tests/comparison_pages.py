"""Helpers for the comparison page tests: open a page under AppTest, read a chart's data.

Streamlit moves a chart's data out of the Vega-Lite JSON into Arrow datasets beside it, so
`chart_data` reads those back as one Polars frame.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from etl.paths import ROOT


def open_page(page: str | None, **query: str | list[str]) -> AppTest:
    """Open the app with `query` in the URL (the first run reads it), then go to `page`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest) -> list[Any]:
    return list(at.get("vega_lite_chart"))


def chart_title(chart: Any) -> str:
    title = json.loads(chart.proto.spec)["title"]
    return title["text"] if isinstance(title, dict) else title


def chart_data(chart: Any) -> pl.DataFrame:
    """All rows a chart draws (its datasets stacked)."""
    frames = [
        pl.from_arrow(pa.ipc.open_stream(d.data.data).read_all()) for d in chart.proto.datasets
    ]
    return pl.concat(frames, how="diagonal")
