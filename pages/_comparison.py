"""What the comparison pages share: city and dimension pickers, their charts, passage lists.

Not a page. Overview, Coverage and gaps, ECCAR benchmark and Export draw the same charts (the
Export page puts them in a presentation), so each chart is built here once, from a query
result, in the reader's language. Each builder returns the chart and the frame a reader
downloads beside it, with column names in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import polars as pl
import streamlit as st

from etl.model import ITEM_KINDS
from etl.read.query import COVERAGE_STATES, DIMENSIONS
from pages._charts import city_scale, state_scale
from pages._common import (
    escape,
    from_url,
    highlighted,
    lang,
    localised_columns,
    number,
    query,
    t,
    to_url,
)

LABEL_LIMIT = 380  # pixels for a concept label on an axis: the longest ECCAR titles fit
ROW_STEP = 26  # pixels per concept row: one line of label text
CITY_STEP = 110  # pixels per city column of a heatmap: room for "Stockholm" and a count
BAR_WIDTH = 260  # pixels per panel of a faceted bar chart: two panels fit a laptop screen
# Coverage states as shapes in the dot plot, where colour already says which city it is.
STATE_SHAPES = {
    "confirmed": "circle",
    "suggested": "diamond",
    "reviewed_not_covered": "cross",
    "not_found": "square",
}
SAYS_DOES = ("component", "activity")  # what a city has written down vs what it does


def label_column() -> str:
    """The concept label column in the reader's language."""
    return "label_sv" if lang() == "sv" else "label_en"


def dimension_name(dimension: str) -> str:
    return t(f"overview.dimension.{dimension}")


def choose_cities() -> list[str]:
    """The cities to compare, all by default, kept in the URL (?cities=…).

    Stops the page with a hint when none is chosen: a comparison of nothing is empty.
    """
    everyone: list[str] = query("cities")
    chosen = st.multiselect(
        t("overview.cities"),
        everyone,
        default=everyone,
        key="cities",
        placeholder=t("overview.choose_cities"),
        select_all=False,
        bind="query-params",
    )
    if not chosen:
        st.info(t("overview.no_cities"))
        st.stop()
    return [c for c in everyone if c in chosen]


def remember(key: str, options: Sequence[object], default: object) -> None:
    """Before a widget keyed `key`: its value from the URL, else from before, else `default`.

    Set on every run, because Streamlit drops a widget's state when the same key was last
    drawn on another page; this way a choice also carries over from page to page.
    """
    from_url(key, options)
    value = st.session_state.get(key)
    st.session_state[key] = value if value in options else default


def choose_dimension() -> str:
    """One taxonomy dimension (ECCAR first), kept in the URL (?dimension=…)."""
    remember("dimension", DIMENSIONS, DIMENSIONS[0])
    dimension = st.segmented_control(
        t("overview.dimension"),
        DIMENSIONS,
        format_func=dimension_name,
        key="dimension",
        required=True,
    )
    to_url("dimension")
    return str(dimension)


def explain_states() -> None:
    """The legend in words: what each colour means, and that none of them means good or bad."""
    lines = [f"**{t(f'state.{s}')}**: {t(f'overview.state_help.{s}')}" for s in COVERAGE_STATES]
    st.caption("  \n".join([*lines, t("overview.colour_note")]))


def _per_concept(rows: pl.DataFrame) -> pl.DataFrame:
    """What the coverage charts draw: concept, city, state (an id for logic and tests, a label
    for readers) and the counts."""
    labels = {s: t(f"state.{s}") for s in COVERAGE_STATES}
    return rows.select(
        "concept_id",
        pl.col(label_column()).alias("concept"),
        "city",
        pl.col("state").alias("state_id"),
        pl.col("state").replace_strict(labels, return_dtype=pl.String),
        "units",
        "items",
        "sources",
    )


def _tooltips() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("concept:N", title=t("overview.axis.concept")),
        alt.Tooltip("city:N", title=t("col.city")),
        alt.Tooltip("state:N", title=t("overview.axis.state")),
        alt.Tooltip("units:Q", title=t("overview.units")),
        alt.Tooltip("items:Q", title=t("overview.items")),
        alt.Tooltip("sources:Q", title=t("overview.documents")),
    ]


def _units_axis() -> alt.X:
    """Units are whole numbers: no 0.5 ticks."""
    return alt.X("units:Q", title=t("overview.units"), axis=alt.Axis(tickMinStep=1))


