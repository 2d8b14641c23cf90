"""ECCAR benchmark: the ten commitments × cities, direct and derived coverage apart, and the
passages behind any one cell."""

import polars as pl
import streamlit as st

from etl.read import charts
from pages._charts import show_chart
from pages._common import atlas, database_ready, escape, number, t, to_url
from pages._comparison import (
    choose_cities,
    choose_measure,
    corpus_note,
    drawn,
    eccar_table,
    explain_states,
    explain_strength,
    label_column,
    pick_from_table,
    remember,
    show_passages,
)

# Passages shown per route for the chosen cell: a large city has thousands behind one
# commitment at 10,000 documents, and drawing them all cost 0.9 s of CPU a rerun.
PASSAGES_SHOWN = 20

st.title(t("page.eccar"))
st.caption(t("eccar.intro"))

if database_ready():
    cities = choose_cities()
    measure = choose_measure()
    corpus_note(cities)

    chart, data = drawn(charts.eccar_chart, atlas().eccar_benchmark(cities), cities, measure)
    show_chart(chart, data, "eccar")
    st.caption(t("eccar.derived_note"))

    st.subheader(t("eccar.cells"))
    cells = atlas().coverage("eccar", cities)
    labels = dict(zip(cells["concept_id"], cells[label_column()], strict=True))
    commitments = list(labels)
    remember("commitment", commitments, commitments[0])
    remember("city", cities, cities[0])

    def pick(row: int) -> None:
        st.session_state["commitment"] = cells["concept_id"][row]
        st.session_state["city"] = cells["city"][row]

    chosen = cells.with_row_index().filter(
        concept_id=st.session_state["commitment"], city=st.session_state["city"]
    )
    st.caption(t("eccar.pick_hint"))
    pick_from_table(eccar_table(cells, atlas().concepts()), chosen["index"][0], pick, "cells")
    explain_states()
    explain_strength()

    left, right = st.columns([2, 1])
    commitment = str(
        left.selectbox(
            t("eccar.choose_commitment"),
            commitments,
            format_func=lambda c: labels[c],
            key="commitment",
        )
    )
    city = str(right.selectbox(t("col.city"), cities, key="city"))
    to_url("commitment")
    to_url("city")

    st.subheader(
        t("eccar.items_title").format(commitment=escape(labels[commitment]), city=escape(city))
    )
    passages = atlas().concept_evidence(commitment, [city], derived=True, limit=PASSAGES_SHOWN)
    direct_column, derived_column = st.columns(2)
    for column, route in ((direct_column, "direct"), (derived_column, "derived")):
        of_route = passages.filter(pl.col("route") == route)
        total = int(of_route["route_items"][0]) if of_route.height else 0
        with column:
            st.markdown(f"#### {t(f'eccar.route.{route}')} ({number(total)})")
            st.caption(t(f"eccar.route_help.{route}"))
            if of_route.is_empty():
                st.info(t(f"eccar.no_items.{route}"))
            else:
                if total > of_route.height:
                    st.caption(
                        t("eccar.passages_shown").format(
                            shown=number(of_route.height), total=number(total)
                        )
                    )
                show_passages(of_route, via=route == "derived")
