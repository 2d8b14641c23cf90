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
from etl.read import charts, deck
from etl.read.query import COVERAGE_STATES, DIMENSIONS
from pages._charts import city_scale
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

BAR_WIDTH = 260  # pixels per panel of a faceted bar chart: two panels fit a laptop screen
SAYS_DOES = ("component", "activity")  # what a city has written down vs what it does


def label_column() -> str:
    """The concept label column in the reader's language."""
    return charts.label_column(lang())


def dimension_name(dimension: str) -> str:
    return t(f"overview.dimension.{dimension}")


def choose_cities() -> list[str]:
    """The cities to compare, all by default, kept in the URL (?cities=…).

    Stops the page with a hint when none is chosen: a comparison of nothing is empty.
    """
    everyone: list[str] = query("cities")
    chosen = st.multiselect(
        t("overview.cities"), everyone, default=everyone, key="cities", bind="query-params"
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


def heatmap(rows: pl.DataFrame, cities: Sequence[str]) -> tuple[alt.LayerChart, pl.DataFrame]:
    """City × concept cells coloured by coverage state, in the rows' order (gaps first)."""
    chart, data = charts.heatmap(rows, cities, lang())
    return chart, _download(data)


def units_plot(rows: pl.DataFrame, cities: Sequence[str]) -> tuple[alt.Chart, pl.DataFrame]:
    """Units per concept, one dot per city (colour) whose shape tells the coverage state."""
    chart, data = charts.units_plot(rows, cities, lang())
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
            x=charts.units_axis(lang()),
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
    chart, data = charts.eccar_chart(rows, cities, lang())
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


def gap_table(gaps: pl.DataFrame) -> pl.DataFrame:
    """The gap table as shown and exported: one row per concept, cities named in each column."""
    return deck.gap_table(gaps, lang())


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
    return deck.headline_table(summary, covered, lang())
