"""Activities: each city's concrete efforts, with their concepts, body and the years they name.

A timeline shows when the efforts happen as far as the documents say; efforts that name no year
cannot be placed on it and are listed beside it, so none silently disappears.
"""

import polars as pl
import streamlit as st

from etl.read import charts
from pages._charts import show_chart
from pages._common import atlas, database_ready, escape, escape_list, lang, number, t, table
from pages._comparison import choose_cities

EVIDENCE_URL = "evidence?item="  # relative link to the passage on the Evidence page

st.title(t("page.activities"))
st.caption(t("activities.intro"))

if database_ready():
    cities = choose_cities()
    activities: pl.DataFrame = atlas().activities(tuple(cities))
    active = set(activities["city"])  # once: rebuilt per city it cost 0.15 s for 60 cities
    quiet = [c for c in cities if c not in active]

    if activities.is_empty():
        st.info(t("activities.none"))
    else:
        if quiet:
            st.caption(t("activities.none_from").format(cities=escape_list(quiet)))

        st.subheader(t("activities.timeline"))
        years: pl.DataFrame = atlas().activity_years(tuple(cities))
        if years.is_empty():
            st.info(t("activities.no_years"))
        else:
            chart = charts.timeline_chart(years, atlas().cities(), lang())
            show_chart(
                chart, years.select("number", "city", "label", "year", "organ"), "activities"
            )

        undated = activities.filter(pl.col("years").list.len() == 0)
        if not undated.is_empty():
            st.markdown(t("activities.undated").format(n=number(undated.height)))
            st.markdown("\n".join(f"- {escape(label)}" for label in undated["label"]))

        st.subheader(t("activities.table"))
        table(
            activities.select(
                "number",
                "city",
                "shown_text",
                "years",
                pl.col(f"concepts_{lang()}").list.join(", "),
                "organ",
                (EVIDENCE_URL + pl.col("item_id")).alias("source"),
            ),
            height="content",
            column_config={
                "number": st.column_config.NumberColumn(t("activities.col.number")),
                "city": t("col.city"),
                "shown_text": t("activities.col.text"),
                "years": st.column_config.ListColumn(t("activities.col.years")),
                f"concepts_{lang()}": t("activities.col.concepts"),
                "organ": t("activities.col.organ"),
                "source": st.column_config.LinkColumn(
                    t("activities.col.source"), display_text=t("activities.open_source")
                ),
            },
        )
