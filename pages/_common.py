"""What every page shares: the language, the database connection, cached queries, safe text.

Not a page (the leading underscore keeps it out of navigation and of the page smoke tests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.pages_manager import PagesManager

from etl.paths import Paths
from etl.read import i18n
from etl.read.access import access_problem, may_change_data, needs_login, needs_password
from etl.read.query import Atlas, connect, run, version

# A fresh server runs its first sessions in Streamlit's legacy `pages/` mode (each page alone,
# without app.py's navigation and language switch) until a session calls `st.navigation`, so a
# copied link opened first would show a broken app. Leave that mode and rerun through app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

# Characters that mean something in Streamlit markdown; escaped so document text stays text.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def lang() -> str:
    """The language chosen in the sidebar (kept in the URL as ?lang=)."""
    chosen = st.session_state.get("lang")
    return chosen if chosen in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def t(key: str) -> str:
    return i18n.t(key, lang())


def number(value: float | Decimal | None, decimals: int = 0) -> str:
    """A number in the reader's style; Polars sums of decimals arrive as Decimal."""
    return i18n.fmt_number(float(value) if isinstance(value, Decimal) else value, lang(), decimals)


def date(value: str | None) -> str:
    return i18n.fmt_date(value, lang())


def label(row: Mapping[str, Any]) -> str:
    """A concept's label in the chosen language."""
    return str(row["label_sv"] if lang() == "sv" else row["label_en"])


@dataclass(frozen=True)
class _OpenDatabase:
    con: duckdb.DuckDBPyConnection
    path: str
    version: float


def _still_current(db: _OpenDatabase) -> bool:
    """False once a rebuild replaced the file; the stale handle is closed right here.

    DuckDB serves the old file to every new connection while any connection to it is open, so
    the old one must be closed before the cache opens the next.
    """
    if version(Path(db.path)) == db.version:
        return True
    db.con.close()
    return False


def _close(db: _OpenDatabase) -> None:
    db.con.close()


@st.cache_resource(show_spinner=False, validate=_still_current, on_release=_close)
def _open(path: str) -> _OpenDatabase:
    """The read-only connection to the database at `path`, reopened after each rebuild."""
    db_version = version(Path(path))
    return _OpenDatabase(connect(Path(path)), path, db_version)


def database_ready() -> bool:
    """True when there is a database to show; otherwise says how to build one."""
    if Paths.from_env().db.exists():
        return True
    st.warning(t("app.no_database"))
    return False


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_frame(path: str, db_version: float, sql: str, params: dict[str, Any]) -> pl.DataFrame:
    """Run one query on a cursor of its own (thread-safe), closed at once.

    `db_version` is only part of the cache key: a rebuild changes it, so no stale result is
    served. An open cursor would keep the old file's data alive after a rebuild replaced it.
    """
    cursor = _open(path).con.cursor()
    try:
        return run(cursor, sql, params)
    finally:
        cursor.close()


class _CachedAtlas(Atlas):
    """The published database's `Atlas`, each query's result cached until a rebuild.

    Every `Atlas` query goes through `_frame`, so caching it caches them all and pages call
    the typed methods directly. It holds no connection: each query borrows a cursor.
    """

    def __init__(self, db: Path) -> None:  # no super().__init__: there is no connection to keep
        self.path, self.version = str(db), version(db)

    def _frame(self, sql: str, **params: object) -> pl.DataFrame:
        return _cached_frame(self.path, self.version, sql, params)


def atlas() -> Atlas:
    """The queries over the published database, as typed methods: `atlas().gaps(dimension)`."""
    return _CachedAtlas(Paths.from_env().db)


def escape(text: str) -> str:
    """Document text → markdown that shows it literally (no HTML, links or images)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def highlighted(text: str, start: int | None, end: int | None) -> str:
    """Escaped markdown with text[start:end] marked, to show the evidence of a match."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return escape(text)
    return (
        escape(text[:start])
        + ":orange-background["
        + escape(text[start:end])
        + "]"
        + escape(text[end:])
    )


def from_url(key: str, options: Sequence[Any], multi: bool = False) -> None:
    """Before a widget keyed `key`: take its first value from the URL (?key=…) if valid.

    Widgets whose options are ids shown through `format_func` cannot use
    `bind="query-params"` (it would put the display label in the URL), so they are seeded
    here and mirrored back with `to_url`.
    """
    if key in st.session_state or key not in st.query_params:
        return
    allowed = {str(o): o for o in options}
    if multi:
        st.session_state[key] = [allowed[v] for v in st.query_params.get_all(key) if v in allowed]
    elif st.query_params[key] in allowed:
        st.session_state[key] = allowed[st.query_params[key]]


def to_url(key: str) -> None:
    """After the widget: write its value to the URL, so a copied link reopens this view."""
    value = st.session_state.get(key)
    if value is None or value == []:
        st.query_params.pop(key, None)
    elif isinstance(value, list):
        st.query_params[key] = [str(v) for v in value]
    else:
        st.query_params[key] = str(value)


def secrets() -> Mapping[str, Any]:
    """The app's secrets, or none when there is no secrets file (local use)."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return {}


def user() -> Mapping[str, Any] | None:
    """The signed-in person (st.login), or None; `st.user` is empty when no login is set up."""
    return st.user.to_dict() if st.user.get("is_logged_in") else None


def change_allowed() -> bool:
    """Asked again at every change: a disabled button is not a lock."""
    return may_change_data(secrets(), user(), st.session_state.get("password"))


def access_controls() -> bool:
    """The sidebar's password field or sign-in button, where set up; True if changes may be made.

    Browsing is always open; only uploads and review decisions pass through here.
    """
    settings = secrets()
    with st.sidebar:
        problem = access_problem(settings)
        if problem:
            st.error(escape(problem))
        if needs_password(settings):
            st.text_input(t("access.password"), type="password", key="password")
        if needs_login(settings) and user() is None:
            st.button(t("access.login"), on_click=st.login)
    return change_allowed()


def localised_columns(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Keep and rename columns for display: {column: text key}."""
    return frame.select([pl.col(c).alias(t(key)) for c, key in names.items()])
