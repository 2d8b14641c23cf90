"""The review loop never loses a decision: recorded, re-applied at once, re-applied by a rebuild,
reported when its passage is gone, and refused without touching the review file.

Everything runs on a private copy of data/ (`fresh_data`), so the real review.csv is never
touched; the Review page is driven through AppTest on that copy via ATLAS_DATA / ATLAS_DB.
"""

from __future__ import annotations

import math

import duckdb
import pytest
from conftest import first_queued_link
from streamlit.testing.v1 import AppTest

from etl.errors import InputError
from etl.overrides import Decision, load_decisions, record_decision, record_decisions, undo
from etl.paths import ROOT, Paths
from etl.pipeline import build, reapply_decisions

APP_TIMEOUT = 30  # seconds: the first run imports the data stack
GONE = "000_c5242cab91dd5620:0000000000"


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
    item_id, concept_id = first_queued_link(fresh_built)
    assert status(fresh_built, item_id, concept_id) == "auto"
    record_decision(fresh_built.review, Decision(item_id, "", concept_id, "reject", "test"))
    assert reapply_decisions(fresh_built) == ()
    assert status(fresh_built, item_id, concept_id) == "rejected"
    build(fresh_built, progress=lambda _: None)
    assert status(fresh_built, item_id, concept_id) == "rejected"


def test_added_concept_and_not_covered_cell_are_published(fresh_built: Paths) -> None:
    item_id, _ = first_queued_link(fresh_built)
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
    item_id, concept_id = first_queued_link(fresh_built)
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
    item_id, concept_id = first_queued_link(fresh_built)
    at = open_review(concepts=concept_id, status=["auto", "accepted", "rejected"], reviewer="Anna")
    key = f"accept|{item_id}|{concept_id}"
    assert not at.button(key=key).disabled
    at.button(key=key).click().run()
    assert not at.exception
    assert at.button(key=key).disabled, "an accepted row cannot be accepted again"
    assert status(fresh_built, item_id, concept_id) == "accepted"
    assert f"{item_id},,{concept_id},accept,Anna," in fresh_built.review.read_text(encoding="utf-8")


def test_review_page_writes_only_with_the_password(fresh_built: Paths) -> None:
    item_id, concept_id = first_queued_link(fresh_built)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets["access"] = {"password": "hemligt"}
    at.query_params.update({"concepts": concept_id, "reviewer": "Anna"})
    at.run()
    at.switch_page("pages/review.py").run()
    key = f"accept|{item_id}|{concept_id}"
    at.text_input(key="password").input("fel").run()
    assert at.button(key=key).disabled
    assert not fresh_built.review.exists()
    at.text_input(key="password").input("hemligt").run()
    at.button(key=key).click().run()
    assert status(fresh_built, item_id, concept_id) == "accepted"


# ---------------------------------------------------------------- review that scales


def queue_keys(
    paths: Paths, concept_id: str | None = None, statuses: tuple[str, ...] = ("auto",)
) -> list[str]:
    """The queue's links in the page's order (lowest score first), as the buttons' key suffix."""
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute(
            "SELECT m.item_id, m.concept_id FROM mappings m JOIN items i USING (item_id) "
            "JOIN concepts c USING (concept_id) "
            "WHERE list_contains(?, m.status) AND (? IS NULL OR m.concept_id = ?) "
            "ORDER BY m.score, i.item_id, c.position",
            [list(statuses), concept_id, concept_id],
        ).fetchall()
    return [f"{item_id}|{concept}" for item_id, concept in rows]


def shown_links(at: AppTest) -> list[str]:
    return [
        b.key.removeprefix("accept|") for b in at.button if b.key and b.key.startswith("accept|")
    ]


def busiest_concept(paths: Paths, order: str = "DESC") -> tuple[str, int]:
    """The concept with the most (or, with order="ASC", fewest) unreviewed links."""
    with duckdb.connect(str(paths.db), read_only=True) as con:
        row = con.execute(
            "SELECT concept_id, count(*) FROM mappings WHERE status = 'auto' "  # noqa: S608
            f"GROUP BY concept_id ORDER BY 2 {order}, 1 LIMIT 1"
        ).fetchall()[0]
    return row[0], row[1]


