"""Evidence explorer and source viewer: find passages, and see each one in its document.

Every number elsewhere in the atlas rests on passages; this page is where a reader checks them.
The search text reaches the database only as a bound parameter, and all document text is shown
escaped, never as HTML.
"""

import polars as pl
import streamlit as st

from etl.model import ITEM_KINDS
from etl.read.query import ItemFilter
from pages._common import (
    atlas,
    database_ready,
    document_names,
    escape,
    from_url,
    highlighted,
    label,
    lang,
    number,
    t,
    to_url,
)
from pages._comparison import choose_cities

RESULTS_SHOWN = 30  # a screenful to scan; more means the search should be narrower
CONTEXT_CHARS = 400  # source text shown on each side of a passage: about a paragraph
EXCERPT_CHARS = 90  # a passage's name in the chooser: one line


def optional_choice(key: str, options: dict[str, str], label: str, everything: str) -> str | None:
    """A filter that may be left at "all" (None); options are ids shown by their names."""
    from_url(key, list(options))
    choice = st.selectbox(
        t(label),
        list(options),
        index=None,
        format_func=options.__getitem__,
        placeholder=t(everything),
        key=key,
    )
    to_url(key)
    return choice


def show_in_source(item_id: str) -> None:
    """Button callback: put the passage in the source viewer."""
    st.session_state["item"] = item_id


st.title(t("page.evidence"))
st.caption(t("evidence.intro"))

if database_ready():
    documents: pl.DataFrame = atlas().documents()
    concepts = {row["concept_id"]: label(row) for row in atlas().concepts().iter_rows(named=True)}

    search = st.text_input(
        t("evidence.search"),
        key="q",
        help=t("evidence.search_help"),
        icon=":material/search:",
        bind="query-params",
    )
    filters = st.columns(4)
    with filters[0]:
        cities = choose_cities()
    with filters[1]:
        doc_id = optional_choice(
            "doc", document_names(documents), "evidence.document", "evidence.all_documents"
        )
    with filters[2]:
        from_url("kind", ITEM_KINDS, multi=True)
        kinds = st.multiselect(
            t("evidence.kinds"),
            ITEM_KINDS,
            format_func=lambda k: t(f"kind.{k}"),
            placeholder=t("evidence.all_kinds"),
            select_all=False,  # its row says "Select all" in English
            key="kind",
        )
        to_url("kind")
    with filters[3]:
        concept_id = optional_choice(
            "concept", concepts, "evidence.concept", "evidence.all_concepts"
        )

    wanted = ItemFilter(
        cities=tuple(cities),
        kinds=tuple(kinds),
        doc_id=doc_id,
        concept_id=concept_id,
        search=search,
    )
    # The passages listed and one opened by a link or a button: every result would make
    # thousands of options (31,682 at 1,000 documents, a rerun of about a second).
    opened = [i for i in (st.session_state.get("item"), st.query_params.get("item")) if i]
    results: pl.DataFrame = atlas().evidence(wanted, limit=RESULTS_SHOWN, include=opened)
    total = atlas().count_items(wanted)
    found, viewer = st.columns([3, 2], gap="large")

    with found:
        if not total and search:
            st.info(t("evidence.none_search").format(q=escape(search)))
        elif not total:
            st.info(t("evidence.none"))
        elif search:
            st.markdown(t("evidence.count_search").format(n=number(total), q=escape(search)))
        else:
            st.markdown(t("evidence.count").format(n=number(total)))
        if total > RESULTS_SHOWN:
            st.caption(t("evidence.shown").format(shown=number(RESULTS_SHOWN)))
        for result in results.head(RESULTS_SHOWN).iter_rows(named=True):
            with st.container(border=True):
                st.caption(
                    " · ".join(
                        escape(part)
                        for part in (
                            result["city"],
                            result["organ"],
                            t(f"kind.{result['kind']}"),
                            result["section"],
                        )
                        if part
                    )
                )
                st.markdown(highlighted(result["text"], result["match_start"], result["match_end"]))
                if result["matched_alias"] is None:
                    st.caption(t("evidence.no_concept"))
                else:
                    st.caption(
                        t("evidence.matched").format(
                            alias=escape(result["matched_alias"]),
                            concept=escape(result[f"alias_label_{lang()}"]),
                        )
                    )
                st.button(
                    t("evidence.show"),
                    key=f"show-{result['item_id']}",
                    icon=":material/article:",
                    on_click=show_in_source,
                    args=(result["item_id"],),
                )

    with viewer:
        st.subheader(t("evidence.viewer"))
        texts = dict(zip(results["item_id"], results["text"], strict=True))
        from_url("item", list(texts))
        item_id = st.selectbox(
            t("evidence.item"),
            list(texts),
            index=None,
            format_func=lambda i: texts[i][:EXCERPT_CHARS],
            placeholder=t("evidence.choose_item"),
            key="item",
        )
        to_url("item")
        if item_id is None:
            st.info(t("evidence.choose_item"))
        else:
            item = results.row(by_predicate=pl.col("item_id") == item_id, named=True)
            st.markdown(f"**{escape(item['doc_title'])}**")
            st.caption(
                " · ".join(
                    escape(item[part]) for part in ("city", "organ", "section") if item[part]
                )
            )
            st.markdown(f"**{t('evidence.passage')}**")
            st.markdown(highlighted(item["text"], item["match_start"], item["match_end"]))
            st.markdown(f"**{t('evidence.context')}**")
            context, start, end = atlas().passage_in_context(item_id, CONTEXT_CHARS)
            with st.container(border=True):
                st.markdown(highlighted(context, start, end))

            links: pl.DataFrame = atlas().item_links((item_id,))
            st.markdown(f"**{t('evidence.links')}**")
            if links.is_empty():
                st.caption(t("evidence.no_concept"))
            for link in links.iter_rows(named=True):
                st.markdown(
                    "- "
                    + t("evidence.link").format(
                        concept=escape(link[f"label_{lang()}"]),
                        alias=escape(link["matched_alias"] or ""),
                        score=number(link["score"], 2),
                        method=t(f"evidence.method.{link['method']}"),
                        status=t(f"evidence.status.{link['status']}"),
                    )
                )
