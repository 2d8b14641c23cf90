"""Responses: what the committees said in their consultation responses (remissvar).

Who answered which policy and with what overall position; then their proposals grouped by
concept, so the concerns several committees share (measurement, method support, competence)
stand out instead of being scattered over separate documents.
"""

import polars as pl
import streamlit as st

from etl.read import charts
from etl.read.charts import in_words
from pages._charts import show_chart
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
    t,
    table,
)
from pages._comparison import choose_cities, label_column

EVIDENCE_PAGE = "pages/evidence.py"
# What is drawn at once, so the page stays quick with hundreds of responses (1,000 generated
# documents: 488 responses and 3,019 proposals drew 13,700 elements, a 28 s rerun). The table
# covers every response; the chart and its data the concerns listed (at 10,000 documents all
# 38 concepts made 12,069 dots, more than a chart takes, from 103,301 proposal rows).
POSITIONS_SHOWN = 10
CONCERNS_SHOWN = 10
PROPOSALS_SHOWN = 3


def source_link(item_id: str) -> None:
    """A link to the passage in its document, on the Evidence page."""
    st.page_link(
        EVIDENCE_PAGE,
        label=t("responses.show_source"),
        icon=":material/article:",
        query_params={"item": item_id},
    )


st.title(t("page.responses"))
st.caption(t("responses.intro"))

if database_ready():
    cities = choose_cities()
    answered = atlas().consultation_responses(tuple(cities))
    policies = st.multiselect(
        t("responses.policies"),
        answered["relates_to"].unique(maintain_order=True).to_list(),
        key="policy",
        placeholder=t("responses.all_policies"),
        select_all=False,  # its row says "Select all" in English
        bind="query-params",
    )
    responses: pl.DataFrame = atlas().consultation_responses(tuple(cities), tuple(policies))
    answering = set(answered["city"])  # once, not once per city
    silent = [c for c in cities if c not in answering]

    if responses.is_empty():
        st.info(t("responses.none"))
    else:
        if silent:
            st.caption(t("responses.none_from").format(cities=escape_list(silent)))

        st.subheader(t("responses.who"))
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
        if responses.height > POSITIONS_SHOWN:
            st.caption(
                t("responses.positions_shown").format(
                    shown=number(POSITIONS_SHOWN), total=number(responses.height)
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
                source_link(response["position_id"])
                others = (
                    atlas()
                    .items(doc_id=response["doc_id"], kinds=("response",))
                    .filter(pl.col("item_id") != response["position_id"])
                )
                if not others.is_empty():
                    with st.expander(
                        t("responses.more_statements").format(n=number(others.height))
                    ):
                        for statement in others.iter_rows(named=True):
                            st.markdown(escape(statement["text"]))
                            source_link(statement["item_id"])

        st.subheader(t("responses.concerns"))
        proposals: pl.DataFrame = atlas().recommendation_concepts(
            tuple(cities), tuple(policies), concerns=CONCERNS_SHOWN
        )
        if proposals.is_empty():
            st.info(t("responses.no_recommendations"))
        else:
            concept = label_column()
            chart = charts.concerns_chart(proposals, atlas().cities(), lang())
            show_chart(
                chart,
                proposals.select(
                    concept, "dimension", "committee", "city", "relates_to", "matched_alias", "text"
                ),
                "responses-concerns",
            )

            groups = proposals.partition_by("concept_id", maintain_order=True)
            total = int(proposals["all_concerns"][0])
            if total > len(groups) or any(g.height > PROPOSALS_SHOWN for g in groups):
                st.caption(
                    t("responses.concerns_shown").format(
                        shown=number(len(groups)),
                        each=number(PROPOSALS_SHOWN),
                        total=number(total),
                    )
                )
            for group in groups:
                first = group.row(0, named=True)
                heading = t("responses.group").format(
                    concept=first[concept],
                    committees=number(first["committees"]),
                    proposals=number(group["item_id"].n_unique()),
                )
                with st.expander(escape(heading), expanded=first["committees"] > 1):
                    for proposal in group.head(PROPOSALS_SHOWN).iter_rows(named=True):
                        st.markdown(f"**{escape(proposal['committee'])}**")
                        st.markdown(
                            highlighted(
                                proposal["text"], proposal["match_start"], proposal["match_end"]
                            )
                        )
                        source_link(proposal["item_id"])
