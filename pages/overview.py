"""Overview: headline figures per city, what each city's corpus holds, and a city × concept
heatmap, gaps first."""

import polars as pl
import streamlit as st

from etl.read import charts
from pages._charts import show_cached_chart
from pages._common import atlas, database_ready, escape, number, t, table
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
    headline_table,
)

# Cities shown as cards side by side; more are one table, a row per city. Beside the sidebar
# a 1,440 px window has 980 px (see TABLE_PX): four cards of 245 px hold three figures each,
# and 60 cities' cards drew 900 elements (0.2 s a rerun at 1,000 documents).
CARD_CITIES = 4


def show_cards(summary: pl.DataFrame, counts: pl.DataFrame) -> None:
    """A card per city: its documents, passages and units, and its coverage per dimension."""
    covered: dict[str, list[dict]] = {}  # grouped once: a filter per city cost 1 ms a city
    for row in counts.iter_rows(named=True):
        covered.setdefault(row["city"], []).append(row)
    for column, city in zip(st.columns(summary.height), summary.iter_rows(named=True), strict=True):
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


st.title(t("page.overview"))
st.caption(t("app.tagline"))

if database_ready():
    cities = choose_cities()

    st.subheader(t("overview.headline"))
    summary = atlas().city_summary(cities)
    counts = atlas().covered_counts(cities)
    if len(cities) <= CARD_CITIES:
        show_cards(summary, counts)
    else:
        table(headline_table(summary, counts))
    st.caption(t("overview.covered_note"))
    corpus_note(cities)

    st.subheader(t("overview.heatmap"))
    dimension = choose_dimension()
    measure = choose_measure()
    rows = atlas().comparison(dimension, cities)
    if rows.is_empty():
        st.info(t("overview.no_concepts"))
    else:
        show_cached_chart(
            f"overview-{dimension}",
            (tuple(cities), measure),
            lambda: drawn(charts.heatmap, rows, cities, measure),
        )
        explain_states()
        explain_strength()
