"""One city: what its corpus holds, its coverage per dimension with the evidence behind it, its
activities, and where its policies are silent compared with the other cities.

The page a city's strategist opens first; ?city=… in the URL reopens it for that city.
"""

import polars as pl
import streamlit as st

from etl.read.charts import in_words
from etl.read.query import DIMENSIONS
from pages._common import (
    atlas,
    database_ready,
    date,
    escape,
    lang,
    localised_columns,
    number,
    page_number,
    t,
    table,
    to_url,
)
from pages._comparison import (
    corpus_note,
    covered_details,
    dimension_name,
    evidence_line,
    explain_strength,
    kind_absence,
    label_column,
    remember,
)

# A city's activities shown at once: a screenful of the table (the largest city of a national
# corpus has thousands; the Activities page shows fifty a page for the same reason).
ACTIVITY_PAGE_SIZE = 50


def coverage_table(cells: pl.DataFrame, *, derived: bool) -> pl.DataFrame:
    """One row per concept: its coverage, units, and the direct evidence in words; for ECCAR
    the derived units apart, named as such, so they never read as part of the evidence."""
    columns = {
        t("overview.axis.concept"): cells[label_column()],
        t("overview.axis.state"): [t(f"state.{s}") for s in cells["state"]],
        t("overview.units"): cells["units"],
        t("city.col.direct_evidence"): [evidence_line(c) for c in cells.iter_rows(named=True)],
    }
    if derived:
        columns[t("city.col.derived")] = [
            t("city.derived_units").format(n=number(n)) if n else t("city.derived_none")
            for n in cells["derived_units"]
        ]
    return pl.DataFrame(columns)


st.title(t("page.city"))
st.caption(t("city.intro"))

if database_ready():
    everyone = atlas().cities()
    remember("city", everyone, everyone[0])
    city = str(st.selectbox(t("col.city"), everyone, key="city"))
    to_url("city")
    others = [c for c in everyone if c != city]

    summary = atlas().city_summary([city]).row(0, named=True)
    documents, items, units = st.columns(3)
    documents.metric(t("overview.documents"), number(summary["documents"]))
    items.metric(t("overview.items"), number(summary["items"]))
    units.metric(t("overview.units"), number(summary["units"]), help=t("overview.units_help"))

    st.subheader(t("city.documents"))
    corpus_note([city])
    loaded = atlas().documents().filter(city=city)
    table(
        localised_columns(
            loaded.with_columns(
                in_words(loaded, "doc_kind", lambda k: t(f"doc_kind.{k}")),
                in_words(loaded, "date", date),
            ),
            {
                "title": "col.title",
                "doc_kind": "col.doc_kind",
                "date": "col.date",
                "organ": "col.organ",
                "item_count": "col.items",
            },
        )
    )

    st.subheader(t("city.coverage"))
    covered = atlas().covered_counts([city])
    cells = atlas().coverage(cities=[city])
    for tab, dimension in zip(
        st.tabs([dimension_name(d) for d in DIMENSIONS]), DIMENSIONS, strict=True
    ):
        with tab:
            counts = covered.filter(dimension=dimension).row(0, named=True)
            st.markdown(
                t("overview.covered_line").format(
                    dimension=dimension_name(dimension),
                    covered=number(counts["covered"]),
                    concepts=number(counts["concepts"]),
                    details=covered_details(counts),
                )
            )
            of_dimension = cells.filter(dimension=dimension)
            table(coverage_table(of_dimension, derived=dimension == "eccar"))
    explain_strength()

    st.subheader(t("page.activities"))
    activity_total = int(atlas().activity_counts([city])["activities"].sum())
    if not activity_total:
        absent = atlas().kind_presence([city]).filter(kind="activity").row(0, named=True)
        st.info(kind_absence(absent))
    else:
        page = page_number(activity_total, ACTIVITY_PAGE_SIZE, "activity_page")
        offset = (page - 1) * ACTIVITY_PAGE_SIZE
        activities = atlas().activities([city], limit=ACTIVITY_PAGE_SIZE, offset=offset)
        st.caption(
            t("city.activity_count").format(
                first=number(offset + 1),
                last=number(offset + activities.height),
                total=number(activity_total),
            )
        )
        table(
            localised_columns(
                activities.with_columns(pl.col(f"concepts_{lang()}").list.join(", ")),
                {
                    "shown_text": "activities.col.text",
                    "years": "activities.col.years",
                    f"concepts_{lang()}": "activities.col.concepts",
                    "organ": "activities.col.organ",
                },
            )
        )

    st.subheader(t("city.silences"))
    if not others:
        st.info(t("city.no_others"))
    else:
        st.caption(t("city.silences_intro").format(city=escape(city)))
        silent = atlas().silences(city)
        if silent.is_empty():
            st.info(t("city.no_silences"))
        else:
            table(
                localised_columns(
                    silent.with_columns(
                        in_words(silent, "dimension", dimension_name),
                        in_words(silent, "state", lambda s: t(f"state.{s}")),
                        pl.col("covered_elsewhere").list.join(", "),
                    ),
                    {
                        "dimension": "overview.dimension",
                        label_column(): "overview.axis.concept",
                        "covered_elsewhere": "city.col.covered_elsewhere",
                        "state": "city.col.own_state",
                        "derived_units": "eccar.col.derived_units",
                    },
                )
            )
