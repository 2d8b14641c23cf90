"""Coverage and gaps: the cities side by side per concept, the gaps, and the evidence behind one."""

import polars as pl
import streamlit as st

from pages._charts import show_chart
from pages._common import database_ready, escape, query, t, to_url
from pages._comparison import (
    choose_cities,
    choose_dimension,
    explain_states,
    gap_table,
    label_column,
    pick_from_table,
    remember,
    says_does_chart,
    show_passages,
    units_plot,
)

st.title(t("page.coverage"))
st.caption(t("coverage.intro"))

if database_ready():
    cities = choose_cities()
    dimension = choose_dimension()

    rows = query("comparison", dimension, cities)
    if rows.is_empty():
        st.info(t("overview.no_concepts"))
        st.stop()
    chart, data = units_plot(rows, cities)
    show_chart(chart, data, f"coverage-{dimension}")
    explain_states()

    st.subheader(t("coverage.gaps"))
    show_all = st.toggle(t("coverage.show_all"), key="all", bind="query-params")
    every_concept = query("gaps", dimension, cities)
    gaps = every_concept if show_all else every_concept.filter(pl.col("gap") != "all")
    if gaps.is_empty():
        st.info(t("coverage.no_gaps"))
        gaps = every_concept

    labels = dict(zip(gaps["concept_id"], gaps[label_column()], strict=True))
    concepts = list(labels)
    remember("concept", concepts, concepts[0])

    def pick(row: int) -> None:
        st.session_state["concept"] = concepts[row]

    st.caption(t("coverage.pick_hint"))
    pick_from_table(gap_table(gaps), concepts.index(st.session_state["concept"]), pick, "gaps")
    concept = st.selectbox(
        t("coverage.choose_concept"), concepts, format_func=labels.get, key="concept"
    )
    to_url("concept")

    st.subheader(t("coverage.evidence").format(concept=labels[concept]))
    says_does = query("says_does", concept, cities)
    if says_does["units"].sum() == 0:
        st.info(t("coverage.says_does_empty"))
    else:
        chart, data = says_does_chart(says_does, cities, labels[concept])
        show_chart(chart, data, f"says-does-{concept}")

    passages = query("concept_evidence", concept, cities)
    for column, city in zip(st.columns(len(cities)), cities, strict=True):
        with column:
            st.markdown(f"#### {escape(city)}")
            state = rows.filter(concept_id=concept, city=city)["state"][0]
            st.caption(t(f"state.{state}"))
            of_city = passages.filter(city=city)
            if of_city.is_empty():
                st.info(t(f"coverage.no_passages.{state}"))
            else:
                show_passages(of_city)
