"""Coverage and gaps: the cities side by side per concept, the gaps, and the evidence behind one."""

import polars as pl
import streamlit as st

from etl.read import charts
from pages._charts import show_chart
from pages._common import atlas, database_ready, escape, number, t, to_url
from pages._comparison import (
    choose_cities,
    choose_dimension,
    choose_measure,
    corpus_note,
    drawn,
    evidence_line,
    explain_states,
    explain_strength,
    gap_table,
    kind_absence,
    label_column,
    pick_from_table,
    remember,
    says_does_chart,
    show_passages,
)

st.title(t("page.coverage"))
st.caption(t("coverage.intro"))

if database_ready():
    cities = choose_cities()
    dimension = choose_dimension()
    measure = choose_measure()
    corpus_note(cities)

    rows = atlas().comparison(dimension, cities)
    if rows.is_empty():
        st.info(t("overview.no_concepts"))
        st.stop()
    chart, data = drawn(charts.units_plot, rows, cities, measure)
    show_chart(chart, data, f"coverage-{dimension}")
    explain_states()
    explain_strength()

    st.subheader(t("coverage.gaps"))
    show_all = st.toggle(t("coverage.show_all"), key="all", bind="query-params")
    every_concept = atlas().gaps(dimension, cities)
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
    if dimension == "eccar":
        st.caption(t("coverage.derived_note"))
    concept = str(
        st.selectbox(
            t("coverage.choose_concept"), concepts, format_func=lambda c: labels[c], key="concept"
        )
    )
    to_url("concept")

    st.subheader(t("coverage.evidence").format(concept=labels[concept]))
    says_does = atlas().says_does(concept, cities)
    if says_does["units"].sum() == 0:
        st.info(t("coverage.says_does_empty"))
    else:
        chart, data = says_does_chart(says_does, cities, labels[concept], measure)
        show_chart(chart, data, f"says-does-{concept}")
        presence = atlas().kind_presence(cities).filter(kind="activity", items=0)
        for row in presence.iter_rows(named=True):
            st.caption(f"{escape(row['city'])}: {kind_absence(row)}")

    # Split by city once: a filter per city cost about 2 ms a city (60 at 1,000 documents).
    passages = {
        city: frame
        for (city,), frame in atlas()
        .concept_evidence(concept, cities)
        .partition_by("city", as_dict=True)
        .items()
    }
    cells = {row["city"]: row for row in rows.filter(concept_id=concept).iter_rows(named=True)}
    for column, city in zip(st.columns(len(cities)), cities, strict=True):
        with column:
            st.markdown(f"#### {escape(city)}")
            cell = cells[city]
            state = t(f"state.{cell['state']}")
            st.caption(f"{state} · {evidence_line(cell)}")
            if cell["derived_only"]:
                st.caption(t("coverage.derived_only").format(n=number(cell["derived_units"])))
            of_city = passages.get(city)
            if of_city is None:
                st.info(t(f"coverage.no_passages.{cell['state']}"))
            else:
                show_passages(of_city)
