"""Activities: each city's concrete efforts, with their concepts, body and the years they name.

A timeline shows when the efforts happen as far as the documents say; efforts that name no year
cannot be placed on it and are listed beside it, so none silently disappears.
"""

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from pages._charts import city_scale, show_chart
from pages._common import atlas, database_ready, escape, escape_list, lang, number, t
from pages._comparison import choose_cities

ROW_HEIGHT = 24  # pixels per activity on the timeline: one line of label each
EVIDENCE_URL = "evidence?item="  # relative link to the passage on the Evidence page

st.title(t("page.activities"))
st.caption(t("activities.intro"))

if database_ready():
    cities = choose_cities()
    activities: pl.DataFrame = atlas().activities(tuple(cities))
    quiet = [c for c in cities if c not in set(activities["city"])]

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
            base = alt.Chart(years).encode(
                y=alt.Y(
                    "label:N",
                    title=None,
                    sort=alt.EncodingSortField("number", op="min"),
                    axis=alt.Axis(labelLimit=420),
                ),
                color=alt.Color(
                    "city:N",
                    scale=city_scale(atlas().cities()),
                    title=t("col.city"),
                    legend=alt.Legend(orient="bottom"),
                ),
            )
            year: dict[str, Any] = {
                "title": t("activities.chart.year"),
                "axis": alt.Axis(format="d", tickMinStep=1),
                "scale": alt.Scale(zero=False, nice=False, padding=16),
            }
            span = base.mark_rule(strokeWidth=3).encode(
                x=alt.X("min(year):Q", **year), x2="max(year):Q"
            )
            points = base.mark_circle(size=110, opacity=1).encode(
                x=alt.X("year:Q", **year),
                tooltip=[
                    alt.Tooltip("label:N", title=t("activities.chart.activity")),
                    alt.Tooltip("year:Q", title=t("activities.chart.year"), format="d"),
                    alt.Tooltip("city:N", title=t("col.city")),
                    alt.Tooltip("organ:N", title=t("activities.col.organ")),
                ],
            )
            chart = (span + points).properties(
                title=alt.TitleParams(
                    t("activities.chart.title"), subtitle=t("activities.chart.subtitle")
                ),
                height=alt.Step(ROW_HEIGHT),
            )
            show_chart(
                chart, years.select("number", "city", "label", "year", "organ"), "activities"
            )

        undated = activities.filter(pl.col("years").list.len() == 0)
        if not undated.is_empty():
            st.markdown(t("activities.undated").format(n=number(undated.height)))
            st.markdown("\n".join(f"- {escape(label)}" for label in undated["label"]))

        st.subheader(t("activities.table"))
        st.dataframe(
            activities.select(
                "number",
                "city",
                "text",
                "years",
                f"concepts_{lang()}",
                "organ",
                (EVIDENCE_URL + pl.col("item_id")).alias("source"),
            ),
            hide_index=True,
            height="content",
            column_config={
                "number": st.column_config.NumberColumn(t("activities.col.number"), width=50),
                "city": t("col.city"),
                "text": st.column_config.TextColumn(t("activities.col.text"), width="large"),
                "years": st.column_config.ListColumn(t("activities.col.years"), width=110),
                f"concepts_{lang()}": st.column_config.ListColumn(t("activities.col.concepts")),
                "organ": t("activities.col.organ"),
                "source": st.column_config.LinkColumn(
                    t("activities.col.source"), display_text=t("activities.open_source")
                ),
            },
        )
