"""The interface speaks the user's language throughout, and shows no internal ids or offsets.

Every page in app.py's navigation is rendered under AppTest in Swedish and in English and
checked for what Streamlit would otherwise show in English (the defaults of its widgets, a
"Page not found" for the landing page's own address), for command-line wording in the app's
error texts, and for document, passage and concept ids or character offsets anywhere a user
reads (texts, labels, the options of drop-downs, table headers and cells).

What Streamlit 1.67 draws in the browser alone (the uploader's "Upload" button, "per file"
line and drag-over text, "No results" in a drop-down) never reaches AppTest; app.py's style
sheet (`framework_style`) puts our words there, checked here as text and drawn in
tests/test_browser.py. Left in English: the aria-labels "Clear all" and "Open" of a drop-down,
which screen readers read and CSS cannot change.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from comparison_pages import open_page
from streamlit.testing.v1 import AppTest

from etl.errors import InputError, Problem
from etl.ingest import MAX_FILE_BYTES
from etl.paths import ROOT, Paths
from etl.read import i18n
from etl.read.access import access_problem
from etl.read.charts import basis_name
from etl.read.query import Atlas, connect
from pages._common import DRAG_OVER_TEXT, NO_OPTIONS_TEXT, framework_style

# Streamlit's English texts that a page can send: the drop-down placeholders it fills in when a
# page gives none, and the texts the issue found on screen.
ENGLISH_DEFAULTS = (
    "Choose options",
    "Choose an option",
    "Add options",
    "Select all",
    "Page not found",
    "200MB",
    "Drag and drop",
    "--new-city",
)
# How ids look: document ids (file stems such as 004_42a1907bf947dec8), passage ids
# (doc id + ":" + hash) and concept ids (dimension "." name).
INTERNAL_ID = re.compile(
    r"\b\d{3}_[0-9a-f]{16}\b|:[0-9a-f]{10}\b"
    r"|\b(?:eccar\.\d\d|function\.[a-z_]+|focus\.[a-z_]+|arena\.[a-z_]+)\b"
)
# What no page shows a reader: an empty quotation (a matched term that is not there), a path of
# the project's files, a basis id in brackets.
EMPTY_QUOTES = ("“”", "””", '""')
PROJECT_PATH = re.compile(r"\b(?:data|benchmarks|etl|tests)/[\w./-]+")
BASIS_ID = re.compile(r"\(\*?(?:alias|subject|rule|learned|fuzzy)\*?\)")
TEXT_ELEMENTS = {"markdown", "caption", "title", "header", "subheader", "alert", "text", "metric"}
TEXT_ELEMENTS |= {"error", "warning", "info", "success"}
# A link column's cells are addresses (the page and its ?item=…); the user reads its label.
PAGE_LINK = re.compile(r"^[a-z]+\?[a-z]+=")
ID_COLUMNS = {"doc_id", "item_id", "concept_id", "unit_id", "char_start", "char_end"}


def nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def shown_texts(at: AppTest) -> list[str]:
    """What a user reads: texts, labels, help, placeholders and drop-down options (a widget's
    value is what the page holds, shown through its options, so it is not read)."""
    texts: list[str] = []
    for node in nodes(at._tree):
        if getattr(node, "type", "") in TEXT_ELEMENTS and isinstance(node.value, str):
            texts.append(node.value)
        for attribute in ("label", "help", "placeholder"):
            text = getattr(node, attribute, None)
            if isinstance(text, str):
                texts.append(text)
        options = getattr(node, "options", None)
        if isinstance(options, list):
            texts.extend(str(o) for o in options)
    return texts


def tables(at: AppTest) -> list[pl.DataFrame]:
    return [pl.from_pandas(frame.value) for frame in at.dataframe]


PAGES = ["overview", "city", "coverage", "eccar", "responses", "activities", "evidence", "sources"]
PAGES += ["export", "review", "methodology"]


def test_every_page_of_the_navigation_is_checked(
    app_pages: list[tuple[str, str, str, str]],
) -> None:
    assert sorted(f"pages/{name}.py" for name in PAGES) == sorted(p for p, *_ in app_pages)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_no_english_default_and_no_internal_id(atlas_env: Paths, name: str, lang: str) -> None:
    at = open_page(name, lang=lang, reviewer="Anna")
    texts = shown_texts(at)
    assert [t for t in texts if any(d in t for d in ENGLISH_DEFAULTS)] == []
    for widget in at.multiselect:
        assert widget.proto.placeholder, f"multiselect {widget.label!r} has its own placeholder"
        assert not widget.proto.select_all, f"{widget.label!r}: no English 'Select all' row"
    for box in at.selectbox:
        if not box.proto.HasField("default"):
            assert box.proto.placeholder, f"selectbox {box.label!r} has its own placeholder"
    for uploader in at.get("file_uploader"):
        assert uploader.proto.max_upload_size_mb == MAX_FILE_BYTES // 2**20, "as the label says"
    assert [t for t in texts if INTERNAL_ID.search(t)] == []
    assert [t for t in texts if any(q in t for q in EMPTY_QUOTES)] == []
    assert [t for t in texts if PROJECT_PATH.search(t) or BASIS_ID.search(t)] == []
    for table in tables(at):
        assert set(table.columns) & ID_COLUMNS == set()
        cells = [str(v) for column in table.columns for v in table[column].to_list()]
        cells = [c for c in cells if not PAGE_LINK.match(c)]
        assert [c for c in cells if INTERNAL_ID.search(c)] == []


def test_the_landing_page_answers_at_its_own_address(atlas_env: Paths) -> None:
    """/overview (the landing page's path) is a page, not Streamlit's "Page not found"."""
    at = open_page(None)
    served = {info.get("url_pathname") for info in at._registered_pages.values()}
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES"
    )
    assert {url for *_, url in pages} <= served
    assert "" in served, "and the root shows the landing page"


# ---------------------------------------------------------------- error texts


def problems_raised() -> set[str]:
    """Every `Problem("key", …)` written in the pipeline's code."""
    keys = set()
    for path in (ROOT / "etl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem":
                keys |= {  # the key, or each key of a conditional expression
                    str(key.value)
                    for key in ast.walk(node.args[0])
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                }
    return keys


def test_every_problem_has_a_text_in_both_languages() -> None:
    keys = problems_raised()
    assert {"unknown_city", "missing", "unknown_document", "busy_corpus"} <= keys
    assert sorted(k for k in keys if f"error.{k}" not in i18n.TEXT) == []


def test_error_texts_name_no_command_line_option() -> None:
    worded = [
        (key, lang, i18n.t(key, lang))
        for key in i18n.TEXT
        if key.startswith("error.")
        for lang in i18n.LANGUAGES
    ]
    assert [w for w in worded if re.search(r"--[a-z]", w[2])] == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "Staden Malmo finns inte i korpusen. Menade du Malmö? Kryssa annars i"),
        ("en", "The city Malmo is not in the corpus. Did you mean Malmö? Otherwise tick"),
    ],
)
def test_an_ingest_error_is_shown_in_the_users_words(lang: str, expected: str) -> None:
    from etl.ingest import _unknown_city

    error = _unknown_city("Malmo", ("Stockholm", "Malmö"))
    assert "--new-city" in str(error), "the command line keeps its own wording"
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from pages._common import error_text\n"
        "st.error(error_text(st.session_state['error']))\n",
        default_timeout=30,
    )
    at.session_state["lang"] = lang
    at.session_state["error"] = error
    at.run()
    assert at.error[0].value.startswith(expected)


