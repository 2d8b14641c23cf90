"""Overview: headline figures per city, what each city's corpus holds, and a city × concept
heatmap, gaps first."""

import streamlit as st

from etl.read import charts
from pages._charts import show_chart
from pages._common import atlas, database_ready, escape, number, t
from pages._comparison import (
    choose_cities,
    choose_dimension,
    choose_measure,
    corpus_note,
    covered_details,
    dimension_name,
    drawn,
    explain_states,
    explain_strength,
)

st.title(t("page.overview"))
st.caption(t("app.tagline"))

if database_ready():
    cities = choose_cities()

    st.subheader(t("overview.headline"))
    summary = atlas().city_summary(cities)
    covered: dict[str, list[dict]] = {}  # grouped once: a filter per city cost 1 ms a city
    for row in atlas().covered_counts(cities).iter_rows(named=True):
        covered.setdefault(row["city"], []).append(row)
    for column, city in zip(st.columns(len(cities)), summary.iter_rows(named=True), strict=True):
        with column.container(border=True):
            st.markdown(f"#### {escape(city['city'])}")
            documents, items, units = st.columns(3)
            documents.metric(t("overview.documents"), number(city["documents"]))
            items.metric(t("overview.items"), number(city["items"]))
            units.metric(t("overview.units"), number(city["units"]), help=t("overview.units_help"))
            for row in covered.get(city["city"], []):
                st.markdown(
                    t("overview.covered_line").format(
                        dimension=dimension_name(row["dimension"]),
                        covered=number(row["covered"]),
                        concepts=number(row["concepts"]),
                        details=covered_details(row),
                    )
                )
    st.caption(t("overview.covered_note"))
    corpus_note(cities)

    st.subheader(t("overview.heatmap"))
    dimension = choose_dimension()
    measure = choose_measure()
    rows = atlas().comparison(dimension, cities)
    if rows.is_empty():
        st.info(t("overview.no_concepts"))
    else:
        chart, data = drawn(charts.heatmap, rows, cities, measure)
        show_chart(chart, data, f"overview-{dimension}")
        explain_states()
        explain_strength()
