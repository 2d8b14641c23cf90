"""Review: curate the matcher's suggestions — accept, reject, add a concept, or mark a gap.

Decisions go through `etl.overrides.record_decisions` (an append under a lock) and
`etl.pipeline.reapply_decisions` (the published database updated without a rebuild), and only
when `etl.read.access.may_change_data` allows it; the page itself writes nothing. The queue is
paged; a filtered selection can be accepted or rejected at once after a confirmation; the last
action of this session can be undone (the undo is one more line in the log, never a deletion).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from etl.errors import InputError
from etl.model import MAPPING_STATUSES
from etl.overrides import (
    Decision,
    Recorded,
    load_decisions,
    record_decisions,
    stale_decisions,
    undo,
)
from etl.paths import Paths
from etl.pipeline import reapply_decisions
from etl.read.query import ItemFilter
from pages._common import (
    access_controls,
    ask_reviewer,
    atlas,
    change_allowed,
    database_ready,
    date,
    error_text,
    escape,
    from_url,
    highlighted,
    label,
    number,
    page_number,
    reviewer,
    t,
    to_url,
)
from pages._comparison import basis_name

PAGE_SIZE = 30  # links shown at once: a sitting's work, and quick to draw
EXCERPT_CHARS = 90  # a passage in a drop-down: its first line
PASSAGE_OPTIONS = 50  # passages the add form offers at once: more words narrow the choice
STATUS_BADGE = {"auto": "blue", "accepted": "green", "rejected": "gray"}
DECISIONS = (("accept", "accepted"), ("reject", "rejected"))  # button → the status it sets


def save(decisions: Sequence[Decision], done: str) -> None:
    """Record one action, re-apply every decision to the database, remember it for undo."""
    if not change_allowed():
        st.session_state["outcome"] = ("error", t("review.locked"))
        return
    if not reviewer():  # asked again here: a disabled button is not a lock
        st.session_state["outcome"] = ("error", t("review.name_first"))
        return
    paths = Paths.from_env()
    try:
        action = record_decisions(paths.review, decisions, atlas().item_ids())
    except InputError as error:
        st.session_state["outcome"] = (
            "error",
            t("review.refused").format(reason=error_text(error)),
        )
        return
    reapply_decisions(paths)
    st.session_state["last_action"] = action
    st.session_state["outcome"] = ("success", done)


def decide(item_id: str, city: str, concept_id: str, decision: str, note: str = "") -> None:
    """Save one decision by the current reviewer."""
    save([Decision(item_id, city, concept_id, decision, reviewer(), note=note)], t("review.saved"))


def ask_bulk(decision: str, outcome: str, filters: Mapping[str, Any]) -> None:
    """First step of a bulk action: remember what would change, and ask."""
    st.session_state["pending_bulk"] = (decision, atlas().review_links(**filters, unless=outcome))


def confirm_bulk() -> None:
    decision, links = st.session_state.pop("pending_bulk")
    who = reviewer()
    save(
        [Decision(item_id, "", concept_id, decision, who) for item_id, concept_id in links],
        t("review.bulk_saved").format(n=number(len(links))),
    )


def cancel_bulk() -> None:
    st.session_state.pop("pending_bulk", None)


def undo_last() -> None:
    """Take back this session's last action (only the links nobody decided again since)."""
    if not change_allowed():
        st.session_state["outcome"] = ("error", t("review.locked"))
        return
    action: Recorded = st.session_state.pop("last_action")
    paths = Paths.from_env()
    restored = undo(paths.review, action, reviewer())
    reapply_decisions(paths)
    message = t("review.undone").format(n=number(len(restored)))
    if len(restored) < len(action.written):
        message += " " + t("review.undo_kept").format(n=number(len(action.written) - len(restored)))
    st.session_state["outcome"] = ("success", message)


def add_concept() -> None:
    state = st.session_state
    decide(state["add_item"], "", state["add_concept"], "add")


def mark_not_covered() -> None:
    state = st.session_state
    decide("", state["cell_city"], state["cell_concept"], "not_covered", state["cell_note"])


