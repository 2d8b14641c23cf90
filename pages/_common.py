"""What every page shares: the language, the database connection, cached queries, safe text.

Not a page (the leading underscore keeps it out of navigation and of the page smoke tests).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from etl.errors import InputError
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

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and together they
# cover all markdown, HTML and entities (`<`, `&`), links and images (`[`, `]`, `(`, `!`),
# Streamlit's `:colour[…]`, `:icon:` and `$math$`, and GFM's bare links, which need an unbroken
# `http://`, `www.` or `name@host.se` (`:`, `.`, `@` escaped break them).
MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# The longest reviewer name kept: a name or an e-mail address.
REVIEWER_CHARS = 80

# Words Streamlit 1.67 writes in English in the browser, with no parameter to change them (read
# in its FileUploader, Multiselect and Selectbox modules), each found by markup that module
# gives it: CSS selector → text key of ours shown in its place.
# - the drop zone's "Upload" button: its label is the button's markdown block;
# - the drop zone's "Drag and drop a file here", drawn only while a file is dragged over it: the
#   one <div> that follows the hidden file input;
# - "No results" when a typed filter matches no option: the only entry of an empty list box.
UPLOAD_BUTTON = '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]'
DRAG_OVER_TEXT = ('[data-testid="stFileUploaderDropzone"] > input + div > span',)
NO_OPTIONS_TEXT = tuple(
    f'[data-testid="{dropdown}"] [role="listbox"][data-empty="true"] [role="option"] > span'
    for dropdown in ("stMultiSelectDropdown", "stSelectboxVirtualDropdown")
)
# A table is laid out to fit this width: at 1440 px (a laptop, where the app is mostly used) a
# table beside the sidebar is 980 px wide, at 1280 px 820 px (measured in Chromium, layout
# "wide"); a wider window shares the rest out over the columns. 80 px are kept back for the
# error of the width estimate below.
TABLE_PX = 900
SELECT_COLUMN_PX = 40  # the check box column of a table whose rows can be chosen
# Streamlit's tables write 14 px text: 7.5 px per character on average over the shipped
# documents' titles and passages, plus 28 px of padding and sort arrow per cell.
CHAR_PX = 7.5
CELL_PADDING_PX = 28
# No column is laid out wider than Streamlit's "large" column: a longer text wraps.
# Rows a table's widths are measured on (a fixed sample of a longer table): on the 10,000
# documents of the generated corpus and their 4,931 responses, 1,000 rows gave the same longest
# value and word in every column but one title (88 characters, not 92: both past the widest
# column), in 15 ms instead of 111 a rerun.
WIDTH_ROWS = 1000
MAX_COLUMN_PX = 400
# A table of up to this many rows is shown whole, with no scroll bar of its own (twenty rows:
# the ECCAR commitments of two cities).
WHOLE_TABLE_ROWS = 20
# Streamlit 1.67 wraps a cell's text only when rows are taller than 4rem (64 px; read in its
# DataFrame module); 76 px holds three lines.
WRAPPING_ROW_PX = 76


# The language of the script run under way. A page calls `t()` thousands of times a run (2,500
# on Overview with 60 cities), and reading session state cost about 40 µs a call, 0.1 s a run
# (measured at 1,000 documents), so it is read once per run and kept here. A ContextVar is per
# thread, and each session runs its script on a thread of its own; the thread stays for the
# session's next runs, so app.py forgets the value at the top of every run (`use_language`).
_RUN_LANGUAGE: ContextVar[str | None] = ContextVar("run_language", default=None)


def use_language(chosen: str | None) -> None:
    """The language for the rest of this run; None: read it from session state afresh.

    app.py calls it with None at the top of every run and with the sidebar switch's value
    once the switch is drawn."""
    _RUN_LANGUAGE.set(chosen if chosen in (None, *i18n.LANGUAGES) else i18n.DEFAULT_LANGUAGE)


def lang() -> str:
    """The language chosen in the sidebar (kept in the URL as ?lang=), read once per run.

    Outside a script run (a test reading what a run drew) nothing is kept: no later run
    would forget it."""
    chosen = _RUN_LANGUAGE.get()
    if chosen is None:
        chosen = st.session_state.get("lang")
        chosen = chosen if chosen in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        if get_script_run_ctx(suppress_warning=True) is not None:
            _RUN_LANGUAGE.set(chosen)
    return chosen


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


def escape(text: str | None) -> str:
    """Any text not written by us (city names, titles, document text, a search, a reviewer's
    name) → markdown that shows it literally: no HTML, link, image, icon or formula is live.

    The one escaping helper: every page passes such text through it before markdown, a
    caption, a message, or a label (widget labels are markdown too).
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", text or "")


def escape_list(values: Sequence[str]) -> str:
    """A comma-separated list of escaped names (cities, committees)."""
    return ", ".join(escape(v) for v in values)


def error_text(error: InputError) -> str:
    """A refusal in the user's language, as markdown (the values in it escaped).

    Errors raised with their `problems` are worded for the app; one raised without them (a
    check not yet translated) is shown with its own text, introduced as such.
    """
    if not error.problems:
        return t("error.untranslated").format(detail=escape(str(error)))
    return "  \n".join(
        t(f"error.{p.key}").format(**{k: _shown(k, v) for k, v in p.values.items()})
        for p in error.problems
    )


