"""Overview: headline figures per city and a city × concept heatmap, gaps first."""

import streamlit as st

from pages._charts import show_chart
from pages._common import database_ready, escape, number, query, t
from pages._comparison import (
    choose_cities,
    choose_dimension,
    dimension_name,
    explain_states,
    heatmap,
)

st.title(t("page.overview"))
st.caption(t("app.tagline"))

if database_ready():
    cities = choose_cities()

    st.subheader(t("overview.headline"))
    summary = query("city_summary", cities)
    covered = query("covered_counts", cities)
    for column, city in zip(st.columns(len(cities)), summary.iter_rows(named=True), strict=True):
        with column.container(border=True):
            st.markdown(f"#### {escape(city['city'])}")
            documents, items, units = st.columns(3)
            documents.metric(t("overview.documents"), number(city["documents"]))
            items.metric(t("overview.items"), number(city["items"]))
            units.metric(t("overview.units"), number(city["units"]), help=t("overview.units_help"))
            for row in covered.filter(city=city["city"]).iter_rows(named=True):
                st.markdown(
                    t("overview.covered_line").format(
                        dimension=dimension_name(row["dimension"]),
                        covered=number(row["covered"]),
                        concepts=number(row["concepts"]),
                        confirmed=number(row["confirmed"]),
                    )
                )
    st.caption(t("overview.covered_note"))

    st.subheader(t("overview.heatmap"))
    dimension = choose_dimension()
    rows = query("comparison", dimension, cities)
    if rows.is_empty():
        st.info(t("overview.no_concepts"))
    else:
        chart, data = heatmap(rows, cities)
        show_chart(chart, data, f"overview-{dimension}")
        explain_states()
