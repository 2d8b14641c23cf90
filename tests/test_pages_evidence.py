"""The Evidence page under AppTest: search, filters, highlighted matches, source viewer, safety."""

from __future__ import annotations

import re

import duckdb
import pytest
from comparison_pages import open_page

from etl.paths import Paths
from pages._common import escape

MEASURING = "000_c5242cab91dd5620:dbabbaa8e4"  # Servicenämnden asks for concrete measurement
HOSTILE = ("<script>alert(1)</script>", "'; DROP TABLE items; --", "%", "_")


def items_containing(db: Paths, text: str) -> int:
    """How many items contain `text` literally (no wildcards), counted outside the app."""
    with duckdb.connect(str(db.db), read_only=True) as con:
        rows = con.execute(
            "SELECT count(*) FROM items WHERE contains(lower(text), lower(?)) "
            "OR contains(lower(text_raw), lower(?))",
            [text, text],
        ).fetchall()
    return int(rows[0][0])


def test_search_finds_the_passage_and_marks_the_matched_phrase(atlas_env: Paths) -> None:
    at = open_page("evidence", q="mätmetod")
    assert at.title[0].value == "Sök belägg"
    texts = [m.value for m in at.markdown]
    assert "Passager som innehåller ”mätmetod”: 1" in texts
    # The marked phrase is the passage's most certain link's words.
    with duckdb.connect(str(atlas_env.db), read_only=True) as con:
        start, end, text = con.execute(
            "SELECT m.match_start, m.match_end, i.text FROM mappings m JOIN items i "
            "USING (item_id) WHERE item_id = ? ORDER BY m.score DESC LIMIT 1",
            [MEASURING],
        ).fetchall()[0]
    marked = re.escape(text[start:end])
    assert any(re.search(rf":orange-background\[[^\]]*{marked}\]", t) for t in texts)
    assert any(re.match(rf"Markerat: ”[^”]*{marked}” → ", c.value) for c in at.caption)


def test_url_restores_filters_and_the_passage_in_its_document(atlas_env: Paths) -> None:
    at = open_page(
        "evidence",
        kind="recommendation",
        concept="function.followup",
        doc="000_c5242cab91dd5620",
        item=MEASURING,
    )
    assert at.multiselect(key="kind").value == ["recommendation"]
    assert at.selectbox(key="concept").value == "function.followup"
    assert at.selectbox(key="doc").value == "000_c5242cab91dd5620"
    assert at.selectbox(key="item").value == MEASURING
    texts = [m.value for m in at.markdown]
    assert "**Remiss av handlingsplan för arbete mot rasism – svar från Servicenämnden**" in texts
    # The source text as loaded (OCR errors kept), with the passage marked inside it.
    with duckdb.connect(str(atlas_env.db), read_only=True) as con:
        raw = con.execute("SELECT text_raw FROM items WHERE item_id = ?", [MEASURING]).fetchall()
    marked = ":orange-background[" + escape(raw[0][0])
    assert any(t.index(marked) > 0 for t in texts if marked in t)
    assert any(t.startswith("- **Uppföljning och utvärdering** ·") for t in texts)


def test_show_in_source_puts_the_passage_in_the_viewer_and_the_url(atlas_env: Paths) -> None:
    at = open_page("evidence", q="mätmetod")
    at.button(key=f"show-{MEASURING}").click().run()
    assert at.selectbox(key="item").value == MEASURING
    assert at.query_params["item"] == MEASURING


def test_nothing_found_says_what_was_searched(atlas_env: Paths) -> None:
    at = open_page("evidence", q="zzxqy", lang="en")
    assert at.title[0].value == "Evidence explorer"
    assert [i.value for i in at.info][0].startswith("No passage contains “zzxqy”")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_search_is_harmless_and_shown_as_text(atlas_env: Paths, hostile: str) -> None:
    at = open_page("evidence")
    at.text_input(key="q").set_value(hostile).run()
    assert not at.exception
    shown = [e.value for e in (*at.markdown, *at.info)]
    assert any(escape(hostile) in text for text in shown)
    assert not any("<script>" in text for text in shown)
    found = items_containing(atlas_env, hostile)
    assert sum(c.label == "Visa i källan" for c in at.button) == min(found, 30)
    with duckdb.connect(str(atlas_env.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM items").fetchall()[0][0] == 142
