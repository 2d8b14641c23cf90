"""The review loop never loses a decision: recorded, re-applied at once, re-applied by a rebuild,
reported when its passage is gone, and refused without touching the review file.

Everything runs on a private copy of data/ (`fresh_data`), so the real review.csv is never
touched; the Review page is driven through AppTest on that copy via ATLAS_DATA / ATLAS_DB.
"""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.errors import InputError
from etl.overrides import Decision, record_decision
from etl.paths import ROOT, Paths
from etl.pipeline import build, reapply_decisions

APP_TIMEOUT = 30  # seconds: the first run imports the data stack
GONE = "000_c5242cab91dd5620:0000000000"


def lowest(paths: Paths) -> tuple[str, str]:
    """The item × concept a reviewer sees first."""
    with duckdb.connect(str(paths.db), read_only=True) as con:
        row = con.execute(
            "SELECT item_id, concept_id FROM mappings ORDER BY score, item_id, concept_id LIMIT 1"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def status(paths: Paths, item_id: str, concept_id: str) -> str | None:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute(
            "SELECT status FROM mappings WHERE item_id = ? AND concept_id = ?",
            [item_id, concept_id],
        ).fetchall()
    return rows[0][0] if rows else None


def stale(paths: Paths) -> list[str]:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute("SELECT message FROM build_log WHERE topic = 'stale decision'")
        return [r[0] for r in rows.fetchall()]


def test_a_decision_changes_the_published_status_and_survives_a_rebuild(fresh_built: Paths) -> None:
    item_id, concept_id = lowest(fresh_built)
    assert status(fresh_built, item_id, concept_id) == "auto"
    record_decision(fresh_built.review, Decision(item_id, "", concept_id, "reject", "test"))
    assert reapply_decisions(fresh_built) == ()
    assert status(fresh_built, item_id, concept_id) == "rejected"
    build(fresh_built, progress=lambda _: None)
    assert status(fresh_built, item_id, concept_id) == "rejected"


def test_added_concept_and_not_covered_cell_are_published(fresh_built: Paths) -> None:
    item_id, _ = lowest(fresh_built)
    record_decision(fresh_built.review, Decision(item_id, "", "arena.housing", "add", "test"))
    record_decision(fresh_built.review, Decision("", "Malmö", "eccar.07", "not_covered", "test"))
    reapply_decisions(fresh_built)
    assert status(fresh_built, item_id, "arena.housing") == "accepted"
    with duckdb.connect(str(fresh_built.db), read_only=True) as con:
        state = con.execute(
            "SELECT state FROM coverage WHERE city = 'Malmö' AND concept_id = 'eccar.07'"
        ).fetchall()
    assert state == [("reviewed_not_covered",)]


def test_a_decision_for_a_vanished_item_is_reported_not_dropped(fresh_built: Paths) -> None:
    record_decision(fresh_built.review, Decision(GONE, "", "eccar.02", "accept", "test"))
    unapplied = reapply_decisions(fresh_built)
    assert len(unapplied) == 1 and GONE in unapplied[0]
    assert stale(fresh_built) == list(unapplied)
    build(fresh_built, progress=lambda _: None)
    assert stale(fresh_built) == list(unapplied)
    assert GONE in fresh_built.review.read_text(encoding="utf-8")


def test_a_refused_decision_leaves_the_review_file_byte_identical(fresh_built: Paths) -> None:
    item_id, concept_id = lowest(fresh_built)
    record_decision(fresh_built.review, Decision(item_id, "", concept_id, "accept", "test"))
    before = fresh_built.review.read_bytes()
    with pytest.raises(InputError):
        record_decision(fresh_built.review, Decision(GONE, "", concept_id, "accept"), [item_id])
    with pytest.raises(InputError):
        record_decision(fresh_built.review, Decision(item_id, "", concept_id, "maybe"))
    assert fresh_built.review.read_bytes() == before


def open_review(**query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.query_params.update(query)
    at.run()
    return at.switch_page("pages/review.py").run()


def test_review_page_restores_its_filters_from_the_url(fresh_built: Paths) -> None:
    at = open_review(concepts="eccar.02", status=["auto", "accepted"])
    assert not at.exception
    assert at.multiselect(key="concepts").value == ["eccar.02"]
    assert at.multiselect(key="status").value == ["auto", "accepted"]
    assert any("eccar.02" in b.key for b in at.button if b.key)
    assert all("eccar.02" in b.key for b in at.button if b.key and "|" in b.key)


def test_review_page_accept_changes_the_rows_status(fresh_built: Paths) -> None:
    item_id, concept_id = lowest(fresh_built)
    at = open_review(concepts=concept_id, status=["auto", "accepted", "rejected"])
    key = f"accept|{item_id}|{concept_id}"
    assert not at.button(key=key).disabled
    at.button(key=key).click().run()
    assert not at.exception
    assert at.button(key=key).disabled, "an accepted row cannot be accepted again"
    assert status(fresh_built, item_id, concept_id) == "accepted"
    assert f"{item_id},,{concept_id},accept," in fresh_built.review.read_text(encoding="utf-8")


def test_review_page_writes_only_with_the_password(fresh_built: Paths) -> None:
    item_id, concept_id = lowest(fresh_built)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets["access"] = {"password": "hemligt"}
    at.query_params.update({"concepts": concept_id})
    at.run()
    at.switch_page("pages/review.py").run()
    key = f"accept|{item_id}|{concept_id}"
    at.text_input(key="password").input("fel").run()
    assert at.button(key=key).disabled
    assert not fresh_built.review.exists()
    at.text_input(key="password").input("hemligt").run()
    at.button(key=key).click().run()
    assert status(fresh_built, item_id, concept_id) == "accepted"
