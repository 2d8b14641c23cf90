"""Review: curate the matcher's suggestions — accept, reject, add a concept, or mark a gap.

Decisions go through `etl.overrides.record_decision` (an append under a lock) and
`etl.pipeline.reapply_decisions` (the published database updated without a rebuild), and only
when `etl.read.access.may_change_data` allows it; the page itself writes nothing.
"""

from collections.abc import Mapping
from typing import Any

import streamlit as st

from etl.errors import InputError
from etl.model import MAPPING_STATUSES
from etl.overrides import Decision, record_decision
from etl.paths import Paths
from etl.pipeline import reapply_decisions
from pages._common import (
    access_controls,
    atlas,
    change_allowed,
    database_ready,
    escape,
    from_url,
    highlighted,
    label,
    number,
    t,
    to_url,
    user,
)

QUEUE_LIMIT = 30  # links shown at once: a sitting's work, and quick to draw
EXCERPT_CHARS = 90  # a passage in a drop-down: its first line
STATUS_BADGE = {"auto": "blue", "accepted": "green", "rejected": "gray"}
DECISIONS = (("accept", "accepted"), ("reject", "rejected"))  # button → the status it sets


def reviewer() -> str:
    signed_in = user()
    return str(signed_in.get("email", "")) if signed_in else st.session_state.get("reviewer", "")


def decide(item_id: str, city: str, concept_id: str, decision: str, note: str = "") -> None:
    """Save one decision, re-apply every decision to the database, show the new state."""
    if not change_allowed():
        st.session_state["outcome"] = ("error", t("review.locked"))
        return
    paths = Paths.from_env()
    try:
        record_decision(
            paths.review,
            Decision(item_id, city, concept_id, decision, reviewer(), note=note),
            atlas().item_ids(),
        )
    except InputError as error:
        st.session_state["outcome"] = ("error", t("review.refused").format(reason=error))
        return
    reapply_decisions(paths)
    st.session_state["outcome"] = ("success", t("review.saved"))


def add_concept() -> None:
    state = st.session_state
    decide(state["add_item"], "", state["add_concept"], "add")


def mark_not_covered() -> None:
    state = st.session_state
    decide("", state["cell_city"], state["cell_concept"], "not_covered", state["cell_note"])


def show_link(row: Mapping[str, Any], may_write: bool) -> None:
    """One suggested link: what, where, the evidence highlighted, and the two decisions."""
    with st.container(border=True):
        text, *buttons = st.columns([8, 1, 1], vertical_alignment="center")
        status = t(f"review.status.{row['status']}")
        kind = t(f"kind.{row['kind']}")
        text.markdown(
            f"**{escape(label(row))}** · {escape(row['city'])} · {kind}"
            f" · :{STATUS_BADGE[row['status']]}-badge[{status}]"
        )
        text.caption(
            t("review.evidence").format(
                score=number(row["score"], 2),
                method=t(f"review.method.{row['method']}"),
                alias=escape(row["matched_alias"] or ""),
            )
        )
        text.markdown(highlighted(row["text"], row["match_start"], row["match_end"]))
        if row["match_start"] is None or row["match_start"] < 0:
            text.caption(t("review.no_span"))
        for column, (decision, outcome) in zip(buttons, DECISIONS, strict=True):
            column.button(
                t(f"review.{decision}"),
                key=f"{decision}|{row['item_id']}|{row['concept_id']}",
                disabled=not may_write or row["status"] == outcome,
                on_click=decide,
                args=(row["item_id"], "", row["concept_id"], decision),
            )


st.title(t("page.review"))
st.caption(t("review.intro"))

if database_ready():
    may_write = access_controls()
    if user() is None:
        with st.sidebar:
            st.text_input(t("review.reviewer"), key="reviewer", max_chars=80)
    if not may_write:
        st.info(t("review.locked"))
    if "outcome" in st.session_state:
        kind, message = st.session_state.pop("outcome")
        (st.success if kind == "success" else st.error)(escape(message))

    cities = atlas().cities()
    concepts = atlas().concepts()
    labels = {row["concept_id"]: label(row) for row in concepts.iter_rows(named=True)}

    filters = st.columns(3)
    chosen_cities = filters[0].multiselect(
        t("review.filter_city"), cities, key="cities", bind="query-params"
    )
    from_url("concepts", list(labels), multi=True)
    chosen_concepts = filters[1].multiselect(
        t("review.filter_concept"),
        list(labels),
        format_func=lambda key: labels[key],
        key="concepts",
    )
    to_url("concepts")
    from_url("status", MAPPING_STATUSES, multi=True)
    st.session_state.setdefault("status", ["auto"])
    statuses = filters[2].multiselect(
        t("review.filter_status"),
        MAPPING_STATUSES,
        format_func=lambda s: t(f"review.status.{s}"),
        key="status",
    )
    to_url("status")

    queue = atlas().review_queue(
        cities=chosen_cities, statuses=statuses, concept_ids=chosen_concepts
    )
    if queue.is_empty():
        st.info(t("review.none"))
    else:
        shown = queue.head(QUEUE_LIMIT)
        st.caption(t("review.count").format(shown=number(len(shown)), total=number(len(queue))))
    for row in queue.head(QUEUE_LIMIT).iter_rows(named=True):
        show_link(row, may_write)

    st.subheader(t("review.add_title"))
    items = atlas().items(cities=chosen_cities)
    excerpts = {
        row["item_id"]: f"{row['city']} · {row['text'][:EXCERPT_CHARS]}"
        for row in items.iter_rows(named=True)
    }
    with st.form("add"):
        st.selectbox(
            t("review.add_item"),
            list(excerpts),
            format_func=lambda key: excerpts[key],
            key="add_item",
        )
        st.selectbox(
            t("review.add_concept"),
            list(labels),
            format_func=lambda key: labels[key],
            key="add_concept",
        )
        st.form_submit_button(t("review.add_button"), disabled=not may_write, on_click=add_concept)

    st.subheader(t("review.cell_title"))
    st.caption(t("review.cell_help"))
    with st.form("not_covered"):
        st.selectbox(t("review.cell_city"), cities, key="cell_city")
        st.selectbox(
            t("review.add_concept"),
            list(labels),
            format_func=lambda key: labels[key],
            key="cell_concept",
        )
        st.text_input(t("review.note"), key="cell_note", max_chars=500)
        st.form_submit_button(
            t("review.cell_button"), disabled=not may_write, on_click=mark_not_covered
        )
    cells = atlas().cell_reviews(chosen_cities)
    if not cells.is_empty():
        st.markdown(f"**{t('review.cells')}**")
        for cell in cells.iter_rows(named=True):
            note = f" — {escape(cell['note'])}" if cell["note"] else ""
            st.markdown(
                f"- {escape(cell['city'])} · {escape(label(cell))} "
                f"({escape(cell['reviewer'] or '')}, {escape(cell['decided_at'] or '')}){note}"
            )

    stale = atlas().stale_decisions()
    with st.expander(f"{t('review.stale_title')} ({number(len(stale))})", expanded=bool(stale)):
        st.caption(t("review.stale_help"))
        if not stale:
            st.write(t("review.stale_none"))
        for message in stale:
            st.markdown(f"- {escape(message)}")