def _shown(name: str, value: object) -> str:
    """A value inside an error text: a field by its label, numbers in the locale, text escaped."""
    if name == "field":
        return t(f"col.{value}")
    if name == "kind":
        return escape(t(f"doc_kind.{value}"))
    if isinstance(value, list | tuple):
        return escape_list([str(v) for v in value])
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return number(value, 1)
    return escape(str(value))


def framework_texts() -> None:
    """Streamlit's own English words in the browser replaced by ours, in the user's language
    (see `framework_style`)."""
    st.html(framework_style(lang()))


def framework_style(lang: str) -> str:
    """The style sheet that puts our words in place of Streamlit's, in `lang`.

    The last resort for words no parameter reaches (see UPLOAD_BUTTON): CSS only, so it runs
    nothing, and it carries only our own texts, never user text. Also set here: the evidence
    highlight without the padding Streamlit gives a coloured background, which reads as spaces
    added inside a word's sentence (`!important`: Streamlit's own rule is more specific).
    """

    def ours(key: str) -> str:
        return json.dumps(i18n.t(key, lang), ensure_ascii=False)  # a CSS string: our text

    def replaced(selectors: Sequence[str], key: str, size: str) -> str:
        # One rule per selector: in "a, b::after" the ::after belongs to b alone.
        after = f"content: {ours(key)}; font-size: {size}"
        return "".join(f"{s} {{font-size: 0}} {s}::after {{{after}}}" for s in selectors)

    return (
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"] {display: none}'
        f'{UPLOAD_BUTTON} [data-testid="stMarkdownContainer"] {{display: none}}'
        f"{UPLOAD_BUTTON} > div::after {{content: {ours('upload.browse')}; margin-left: 0.5rem}}"
        + replaced(DRAG_OVER_TEXT, "upload.drop_here", "0.875rem")
        + replaced(NO_OPTIONS_TEXT, "app.no_options", "0.875rem")
        + ".stMarkdownColoredBackground {padding-left: 0 !important; padding-right: 0 !important}"
        "</style>"
    )


def table(frame: pl.DataFrame, **options: Any) -> Any:
    """`st.dataframe` with every column in view: when the columns would not fit TABLE_PX side by
    side, each keeps room for its heading and the long texts share the rest, wrapped.

    `options` go to `st.dataframe`; a `column_config` given there keeps its settings (a
    label, or a column config without a width).
    """
    config: dict[str, Any] = dict(options.pop("column_config", None) or {})
    headings = {c: _config_value(config.get(c), "label") or c for c in frame.columns}
    measured = frame if frame.height <= WIDTH_ROWS else frame.sample(WIDTH_ROWS, seed=0)
    shown = {
        c: _shown_text(measured[c], _config_value(config.get(c), "display_text")) for c in headings
    }
    longest = {c: _most_chars(text) for c, text in shown.items()}
    word = {c: _most_chars(text.str.extract_all(r"\S+").explode()) for c, text in shown.items()}
    room = TABLE_PX - (SELECT_COLUMN_PX if "selection_mode" in options else 0)
    widths = column_widths(headings, longest, word, room)
    for name, width in widths.items():
        given = config.get(name)
        if given is None or isinstance(given, str):
            config[name] = st.column_config.Column(given, width=width)
        elif given.get("width") is None:
            config[name] = {**given, "width": width}
    if widths:
        options.setdefault("row_height", WRAPPING_ROW_PX)
    if frame.height <= WHOLE_TABLE_ROWS:
        options.setdefault("height", "content")
    options.setdefault("hide_index", True)
    return st.dataframe(frame, column_config=config or None, **options)


def _config_value(given: str | Mapping[str, Any] | None, name: str) -> str | None:
    """A column config's label or link text (a plain string config is a label)."""
    if isinstance(given, str):
        return given if name == "label" else None
    if given is None:
        return None
    return given.get(name) or (given.get("type_config") or {}).get(name)


def column_widths(
    headings: Mapping[str, str],
    longest: Mapping[str, int],
    longest_word: Mapping[str, int],
    room: int = TABLE_PX,
) -> dict[str, int]:
    """Pixel widths that fit the columns into `room`, or {} when they fit as they are.

    Every column is at least as wide as its heading (headings do not wrap) and its longest
    word (wrapping breaks lines between words); columns whose longest value (in characters)
    needs more share what is left in proportion to what they lack.
    """
    least = {
        c: max(len(h), longest_word[c]) * CHAR_PX + CELL_PADDING_PX for c, h in headings.items()
    }
    whole = {c: max(least[c], longest[c] * CHAR_PX + CELL_PADDING_PX) for c in headings}
    if sum(whole.values()) <= room:
        return {}
    needed = {c: min(whole[c], max(least[c], MAX_COLUMN_PX)) for c in headings}
    spare = max(room - sum(least.values()), 0)
    lacking = {c: needed[c] - least[c] for c in headings}
    total = sum(lacking.values()) or 1
    return {c: int(least[c] + spare * lacking[c] / total) for c in headings}