def heatmap(rows: pl.DataFrame, cities: Sequence[str]) -> tuple[alt.LayerChart, pl.DataFrame]:
    """City × concept cells coloured by coverage state, in the rows' order (gaps first)."""
    dimension = rows["dimension"][0]
    data = _per_concept(rows).with_columns(
        count=pl.when(pl.col("units") > 0)
        .then(pl.col("units").cast(pl.String))
        .otherwise(pl.lit(""))
    )
    base = alt.Chart(data).encode(
        x=alt.X("city:N", sort=list(cities), title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("concept:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            scale=state_scale(),
            title=t("overview.axis.state"),
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=320),
        ),
        tooltip=_tooltips(),
    )
    counts = base.mark_text().encode(
        text="count:N",
        color=alt.condition(
            alt.datum.state_id == "confirmed", alt.value("white"), alt.value("black")
        ),
    )
    chart = (cells + counts).properties(
        title=alt.Title(
            t("overview.heatmap_title").format(dimension=dimension_name(dimension)),
            subtitle=t("overview.heatmap_subtitle"),
        ),
        width=alt.Step(CITY_STEP),
        height=alt.Step(ROW_STEP),
    )
    return chart, _download(data)


def units_plot(rows: pl.DataFrame, cities: Sequence[str]) -> tuple[alt.Chart, pl.DataFrame]:
    """Units per concept, one dot per city (colour) whose shape tells the coverage state."""
    dimension = rows["dimension"][0]
    data = _per_concept(rows)
    chart = (
        alt.Chart(data)
        .mark_point(size=110, filled=True, opacity=0.9)
        .encode(
            x=_units_axis(),
            y=alt.Y("concept:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            yOffset=alt.YOffset("city:N", sort=list(cities)),
            color=alt.Color("city:N", scale=city_scale(cities), title=t("col.city")),
            shape=alt.Shape(
                "state:N",
                scale=alt.Scale(
                    domain=[t(f"state.{s}") for s in COVERAGE_STATES],
                    range=[STATE_SHAPES[s] for s in COVERAGE_STATES],
                ),
                title=t("overview.axis.state"),
                legend=alt.Legend(labelLimit=320),
            ),
            tooltip=_tooltips(),
        )
        .properties(
            title=alt.Title(
                t("coverage.units_title").format(dimension=dimension_name(dimension)),
                subtitle=t("coverage.units_subtitle"),
            ),
            height=alt.Step(ROW_STEP),
        )
    )
    return chart, _download(data)


def says_does_chart(
    rows: pl.DataFrame, cities: Sequence[str], concept: str
) -> tuple[alt.Chart, pl.DataFrame]:
    """Per city, the units it has written down (components) beside the ones it does."""
    data = rows.select(
        "city",
        pl.col("kind").replace_strict({k: t(f"coverage.kind.{k}") for k in SAYS_DOES}),
        "units",
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_units_axis(),
            y=alt.Y("city:N", sort=list(cities), title=None),
            color=alt.Color("city:N", scale=city_scale(cities), legend=None),
            column=alt.Column(
                "kind:N", sort=[t(f"coverage.kind.{k}") for k in SAYS_DOES], title=None
            ),
            tooltip=[
                alt.Tooltip("city:N", title=t("col.city")),
                alt.Tooltip("kind:N", title=t("col.doc_kind")),
                alt.Tooltip("units:Q", title=t("overview.units")),
            ],
        )
        .properties(title=t("coverage.says_does_title").format(concept=concept), width=BAR_WIDTH)
    )
    return chart, _download(data)