def evidence_words(row: Mapping[str, Any]) -> str:
    """Score, method and the words matched; where no words were matched (a rule, the
    document's subject), how the link was made instead."""
    score, method = number(row["score"], 2), t(f"review.method.{row['method']}")
    if not row["matched_alias"]:
        return t("review.evidence_basis").format(
            score=score, method=method, basis=basis_name(row["basis"])
        )
    return t("review.evidence").format(
        score=score, method=method, alias=escape(row["matched_alias"])
    )


def show_link(row: Mapping[str, Any], may_write: bool) -> None:
    """One suggested link: what, where, the evidence highlighted, and the two decisions.

    Its texts are one markdown element, the notes in small print: a page of links drew 300
    elements with each text an element of its own, most of a rerun's cost at 10,000
    documents."""
    with st.container(border=True):
        text, *buttons = st.columns([8, 1, 1], vertical_alignment="center")
        status = t(f"review.status.{row['status']}")
        kind = t(f"kind.{row['kind']}")
        parts = [
            f"**{escape(label(row))}** · {escape(row['city'])} · {kind}"
            f" · :{STATUS_BADGE[row['status']]}-badge[{status}]",
            f":small[{evidence_words(row)}]",
            highlighted(row["text"], row["match_start"], row["match_end"]),
        ]
        if row["match_start"] is None or row["match_start"] < 0:
            note = (
                t("review.no_span")
                if row["method"] == "stated"
                else t("review.no_span_basis").format(basis=basis_name(row["basis"]))
            )
            parts.append(f":small[{note}]")
        text.markdown("\n\n".join(parts))
        for column, (decision, outcome) in zip(buttons, DECISIONS, strict=True):
            column.button(
                t(f"review.{decision}"),
                key=f"{decision}|{row['item_id']}|{row['concept_id']}",
                disabled=not may_write or row["status"] == outcome,
                on_click=decide,
                args=(row["item_id"], "", row["concept_id"], decision),
            )


def show_bulk(filters: Mapping[str, Any], counts: Mapping[str, int], may_write: bool) -> None:
    """Accept or reject every link the filters select, after a confirmation naming the count.

    The links themselves are fetched only when asked for (the queue can hold 170,000)."""
    pending = st.session_state.get("pending_bulk")
    if pending is not None and set(pending[1]) - set(atlas().review_links(**filters)):
        cancel_bulk()  # the filters changed since: the question no longer fits what is shown
        pending = None
    if pending is not None:
        decision, links = pending
        st.warning(t(f"review.bulk_confirm_{decision}").format(n=number(len(links))))
        yes, no, _ = st.columns([1, 1, 4])
        yes.button(t("review.bulk_yes"), key="bulk_yes", type="primary", on_click=confirm_bulk)
        no.button(t("review.bulk_no"), key="bulk_no", on_click=cancel_bulk)
        return
    columns = st.columns(2)
    for column, (decision, outcome) in zip(columns, DECISIONS, strict=True):
        changing = sum(counts.values()) - counts.get(outcome, 0)
        column.button(
            t(f"review.bulk_{decision}").format(n=number(changing)),
            key=f"bulk_{decision}",
            disabled=not may_write or not changing,
            on_click=ask_bulk,
            args=(decision, outcome, filters),
        )


def show_stale(labels: Mapping[str, str]) -> None:
    """The decisions that no longer apply, in words: what, on which concept, who, and why.

    Worked out by `etl.overrides.stale_decisions` from the review file and the published
    database, as the build does; no passage id is shown (the passage itself is gone).
    """
    paths = Paths.from_env()
    try:
        decisions = load_decisions(paths.review)
    except InputError as error:
        st.error(error_text(error))
        return
    decided = sorted({d.item_id for d in decisions if d.item_id})  # only these can be stale
    suggested = atlas().suggested_links(decided).iter_rows()
    stale = stale_decisions(decisions, atlas().existing_items(decided), labels, suggested)
    with st.expander(f"{t('review.stale_title')} ({number(len(stale))})", expanded=bool(stale)):
        st.caption(t("review.stale_help"))
        if not stale:
            st.write(t("review.stale_none"))
        for entry in stale:
            d = entry.decision
            what = [t(f"review.decision.{d.decision}"), labels.get(d.concept_id, "")]
            if not d.item_id:
                what.append(d.city)
            who = ", ".join(x for x in (escape(d.reviewer), date(d.decided_at[:10])) if x)
            st.markdown(
                "- "
                + " · ".join(escape(x) for x in what if x)
                + f" — {t(f'review.stale.{entry.reason}')}"
                + (f" ({who})" if who else "")
            )