def _shown_text(column: pl.Series, link_text: str | None) -> pl.Series:
    """A column's values as the table writes them: a list's items joined by ", ", a link as
    its link text."""
    if link_text:
        return pl.Series([link_text])
    if isinstance(column.dtype, pl.List):
        column = column.cast(pl.List(pl.String)).list.join(", ")
    return column.cast(pl.String)


def _most_chars(text: pl.Series) -> int:
    longest = text.str.len_chars().max()
    return longest if isinstance(longest, int) else 0


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


def document_names(documents: pl.DataFrame) -> dict[str, str]:
    """doc_id → how a person tells documents apart: title · city · date (no internal id).

    Plain text for a drop-down's options (which are not markdown). Made in Polars, each date
    worded once: row by row it cost 0.15 s a rerun at 10,000 documents.
    """
    dates = documents["date"].drop_nulls().unique().to_list()
    parts = pl.concat_list(
        pl.col("title").cast(pl.String),
        pl.col("city").cast(pl.String),
        pl.col("date").replace_strict(
            {d: date(d) for d in dates}, default=None, return_dtype=pl.String
        ),
    )
    named = documents.select(
        "doc_id",
        parts.list.drop_nulls().list.filter(pl.element() != "").list.join(" · ").alias("name"),
    )
    return dict(zip(named["doc_id"], named["name"], strict=True))


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


def page_number(total: int, page_size: int, key: str) -> int:
    """The page (1-based) of `total` rows, `page_size` a page, to show: a number box kept in the
    URL (?key=…), put back in range when a filter shortens the list; no box for a single page.

    Lists that grow with the corpus are paged in the database (`limit`/`offset`), so a page
    draws a screenful whatever the corpus holds."""
    pages = max(1, math.ceil(total / page_size))
    current = st.session_state.get(key)
    if not isinstance(current, int) or not 1 <= current <= pages:
        st.session_state[key] = 1
    if pages == 1:
        return 1
    left, _ = st.columns([1, 3])
    chosen = left.number_input(
        t("app.page").format(pages=number(pages)),
        min_value=1,
        max_value=pages,
        step=1,
        key=key,
        bind="query-params",
    )
    return int(chosen)


def reviewer() -> str:
    """Who is deciding: the signed-in e-mail, else the name typed in `ask_reviewer`'s field."""
    signed_in = user()
    if signed_in:
        return str(signed_in.get("email", ""))
    return str(st.session_state.get("reviewer") or "").strip()


def ask_reviewer() -> str:
    """The sidebar field for the reviewer's name, unless someone is signed in; the name.

    The typed name is kept for the session (also across pages) and in the URL (?reviewer=), so
    a reload or a bookmarked link does not turn the next decisions anonymous.
    """
    if user() is None:
        with st.sidebar:
            st.text_input(
                t("review.reviewer"),
                key="reviewer",
                max_chars=REVIEWER_CHARS,
                bind="query-params",
                persist_state="session",
            )
    return reviewer()


def secrets() -> tuple[Mapping[str, Any], str | None]:
    """The app's secrets and, if they could not be read, why (then changes stay locked).

    Streamlit raises the same error for "there is no secrets file" (local use: open) and "a
    secrets file does not parse" (a mistake: must not open anything); only its id tells them
    apart. A file that is not UTF-8 escapes Streamlit as a UnicodeDecodeError.
    """
    try:
        return st.secrets.to_dict(), None
    except StreamlitSecretNotFoundError as error:
        if error.error_id == "no-secrets-found":
            return {}, None
        return {}, str(error)
    except UnicodeDecodeError as error:
        files = ", ".join(st.get_option("secrets.files"))
        return {}, t("access.not_utf8").format(files=files, reason=error.reason, byte=error.start)


def user() -> Mapping[str, Any] | None:
    """The signed-in person (st.login), or None; `st.user` is empty when no login is set up.

    `st.user` reads the secrets too: when they cannot be read, nobody is signed in.
    """
    try:
        return st.user.to_dict() if st.user.get("is_logged_in") else None
    except (StreamlitSecretNotFoundError, UnicodeDecodeError):
        return None


def change_allowed() -> bool:
    """Asked again at every change: a disabled button is not a lock."""
    settings, read_error = secrets()
    return may_change_data(settings, user(), st.session_state.get("password"), read_error)


def access_controls() -> bool:
    """The sidebar's password field or sign-in button, where set up; True if changes may be made.

    Browsing is always open; only uploads and review decisions pass through here.
    """
    settings, read_error = secrets()
    with st.sidebar:
        problem = access_problem(settings, read_error, lang())
        if problem:
            st.error(f"{t('access.settings_problem')}\n\n{escape(problem)}")
        if needs_password(settings):
            st.text_input(t("access.password"), type="password", key="password")
        if needs_login(settings) and user() is None:
            st.button(t("access.login"), on_click=st.login)
    return change_allowed()


def localised_columns(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Keep and rename columns for display: {column: text key}."""
    return frame.select([pl.col(c).alias(t(key)) for c, key in names.items()])