def test_without_a_name_no_decision_can_be_made(fresh_built: Paths) -> None:
    at = open_review()
    assert not at.exception
    assert at.text_input(key="reviewer").value == ""
    assert all(b.disabled for b in at.button if b.key and "|" in b.key)
    assert any("namn" in info.value for info in at.info)


def test_the_reviewers_name_is_kept_in_the_url_and_across_pages(fresh_built: Paths) -> None:
    at = open_review()
    at.text_input(key="reviewer").input("Anna Berg").run()
    # The browser mirrors a bound widget into the URL; AppTest has no browser, so the URL is
    # checked the other way round below: a link with ?reviewer= fills the field.
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/review.py").run()
    assert at.text_input(key="reviewer").value == "Anna Berg"
    reopened = open_review(reviewer="Anna Berg")
    assert reopened.text_input(key="reviewer").value == "Anna Berg"
    assert not any(b.disabled for b in reopened.button if b.key and b.key.startswith("accept|"))


def test_the_queue_is_paged_in_score_order(fresh_built: Paths) -> None:
    everything = queue_keys(fresh_built, statuses=("auto", "accepted", "rejected"))
    pages = math.ceil(len(everything) / 30)
    assert pages >= 3, "the shipped corpus has enough links for several pages"
    at = open_review(status=["auto", "accepted", "rejected"], reviewer="Anna")
    assert shown_links(at) == everything[:30]
    assert at.number_input(key="page").max == pages
    at.number_input(key="page").set_value(2).run()
    assert shown_links(at) == everything[30:60]
    at.number_input(key="page").set_value(pages).run()
    assert shown_links(at) == everything[30 * (pages - 1) :]
    reopened = open_review(status=["auto", "accepted", "rejected"], reviewer="Anna", page="2")
    assert shown_links(reopened) == everything[30:60]


def test_a_filter_narrower_than_the_page_goes_back_to_page_one(fresh_built: Paths) -> None:
    concept_id, count = busiest_concept(fresh_built, "ASC")
    assert count <= 30
    at = open_review(reviewer="Anna", page="3")
    at.multiselect(key="concepts").select(concept_id).run()
    assert not at.exception
    assert shown_links(at) == queue_keys(fresh_built, concept_id)


def test_the_add_form_offers_the_passages_found_by_words(fresh_built: Paths) -> None:
    """The passage drop-down holds the first matching passages, not the whole corpus; a search
    that finds nothing says so and offers no form; a passage found is the one that is added."""
    with duckdb.connect(str(fresh_built.db), read_only=True) as con:
        matching = [
            r[0]
            for r in con.execute(
                "SELECT i.item_id FROM items i JOIN documents d USING (doc_id) "
                "WHERE contains(lower(i.text), 'kompetens') "
                "OR contains(lower(i.text_raw), 'kompetens') "
                "ORDER BY d.city COLLATE sv, i.doc_id, i.position"
            ).fetchall()
        ]
        everything = con.execute("SELECT count(*) FROM items").fetchall()[0][0]
    at = open_review(reviewer="Anna")
    assert everything > 50, "the shipped corpus has more passages than the drop-down offers"
    assert len(at.selectbox(key="add_item").options) == 50
    assert any(c.value.startswith("Visar de 50 första av") for c in at.caption)
    at.text_input(key="add_search").input("Kompetens").run()
    offered = at.selectbox(key="add_item")
    assert 0 < len(offered.options) == min(len(matching), 50)
    assert offered.value == matching[0]
    at.selectbox(key="add_concept").set_value("arena.housing")
    next(b for b in at.button if b.label == "Lägg till").click().run()
    assert not at.exception
    assert status(fresh_built, matching[0], "arena.housing") == "accepted"
    at.text_input(key="add_search").input("inget sådant ord finns här").run()
    assert "Ingen passage i de valda städerna innehåller den texten." in [i.value for i in at.info]
    assert "add_item" not in [s.key for s in at.selectbox]