def test_fields_and_numbers_in_an_error_are_in_the_users_language() -> None:
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from pages._common import error_text\n"
        "st.error(error_text(st.session_state['error']))\n",
        default_timeout=30,
    )
    at.session_state["error"] = InputError(
        "x",
        Problem("missing", {"field": "organ"}),
        Problem("too_big", {"name": "stor.pdf", "size": 21.5, "limit": 20}),
    )
    at.run()
    assert at.error[0].value == (
        "Fyll i fältet ”Organ”.  \n"
        "stor\\.pdf är 21,5 MB, mer än de 20 MB ett dokument får vara. "
        "Dela upp det eller lägg bara till den del som behövs."
    )


def test_an_untranslated_error_says_so() -> None:
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from pages._common import error_text\n"
        "st.error(error_text(st.session_state['error']))\n",
        default_timeout=30,
    )
    at.session_state["error"] = InputError("review.csv line 3: unknown decision 'maybe'")
    at.run()
    assert at.error[0].value.startswith("Det gick inte. Felet finns bara på engelska än: review")


# ---------------------------------------------------------------- the browser's own words


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_framework_words_are_replaced_by_ours(lang: str) -> None:
    """app.py's style sheet puts our words where Streamlit writes English in the browser alone
    (tests/test_browser.py checks that they are drawn), one ::after per selector."""
    style = framework_style(lang)
    for key in ("upload.browse", "upload.drop_here", "app.no_options"):
        assert f"content: {json.dumps(i18n.t(key, lang), ensure_ascii=False)}" in style
    for selector in NO_OPTIONS_TEXT + DRAG_OVER_TEXT:
        assert f"{selector}::after" in style
    shown = re.findall(r'content: ("[^"]*")', style)
    assert len(shown) == 1 + len(DRAG_OVER_TEXT) + len(NO_OPTIONS_TEXT)
    assert [w for w in shown if re.search("Upload|Drag and drop|No results", w)] == []