def eccar_chart(rows: pl.DataFrame, cities: Sequence[str]) -> tuple[alt.Chart, pl.DataFrame]:
    """Units per ECCAR commitment and city: direct mappings and derived ones in two panels."""
    routes = {r: t(f"eccar.route.{r}") for r in ("direct", "derived")}
    data = rows.select(
        "concept_id",
        pl.col(label_column()).alias("concept"),
        "city",
        pl.col("route").alias("route_id"),
        pl.col("route").replace_strict(routes),
        "units",
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_units_axis(),
            y=alt.Y("concept:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            yOffset=alt.YOffset("city:N", sort=list(cities)),
            color=alt.Color(
                "city:N",
                scale=city_scale(cities),
                title=t("col.city"),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=alt.Opacity(
                "route:N",
                scale=alt.Scale(domain=list(routes.values()), range=[1.0, 0.5]),
                legend=None,
            ),
            column=alt.Column("route:N", sort=list(routes.values()), title=None),
            tooltip=[
                alt.Tooltip("concept:N", title=t("eccar.col.commitment")),
                alt.Tooltip("city:N", title=t("col.city")),
                alt.Tooltip("route:N", title=t("eccar.col.route")),
                alt.Tooltip("units:Q", title=t("overview.units")),
            ],
        )
        .properties(
            title=alt.Title(t("eccar.chart_title"), subtitle=t("eccar.chart_subtitle")),
            width=BAR_WIDTH,
        )
    )
    return chart, _download(data)


def _download(data: pl.DataFrame) -> pl.DataFrame:
    """A chart's data for the CSV/XLSX buttons: readable column names, no internal ids."""
    names = {
        "concept_id": "overview.col.concept_id",
        "concept": "overview.axis.concept",
        "city": "col.city",
        "kind": "col.doc_kind",
        "route": "eccar.col.route",
        "state": "overview.axis.state",
        "units": "overview.units",
        "items": "overview.items",
        "sources": "overview.documents",
    }
    return localised_columns(data, {c: k for c, k in names.items() if c in data.columns})


def gap_name(gap: str, covered_in: Sequence[str]) -> str:
    """'Only Malmö', 'None of the cities', 'All chosen cities'."""
    if gap == "some":
        return t("coverage.gap.some").format(cities=", ".join(covered_in))
    return t(f"coverage.gap.{gap}")


def gap_table(gaps: pl.DataFrame) -> pl.DataFrame:
    """The gap table as shown and exported: one row per concept, cities named in each column."""
    return pl.DataFrame(
        {
            t("overview.axis.concept"): gaps[label_column()],
            t("coverage.col.gap"): [
                gap_name(g, c) for g, c in zip(gaps["gap"], gaps["covered_in"], strict=True)
            ],
            t("coverage.col.covered_in"): gaps["covered_in"].list.join(", "),
            t("coverage.col.reviewed_not_in"): gaps["reviewed_not_in"].list.join(", "),
            t("coverage.col.not_found_in"): gaps["not_found_in"].list.join(", "),
        },
        schema={
            name: pl.String
            for name in (
                t("overview.axis.concept"),
                t("coverage.col.gap"),
                t("coverage.col.covered_in"),
                t("coverage.col.reviewed_not_in"),
                t("coverage.col.not_found_in"),
            )
        },
    )


def pick_from_table(
    table: pl.DataFrame, chosen_row: int | None, pick: Callable[[int], None], key: str
) -> None:
    """A table where clicking a row calls `pick(row)`; it opens with `chosen_row` marked.

    The table's key includes the chosen row, so the mark follows a choice made elsewhere (a
    select box, a copied link) instead of keeping a stale click.
    """
    table_key = f"{key}-{chosen_row}"

    def picked() -> None:
        rows = st.session_state[table_key].selection.rows
        if rows:
            pick(rows[0])

    st.dataframe(
        table,
        key=table_key,
        on_select=picked,
        selection_mode="single-row",
        selection_default=None if chosen_row is None else {"selection": {"rows": [chosen_row]}},
        hide_index=True,
    )


def show_passages(items: pl.DataFrame, *, via: bool = False) -> None:
    """Passages grouped by kind, the matched words marked; `via` names the carrying concepts."""
    via_column = "via_labels_sv" if lang() == "sv" else "via_labels_en"
    for kind in ITEM_KINDS:
        of_kind = items.filter(pl.col("kind") == kind)
        if of_kind.is_empty():
            continue
        st.markdown(f"**{t(f'kind.{kind}')}** ({number(of_kind.height)})")
        for item in of_kind.iter_rows(named=True):
            with st.container(border=True):
                st.markdown(highlighted(item["text"], item["match_start"], item["match_end"]))
                source = " · ".join(x for x in (item["doc_title"], item["section"]) if x)
                st.caption(escape(source))
                if via:
                    st.caption(t("eccar.via").format(concepts=", ".join(item[via_column])))


def eccar_table(cells: pl.DataFrame, concepts: pl.DataFrame) -> pl.DataFrame:
    """One row per commitment × city: direct state and units, derived units and their route."""
    names = dict(zip(concepts["concept_id"], concepts[label_column()], strict=True))
    return pl.DataFrame(
        {
            t("eccar.col.commitment"): cells[label_column()],
            t("col.city"): cells["city"],
            t("eccar.col.direct_state"): [t(f"state.{s}") for s in cells["state"]],
            t("eccar.col.direct_units"): cells["units"],
            t("eccar.col.derived_units"): cells["derived_units"],
            t("eccar.col.derived_from"): [
                ", ".join(names[c] for c in (via or [])) for via in cells["derived_from"].to_list()
            ],
        }
    )


def headline_table(summary: pl.DataFrame, covered: pl.DataFrame) -> pl.DataFrame:
    """The headline figures as one table: a row per city, 'covered of all' per dimension."""
    return pl.DataFrame(
        {
            t("col.city"): summary["city"],
            t("overview.documents"): summary["documents"].map_elements(number, pl.String),
            t("overview.items"): summary["items"].map_elements(number, pl.String),
            t("overview.units"): summary["units"].map_elements(number, pl.String),
        }
        | {
            dimension_name(d): [
                t("overview.covered_of").format(
                    covered=number(r["covered"]), concepts=number(r["concepts"])
                )
                for r in covered.filter(dimension=d).iter_rows(named=True)
            ]
            for d in DIMENSIONS
        }
    )
