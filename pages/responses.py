"""Responses: what the committees said in their consultation responses (remissvar).

Who answered which policy and with what overall position; then their proposals grouped by
concept, so the concerns several committees share (measurement, method support, competence)
stand out instead of being scattered over separate documents.
"""

import polars as pl
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from etl.read import charts
from etl.read.charts import in_words
from etl.read.query import ItemFilter
from pages._charts import show_cached_chart
from pages._common import (
    atlas,
    database_ready,
    date,
    escape,
    escape_list,
    highlighted,
    lang,
    localised_columns,
    number,
    page_number,
    t,
    table,
)
from pages._comparison import choose_cities, label_column

EVIDENCE_PAGE = "pages/evidence.py"
# What is drawn at once, so the page stays quick with hundreds of responses (1,000 generated
# documents: 488 responses and 3,019 proposals drew 13,700 elements, a 28 s rerun). The table
# is paged in the database (10,000 documents: 4,931 responses); the chart and its data cover
# the concerns listed (at 10,000 documents all 38 concepts made 12,069 dots, more than a chart
# takes, from 103,301 proposal rows).
PAGE_SIZE = 50  # a screenful of table rows, as on Activities
POSITIONS_SHOWN = 10
CONCERNS_SHOWN = 10
PROPOSALS_SHOWN = 3  # listed per concern, and all that is read for the list (the ten concerns
# had 22,725 proposals at 10,000 documents: the chart and its downloads read them all)


def source_link(evidence: StreamlitPage, item_id: str) -> None:
    """A link to the passage in its document, on the Evidence page.

    `evidence` is the page resolved once per run: given a path, each `st.page_link` resolves
    it on disk (realpath and the main script's folder: 0.3 of a link's 0.5 ms under cProfile,
    68 links a rerun at 10,000 documents); given the page, it looks the page up in memory."""
    st.page_link(
        evidence,
        label=t("responses.show_source"),
        icon=":material/article:",
        query_params={"item": item_id},
    )


st.title(t("page.responses"))
st.caption(t("responses.intro"))

if database_ready():
    evidence = st.Page(EVIDENCE_PAGE, url_path="evidence")  # as app.py registers it
    cities = choose_cities()
    answered = atlas().response_policies(tuple(cities))
    policies = st.multiselect(
        t("responses.policies"),
        answered["relates_to"].unique(maintain_order=True).to_list(),
        key="policy",
        placeholder=t("responses.all_policies"),
        select_all=False,  # its row says "Select all" in English
        bind="query-params",
    )
    answering = set(answered["city"])  # once, not once per city
    silent = [c for c in cities if c not in answering]
    asked = answered.filter(pl.col("relates_to").is_in(policies)) if policies else answered
    total = int(asked["responses"].sum())

    if not total:
        st.info(t("responses.none"))
    else:
        if silent:
            st.caption(t("responses.none_from").format(cities=escape_list(silent)))

        st.subheader(t("responses.who"))
        page = page_number(total, PAGE_SIZE, "response_page")
        offset = (page - 1) * PAGE_SIZE
        responses: pl.DataFrame = atlas().consultation_responses(
            tuple(cities), tuple(policies), limit=PAGE_SIZE, offset=offset
        )
        st.caption(
            t("responses.count").format(
                first=number(offset + 1),
                last=number(offset + responses.height),
                total=number(total),
            )
        )
        table(
            localised_columns(
                responses.with_columns(in_words(responses, "date", date)),
                {
                    "committee": "responses.col.committee",
                    "city": "col.city",
                    "relates_to": "col.relates_to",
                    "date": "col.date",
                    "statements": "responses.col.statements",
                    "recommendations": "responses.col.recommendations",
                },
            )
        )

        st.subheader(t("responses.positions"))
        st.caption(t("responses.positions_note"))
        if total > POSITIONS_SHOWN:
            shown = min(POSITIONS_SHOWN, responses.height)
            st.caption(
                t("responses.positions_shown").format(
                    first=number(offset + 1), last=number(offset + shown), total=number(total)
                )
            )
        for response in responses.head(POSITIONS_SHOWN).iter_rows(named=True):
            with st.container(border=True):
                st.markdown(
                    f"**{escape(response['committee'])}** · {escape(response['city'])} · "
                    f"{t('responses.answers')} {escape(response['relates_to'] or '')}"
                )
                if response["position_id"] is None:
                    st.info(t("responses.no_position"))
                    continue
                st.markdown(escape(response["position"]))
                source_link(evidence, response["position_id"])
                others = (
                    atlas()
                    .items(ItemFilter(doc_id=response["doc_id"], kinds=("response",)))
                    .filter(pl.col("item_id") != response["position_id"])
                )
                if not others.is_empty():
                    with st.expander(
                        t("responses.more_statements").format(n=number(others.height))
                    ):
                        for statement in others.iter_rows(named=True):
                            st.markdown(escape(statement["text"]))
                            source_link(evidence, statement["item_id"])

        st.subheader(t("responses.concerns"))
        chosen = (tuple(cities), tuple(policies))
        proposals: pl.DataFrame = atlas().recommendation_concepts(
            *chosen, concerns=CONCERNS_SHOWN, per_concern=PROPOSALS_SHOWN
        )
        if proposals.is_empty():
            st.info(t("responses.no_recommendations"))
        else:
            concept, language = label_column(), lang()
            every_city, shown_atlas = atlas().cities(), atlas()  # kept for the downloads' thread

            def all_proposals() -> pl.DataFrame:
                """Every proposal of the concerns shown: what the chart counts."""
                return shown_atlas.recommendation_concepts(*chosen, concerns=CONCERNS_SHOWN)

            show_cached_chart(
                "responses-concerns",
                chosen,
                lambda: (charts.concerns_chart(all_proposals(), every_city, language), None),
                download=lambda: all_proposals().select(
                    concept, "dimension", "committee", "city", "relates_to", "matched_alias", "text"
                ),
            )

            groups = proposals.partition_by("concept_id", maintain_order=True)
            concerns = int(proposals["all_concerns"][0])
            if concerns > len(groups) or any(g["proposals"][0] > PROPOSALS_SHOWN for g in groups):
                st.caption(
                    t("responses.concerns_shown").format(
                        shown=number(len(groups)),
                        each=number(PROPOSALS_SHOWN),
                        total=number(concerns),
                    )
                )
            for group in groups:
                first = group.row(0, named=True)
                heading = t("responses.group").format(
                    concept=first[concept],
                    committees=number(first["committees"]),
                    proposals=number(first["proposals"]),
                )
                with st.expander(escape(heading), expanded=first["committees"] > 1):
                    for proposal in group.iter_rows(named=True):
                        st.markdown(f"**{escape(proposal['committee'])}**")
                        st.markdown(
                            highlighted(
                                proposal["text"], proposal["match_start"], proposal["match_end"]
                            )
                        )
                        source_link(evidence, proposal["item_id"])