def test_access_setting_problems_are_worded_in_the_users_language() -> None:
    """The sidebar names a broken access setting in the page's language, not in English under
    a Swedish heading."""
    typo = {"acess": {"password": "x"}}
    assert access_problem(typo, lang="sv") == (
        "[acess] i .streamlit/secrets.toml är inget känt avsnitt; menade du [access]?"
    )
    assert access_problem(typo, lang="en") == (
        "[acess] in .streamlit/secrets.toml is not a known section; did you mean [access]?"
    )
    keys = [k for k in i18n.TEXT if k.startswith("access.problem.")]
    assert len(keys) > 5
    assert [k for k in keys if i18n.t(k, "sv") == i18n.t(k, "en")] == []


def test_review_names_the_basis_where_no_words_were_matched(atlas_env: Paths) -> None:
    """A link found without matched words (a rule, the document's subject) shows how it was
    made, not an empty matched “”."""
    atlas = Atlas(connect(atlas_env.db))
    made_without_words = atlas.review_queue().filter(pl.col("matched_alias").fill_null("") == "")
    assert made_without_words.height > 0, "the shipped corpus has a link made by a rule"
    concept = made_without_words["concept_id"][0]  # filtered to it, the link is on page one
    at = open_page("review", lang="en", reviewer="Anna", concepts=[concept])
    evidence = [  # a link's evidence line, in small print inside the link's markdown
        part.removeprefix(":small[").removesuffix("]")
        for m in at.markdown
        for part in m.value.split("\n\n")
        if part.startswith(":small[Score ")
    ]
    assert evidence and [e for e in evidence if "“”" in e] == []
    shown = atlas.review_queue(concept_ids=[concept]).head(len(evidence))
    unmatched = shown.filter(pl.col("matched_alias").fill_null("") == "")
    assert unmatched.height > 0
    by_basis = [e for e in evidence if "· basis: " in e]
    assert len(by_basis) == unmatched.height
    words = {f"· basis: {basis_name(b, 'en')}" for b in unmatched["basis"]}
    assert all(any(e.endswith(w) for w in words) for e in by_basis)