def test_bulk_reject_asks_first_then_rejects_every_filtered_link(fresh_built: Paths) -> None:
    concept_id, count = busiest_concept(fresh_built)
    assert count >= 2
    at = open_review(concepts=concept_id, reviewer="Anna")
    at.button(key="bulk_reject").click().run()
    assert not fresh_built.review.exists(), "asking writes nothing"
    assert any(f"{count}" in w.value for w in at.warning)
    at.button(key="bulk_no").click().run()
    assert not fresh_built.review.exists(), "cancelling writes nothing"
    at.button(key="bulk_reject").click().run()
    at.button(key="bulk_yes").click().run()
    assert not at.exception
    decisions = [d for d in load_decisions(fresh_built.review) if d.concept_id == concept_id]
    assert len(decisions) == count
    assert {(d.decision, d.reviewer) for d in decisions} == {("reject", "Anna")}
    assert len({d.decided_at for d in decisions}) == 1, "one action, one time stamp"
    assert queue_keys(fresh_built, concept_id) == []
    assert len(queue_keys(fresh_built, concept_id, ("rejected",))) == count


def test_undo_restores_the_earlier_decisions_by_appending(fresh_built: Paths) -> None:
    item_id, concept_id = first_queued_link(fresh_built)
    record_decision(fresh_built.review, Decision(item_id, "", concept_id, "reject", "Bo"))
    reapply_decisions(fresh_built)
    at = open_review(concepts=concept_id, status=["auto", "rejected"], reviewer="Anna")
    at.button(key=f"accept|{item_id}|{concept_id}").click().run()
    assert status(fresh_built, item_id, concept_id) == "accepted"
    before_undo = fresh_built.review.read_text(encoding="utf-8")
    at.button(key="undo").click().run()
    assert not at.exception
    assert status(fresh_built, item_id, concept_id) == "rejected", "Bo's rejection is back"
    after = fresh_built.review.read_text(encoding="utf-8")
    assert after.startswith(before_undo), "undo appends, it never deletes"
    assert after.removeprefix(before_undo).split(",")[:5] == [
        item_id,
        "",
        concept_id,
        "reject",
        "Anna",
    ]
    assert not [b for b in at.button if b.key == "undo"], "one undo per action"


def test_undo_of_a_bulk_action_clears_every_link_it_set(fresh_built: Paths) -> None:
    concept_id, count = busiest_concept(fresh_built)
    at = open_review(concepts=concept_id, reviewer="Anna")
    at.button(key="bulk_accept").click().run()
    at.button(key="bulk_yes").click().run()
    assert queue_keys(fresh_built, concept_id) == []
    at.button(key="undo").click().run()
    assert len(queue_keys(fresh_built, concept_id)) == count
    assert not [d for d in load_decisions(fresh_built.review) if d.concept_id == concept_id]
    lines = fresh_built.review.read_text(encoding="utf-8").splitlines()
    assert sum(",clear,Anna," in line for line in lines) == count


def test_undo_keeps_a_later_decision_by_someone_else(fresh_built: Paths) -> None:
    item_id, concept_id = first_queued_link(fresh_built)
    mine = record_decisions(
        fresh_built.review, [Decision(item_id, "", concept_id, "accept", "Anna")]
    )
    record_decision(fresh_built.review, Decision(item_id, "", concept_id, "reject", "Bo"))
    assert undo(fresh_built.review, mine, "Anna") == ()
    assert [d.reviewer for d in load_decisions(fresh_built.review)] == ["Bo"]


def test_a_bulk_action_with_one_bad_decision_writes_none(fresh_built: Paths) -> None:
    item_id, concept_id = first_queued_link(fresh_built)
    with pytest.raises(InputError, match="new decision 2 of 2: item .* does not exist"):
        record_decisions(
            fresh_built.review,
            [Decision(item_id, "", concept_id, "accept"), Decision(GONE, "", concept_id, "accept")],
            [item_id],
        )
    assert not fresh_built.review.exists()


def test_the_page_lists_stale_decisions_in_words_without_ids(fresh_built: Paths) -> None:
    record_decision(fresh_built.review, Decision(GONE, "", "eccar.02", "accept", "Bo"))
    reapply_decisions(fresh_built)
    at = open_review(reviewer="Anna")
    assert not at.exception
    lines = [m.value for m in at.markdown if m.value.startswith("- ")]
    stale_lines = [line for line in lines if "passagen finns inte längre" in line]
    assert len(stale_lines) == 1
    assert stale_lines[0].startswith("- Godkänd · ") and "(Bo, " in stale_lines[0]
    assert GONE not in "\n".join(lines) and "eccar.02" not in stale_lines[0]
