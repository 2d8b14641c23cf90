"""Hostile text stays text on every page: one escaping helper, and nothing in it is live.

A corpus is made where a city is named `![c](http://example.invalid/c.png)`, a document's
organ, title and text carry `<script>`, an image, a link, bare URLs, `www.` and an e-mail
address, and a reviewer's name and note do the same. Every page in app.py's navigation is
rendered in both languages, and every piece of markdown it sends (texts, captions, messages,
headings, and the labels of widgets, tabs and expanders, which Streamlit renders as markdown
too) is checked: none may hold the hostile strings in a form a markdown renderer would make
live. Code blocks and table cells are not markdown and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from comparison_pages import open_page
from conftest import copy_data
from streamlit.testing.v1 import AppTest

from etl.errors import InputError, Problem
from etl.paths import Paths
from etl.pipeline import build
from etl.read import i18n
from pages._common import escape

CITY = "![c](http://example.invalid/c.png)"
ORGAN = "<img src=x onerror=alert(1)> nämnd"
TITLE = "[Klicka här](http://example.invalid/t) <script>alert(1)</script>"
TEXT = """Remiss om arbetet mot rasism

Förvaltningens synpunkter och förslag
Förvaltningen föreslår att staden stärker arbetet mot rasism, se https://example.invalid/a och
www.example.invalid samt skriv till rasism@example.invalid. <script>alert(1)</script>
Förvaltningen föreslår att utbildningen om diskriminering ![bild](http://example.invalid/i.png)
utvecklas, och att [länken](http://example.invalid/l) följs upp med :red[färg] och $x^2$.
"""
REVIEWER = "![r](http://example.invalid/r.png)"
NOTE = "se www.example.invalid <b>fet</b>"
# Markdown that a renderer makes live: an image or a link, raw HTML, and GFM's bare links.
LIVE = re.compile(
    r"(?<!\\)!(?<!\\)\["  # image
    r"|(?<!\\)\]\("  # link target
    r"|(?<!\\)<[A-Za-z/!?]"  # HTML tag or comment
    r"|https?:(?!\\)|(?<![\\\w])www\.|\w@\w"  # bare URL, www., e-mail address
    r"|(?<!\\):(?!orange-background\[|(?:blue|green|gray)-badge\[|small\[)[a-z-]+\["  # :colour[…],
    r"|(?<!\\)\$[^$\s]"  # except the pages' own marks (Review's notes in :small[…]); $math$
)
# Elements whose text is markdown (their `value`); every element's label is markdown too.
MARKDOWN_ELEMENTS = {"markdown", "caption", "title", "header", "subheader", "alert"}
ALERTS = {"error", "warning", "info", "success"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = copy_data(tmp_path_factory.mktemp("hostile") / "data")
    for file in (paths.cities, paths.manifest):
        quoted = '"' + CITY.replace('"', '""') + '"'
        file.write_text(file.read_text(encoding="utf-8").replace("Malmö", quoted), encoding="utf-8")
    (paths.raw / "fientlig.txt").write_text(TEXT, encoding="utf-8")
    with paths.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write(f'fientlig.txt,"{CITY}",{ORGAN},response,{TITLE},2025-01-01,,\n')
    paths.review.write_text(
        "item_id,city,concept_id,decision,reviewer,decided_at,note\n"
        f',"{CITY}",eccar.07,not_covered,"{REVIEWER}",2026-11-01T10:00:00+00:00,{NOTE}\n',
        encoding="utf-8",
    )
    build(paths, progress=lambda _: None)
    return paths


@pytest.fixture
def hostile_env(hostile: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("ATLAS_DATA", str(hostile.data))
    monkeypatch.setenv("ATLAS_DB", str(hostile.db))
    return hostile


def nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def markdown_sent(at: Any) -> list[str]:
    """Every markdown string the page sent: element texts, and labels and help (a widget's
    placeholder and options are plain text in the browser, so they are not checked)."""
    texts = []
    for node in nodes(at._tree):
        kind = getattr(node, "type", "")
        value = getattr(node, "value", None)
        if (kind in MARKDOWN_ELEMENTS or kind in ALERTS) and isinstance(value, str):
            texts.append(value)
        for attribute in ("label", "help"):
            text = getattr(node, attribute, None)
            if isinstance(text, str):
                texts.append(text)
    return texts


def live(at: Any) -> list[str]:
    return [text for text in markdown_sent(at) if LIVE.search(text)]


PAGES = ["overview", "city", "coverage", "eccar", "responses", "activities", "evidence", "sources"]
PAGES += ["export", "review", "methodology"]


def test_the_live_pattern_catches_each_hostile_string_unescaped() -> None:
    for hostile in (CITY, ORGAN, TITLE, TEXT, REVIEWER, NOTE):
        assert LIVE.search(hostile), hostile
        assert not LIVE.search(escape(hostile)), escape(hostile)


def test_every_page_of_the_navigation_is_checked(
    app_pages: list[tuple[str, str, str, str]],
) -> None:
    assert sorted(f"pages/{name}.py" for name in PAGES) == sorted(p for p, *_ in app_pages)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_no_hostile_string_is_live(hostile_env: Paths, name: str, lang: str) -> None:
    at = open_page(name, lang=lang)
    assert live(at) == []


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("evidence", {"q": "example"}),
        ("evidence", {"q": "example", "item": "fientlig:"}),
        ("sources", {"doc": "fientlig"}),
        ("review", {"reviewer": REVIEWER, "status": ["auto", "accepted", "rejected"]}),
    ],
)
def test_hostile_document_text_is_shown_escaped(
    hostile_env: Paths, name: str, query: dict[str, Any]
) -> None:
    if query.get("item") == "fientlig:":
        query = {**query, "item": first_item(hostile_env)}
    at = open_page(name, **query)
    assert live(at) == []
    sent = "\n".join(markdown_sent(at))
    assert escape(CITY) in sent, "the hostile city is on the page, escaped"
    assert escape("www.example.invalid") in sent, "so is the document's text"


def first_item(paths: Paths) -> str:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute(
            "SELECT item_id FROM items WHERE doc_id = 'fientlig' ORDER BY char_start"
        ).fetchall()
    assert rows, "the hostile document has passages"
    return str(rows[0][0])


def test_an_error_message_escapes_what_the_user_typed() -> None:
    """A refused upload names the typed city; the error text shows it escaped."""
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from pages._common import error_text\n"
        "st.error(error_text(st.session_state['error']))\n",
        default_timeout=30,
    )
    at.session_state["error"] = InputError(
        "unknown city", Problem("unknown_city", {"city": CITY, "cities": [CITY, "Lund"]})
    )
    at.run()
    assert not at.exception
    assert live(at) == []
    assert escape(CITY) in at.error[0].value
