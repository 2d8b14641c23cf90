"""Activities: each city's concrete efforts, with their concepts, body and the years they name.

A timeline shows when the efforts happen as far as the documents say; efforts that name no year
cannot be placed on it and are listed beside it, so none silently disappears. The activities
come a page at a time (the timeline, the undated list and the table show the same page), as a
national corpus holds tens of thousands of them.
"""

import polars as pl
import streamlit as st

from etl.read import charts
from pages._charts import show_chart
from pages._common import (
    atlas,
    database_ready,
    escape,
    escape_list,
    lang,
    number,
    page_number,
    t,
    table,
)
from pages._comparison import choose_cities

EVIDENCE_URL = "evidence?item="  # relative link to the passage on the Evidence page
# Activities a page shows: the timeline gives each a row of 26 px, so fifty make a chart about
# 1,300 px tall, and the table and list stay a screenful.
PAGE_SIZE = 50

st.title(t("page.activities"))
st.caption(t("activities.intro"))

if database_ready():
    cities = choose_cities()
    counts = atlas().activity_counts(tuple(cities))
    total, undated_total = int(counts["activities"].sum()), int(counts["undated"].sum())
    quiet = counts.filter(pl.col("activities") == 0)["city"].to_list()

    if not total:
        st.info(t("activities.none"))
    else:
        if quiet:
            st.caption(t("activities.none_from").format(cities=escape_list(quiet)))
        page = page_number(total, PAGE_SIZE, "activity_page")
        offset = (page - 1) * PAGE_SIZE
        activities = atlas().activities(tuple(cities), limit=PAGE_SIZE, offset=offset)
        st.caption(
            t("activities.count").format(
                first=number(offset + 1),
                last=number(offset + activities.height),
                total=number(total),
                undated=number(undated_total),
            )
        )

        st.subheader(t("activities.timeline"))
        years = atlas().activity_years(tuple(cities), limit=PAGE_SIZE, offset=offset)
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