st.title(t("page.review"))
st.caption(t("review.intro"))

if database_ready():
    may_change = access_controls()
    name = ask_reviewer()
    may_write = may_change and bool(name)
    if not may_change:
        st.info(t("review.locked"))
    elif not name:
        st.info(t("review.name_first"))
    if "outcome" in st.session_state:
        kind, message = st.session_state.pop("outcome")
        (st.success if kind == "success" else st.error)(message)  # markdown, values escaped
    if "last_action" in st.session_state:
        action: Recorded = st.session_state["last_action"]
        st.button(
            t("review.undo").format(n=number(len(action.written))),
            key="undo",
            icon=":material/undo:",
            disabled=not may_write,
            on_click=undo_last,
        )

    cities = atlas().cities()
    concepts = atlas().concepts()
    labels = {row["concept_id"]: label(row) for row in concepts.iter_rows(named=True)}

    filters = st.columns(3)
    chosen_cities = filters[0].multiselect(
        t("review.filter_city"),
        cities,
        key="cities",
        placeholder=t("review.all_cities"),
        select_all=False,  # its row says "Select all" in English
        bind="query-params",
    )
    from_url("concepts", list(labels), multi=True)
    chosen_concepts = filters[1].multiselect(
        t("review.filter_concept"),
        list(labels),
        format_func=lambda key: labels[key],
        key="concepts",
        placeholder=t("review.all_concepts"),
        select_all=False,  # its row says "Select all" in English
    )
    to_url("concepts")
    from_url("status", MAPPING_STATUSES, multi=True)
    st.session_state.setdefault("status", ["auto"])
    statuses = filters[2].multiselect(
        t("review.filter_status"),
        MAPPING_STATUSES,
        format_func=lambda s: t(f"review.status.{s}"),
        key="status",
        placeholder=t("review.choose_status"),
        select_all=False,  # its row says "Select all" in English
    )
    to_url("status")

    queue_filters = {"cities": chosen_cities, "statuses": statuses, "concept_ids": chosen_concepts}
    counts = atlas().review_counts(**queue_filters)
    total = sum(counts.values())
    if not total:
        st.info(t("review.none"))
    else:
        show_bulk(queue_filters, counts, may_write)
        page = page_number(total, PAGE_SIZE, "page")
        offset = (page - 1) * PAGE_SIZE
        shown = atlas().review_queue(**queue_filters, limit=PAGE_SIZE, offset=offset)
        st.caption(
            t("review.count").format(
                first=number(offset + 1), last=number(offset + shown.height), total=number(total)
            )
        )
        for row in shown.iter_rows(named=True):
            show_link(row, may_write)

    st.subheader(t("review.add_title"))
    # The passages to choose from are found by words first: a drop-down of every passage
    # would hold 300,000 at 10,000 documents.
    search = st.text_input(
        t("review.add_search"),
        key="add_search",
        help=t("evidence.search_help"),
        icon=":material/search:",
    )
    wanted = ItemFilter(cities=chosen_cities, search=search)
    found = atlas().count_items(wanted)
    excerpts = atlas().item_excerpts(wanted, EXCERPT_CHARS, limit=PASSAGE_OPTIONS)
    if not found:
        st.info(t("review.add_none"))
    else:
        if found > len(excerpts):
            st.caption(
                t("review.add_more").format(shown=number(len(excerpts)), total=number(found))
            )
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
            st.form_submit_button(
                t("review.add_button"), disabled=not may_write, on_click=add_concept
            )

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
                f"({escape(cell['reviewer'])}, {date((cell['decided_at'] or '')[:10])}){note}"
            )

    show_stale(labels)
