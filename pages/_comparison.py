"""What the comparison pages share: city and dimension pickers, their charts, passage lists.

Not a page. Overview, Coverage and gaps, ECCAR benchmark, the city page and Export draw the
same charts (the Export page puts them in a presentation), so each chart is built here once,
from the one coverage definition (`Atlas.coverage` and the queries built on it), in the
reader's language. Each city has one colour everywhere (`city_scale`); derived ECCAR coverage
is shown and labelled, never counted as covered; thin evidence looks thin. Each builder returns
the chart and the frame a reader downloads beside it, with column names in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from etl.model import ITEM_KINDS
from etl.read import i18n
from etl.read.query import COVERAGE_STATES, DIMENSIONS, MEASURES, STRENGTHS, city_colours
from pages._charts import state_scale
from pages._common import (
    atlas,
    escape,
    from_url,
    highlighted,
    lang,
    localised_columns,
    number,
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
# A cell whose direct coverage rests on one passage gets a dashed outline: visibly thinner than
# coverage that recurs, whatever its colour says.
THIN_DASH = [4, 3]
THIN_OPACITY = 0.35  # ... and a faded dot in the dot plot, still clearly the city's colour
DERIVED_TEXT = "#555555"  # a derived-only figure: readable on the lightest grey, yet quieter


def in_words(frame: pl.DataFrame, column: str, name: Callable[[Any], str]) -> pl.Expr:
    """`column` with each value replaced by `name(value)` (nulls stay null).

    The names are made here, once per distinct value, not in `map_elements`: Polars may call a
    Python function from its own threads, where the reader's language is unknown (it fell
    back to Swedish on an English page).
    """
    words = {v: name(v) for v in frame[column].drop_nulls().unique().to_list()}
    return pl.col(column).replace_strict(words, default=None, return_dtype=pl.String)


def label_column() -> str:
    """The concept label column in the reader's language."""
    return "label_sv" if lang() == "sv" else "label_en"


def dimension_name(dimension: str) -> str:
    return t(f"overview.dimension.{dimension}")


def choose_cities() -> list[str]:
    """The cities to compare, all by default, kept in the URL (?cities=…).

    Stops the page with a hint when none is chosen: a comparison of nothing is empty.
    """
    everyone = atlas().cities()
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


def choose_measure() -> str:
    """Units as counted, or units per document the city has loaded (?measure=…).

    A city with three documents is not three times as active as a city with one; per document
    puts them on one footing, while the raw count keeps the absolute size visible.
    """
    remember("measure", MEASURES, MEASURES[0])
    measure = st.segmented_control(
        t("compare.measure"),
        MEASURES,
        format_func=lambda m: t(f"compare.measure.{m}"),
        key="measure",
        required=True,
        help=t("compare.measure_help"),
    )
    to_url("measure")
    return str(measure)


def measure_decimals(measure: str) -> int:
    """Whole units, or one decimal per document (2,3 units per document)."""
    return 0 if measure == "units" else 1


def city_scale(cities: Sequence[str]) -> alt.Scale:
    """Each city in its fixed colour (cities.csv), whichever cities are shown."""
    colours = city_colours(also=cities)
    return alt.Scale(domain=list(cities), range=[colours[c] for c in cities])


def _kinds_and_years(rows: pl.DataFrame) -> str:
    """'2 consultation responses (2024, 2025), 1 report (undated)' for one city's corpus."""
    parts = []
    for (kind,), of_kind in rows.group_by("doc_kind", maintain_order=True):
        years = sorted(y for y in of_kind["year"].to_list() if y is not None)
        undated = of_kind.filter(pl.col("year").is_null())["documents"].sum()
        when = [str(y) for y in dict.fromkeys(years)]
        if undated:
            when.append(t("compare.undated").format(n=number(undated)))
        parts.append(
            t("compare.kind_count").format(
                n=number(of_kind["documents"].sum()),
                kind=t(f"doc_kind.{kind}"),
                years=", ".join(when),
            )
        )
    return "; ".join(parts)


def corpus_note(cities: Sequence[str]) -> None:
    """What each chosen city's corpus holds, beside a comparison: documents by kind and year,
    and which kinds of passage none of its documents can give (so a zero reads right)."""
    corpus = atlas().corpus(cities)
    missing = atlas().kind_presence(cities).filter(pl.col("items") == 0)
    lines = []
    for city in cities:
        of_city = corpus.filter(city=city)
        count = int(of_city["documents"].sum())
        line = t("compare.corpus_line").format(
            city=escape(city),
            documents=t(f"compare.documents.{'one' if count == 1 else 'many'}").format(
                n=number(count)
            ),
            kinds=escape(_kinds_and_years(of_city)),
        )
        absent = [kind_absence(row) for row in missing.filter(city=city).iter_rows(named=True)]
        lines.append(" ".join([line, *absent]))
    st.caption("  \n".join([t("compare.corpus_title"), *lines]))


def kind_absence(row: dict[str, Any]) -> str:
    """Why a city has no passages of a kind (a `kind_presence` row): none of its documents is of
    a kind that gives them anywhere in the corpus ("no report loaded"), or they could but do not.
    """
    kind = str(row["kind"])
    yielding = [t(f"doc_kind.{k}") for k in row["yielding_kinds"]]
    if row["kind_loaded"] or not yielding:
        return t(f"compare.kind_absent.{kind}")
    return t(f"compare.kind_not_loaded.{kind}").format(sources=" / ".join(yielding))


def strength_name(strength: str) -> str:
    return t(f"strength.{strength}")


def basis_name(basis: str | None) -> str:
    """How a link was made, in words; a basis this version does not know is shown as it is."""
    if basis is None:
        return ""
    key = f"basis.{basis}"
    return t(key) if key in i18n.TEXT else basis


def evidence_line(cell: dict[str, Any]) -> str:
    """One cell's evidence in words: '3 passages in 2 documents · best score 0,92 · stated'."""
    if not cell["items"]:
        return strength_name("none")
    parts = [
        t(f"compare.evidence.{cell['strength']}").format(
            items=number(cell["items"]), documents=number(cell["sources"])
        ),
        t("compare.best_score").format(score=number(cell["best_score"], 2)),
    ]
    if cell["best_basis"]:
        parts.append(basis_name(cell["best_basis"]))
    return " · ".join(parts)


def explain_strength() -> None:
    """The evidence-strength legend in words."""
    lines = [f"**{strength_name(s)}**: {t(f'strength_help.{s}')}" for s in STRENGTHS[1:]]
    st.caption("  \n".join([*lines, t("compare.thin_note")]))


def explain_states() -> None:
    """The legend in words: what each colour means, and that none of them means good or bad."""
    lines = [f"**{t(f'state.{s}')}**: {t(f'overview.state_help.{s}')}" for s in COVERAGE_STATES]
    st.caption("  \n".join([*lines, t("overview.colour_note")]))


def _per_concept(rows: pl.DataFrame, measure: str = "units") -> pl.DataFrame:
    """What the coverage charts draw: concept, city, state and strength (ids for logic and
    tests, labels for readers), the chosen measure as `value`, and the counts behind it."""
    labels = {s: t(f"state.{s}") for s in COVERAGE_STATES}
    strengths = {s: strength_name(s) for s in STRENGTHS}
    return rows.select(
        "concept_id",
        pl.col(label_column()).alias("concept"),
        "city",
        pl.col("state").alias("state_id"),
        pl.col("state").replace_strict(labels, return_dtype=pl.String),
        pl.col("strength").alias("strength_id"),
        pl.col("strength").replace_strict(strengths, return_dtype=pl.String),
        pl.col(measure).alias("value"),
        "units",
        "items",
        "sources",
        "derived_units",
        in_words(rows, "best_basis", basis_name).alias("basis"),
        "derived_only",
    )


def _tooltips(measure: str = "units") -> list[alt.Tooltip]:
    return [
        alt.Tooltip("concept:N", title=t("overview.axis.concept")),
        alt.Tooltip("city:N", title=t("col.city")),
        alt.Tooltip("state:N", title=t("overview.axis.state")),
        alt.Tooltip("strength:N", title=t("compare.strength")),
        alt.Tooltip(
            "value:Q",
            title=t(f"compare.measure.{measure}"),
            format=f",.{measure_decimals(measure)}f",
        ),
        alt.Tooltip("items:Q", title=t("overview.items")),
        alt.Tooltip("sources:Q", title=t("overview.documents")),
        alt.Tooltip("basis:N", title=t("compare.basis")),
        alt.Tooltip("derived_units:Q", title=t("eccar.col.derived_units")),
    ]


def _units_axis(measure: str = "units", field: str = "units") -> alt.X:
    """Units are whole numbers (no 0.5 ticks); units per document have decimals."""
    return alt.X(
        f"{field}:Q",
        title=t(f"compare.measure.{measure}"),
        axis=alt.Axis(tickMinStep=1) if measure == "units" else alt.Axis(),
    )


def _count_texts(data: pl.DataFrame, measure: str) -> list[str]:
    """Each heatmap cell's text: the direct figure; for a cell reached only through the
    crosswalk, its derived figure in brackets (shown, never counted as coverage); else empty."""
    decimals = measure_decimals(measure)
    derived = "derived_units" if measure == "units" else "derived_units_per_document"
    return [
        number(row[measure], decimals)
        if row["units"] > 0
        else f"({number(row[derived], decimals)})"
        if row["derived_only"]
        else ""
        for row in data.iter_rows(named=True)
    ]


def heatmap(
    rows: pl.DataFrame, cities: Sequence[str], measure: str = "units"
) -> tuple[alt.LayerChart, pl.DataFrame]:
    """City × concept cells coloured by direct coverage state, in the rows' order (gaps first).

    The number is the chosen measure; a bracketed number is derived ECCAR coverage only; a
    dashed outline marks coverage that rests on a single passage.
    """
    dimension = rows["dimension"][0]
    data = _per_concept(rows, measure).with_columns(
        count=pl.Series(_count_texts(rows, measure), dtype=pl.String)
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
        tooltip=_tooltips(measure),
    )
    thin = (
        base.transform_filter(alt.datum.strength_id == "single")
        .mark_rect(filled=False, stroke="black", strokeWidth=1.5, strokeDash=THIN_DASH)
        .encode(tooltip=_tooltips(measure))
    )
    counts = base.mark_text().encode(
        text="count:N",
        color=alt.when(alt.datum.state_id == "confirmed")
        .then(alt.value("white"))
        .when(alt.datum.derived_only)
        .then(alt.value(DERIVED_TEXT))
        .otherwise(alt.value("black")),
    )
    chart = (cells + thin + counts).properties(
        title=alt.Title(
            t("overview.heatmap_title").format(dimension=dimension_name(dimension)),
            subtitle=t(f"overview.heatmap_subtitle.{measure}"),
        ),
        width=alt.Step(CITY_STEP),
        height=alt.Step(ROW_STEP),
    )
    return chart, _download(data, measure)


def units_plot(
    rows: pl.DataFrame, cities: Sequence[str], measure: str = "units"
) -> tuple[alt.Chart, pl.DataFrame]:
    """The chosen measure per concept, one dot per city (its colour), the shape telling the
    coverage state; a faded dot rests on a single passage."""
    dimension = rows["dimension"][0]
    data = _per_concept(rows, measure)
    chart = (
        alt.Chart(data)
        .mark_point(size=110, filled=True)
        .encode(
            x=_units_axis(measure, "value"),
            y=alt.Y("concept:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            yOffset=alt.YOffset("city:N", sort=list(cities)),
            color=alt.Color("city:N", scale=city_scale(cities), title=t("col.city")),
            opacity=alt.condition(
                alt.datum.strength_id == "single", alt.value(THIN_OPACITY), alt.value(0.9)
            ),
            shape=alt.Shape(
                "state:N",
                scale=alt.Scale(
                    domain=[t(f"state.{s}") for s in COVERAGE_STATES],
                    range=[STATE_SHAPES[s] for s in COVERAGE_STATES],
                ),
                title=t("overview.axis.state"),
                legend=alt.Legend(labelLimit=320),
            ),
            tooltip=_tooltips(measure),
        )
        .properties(
            title=alt.Title(
                t(f"coverage.units_title.{measure}").format(dimension=dimension_name(dimension)),
                subtitle=t("coverage.units_subtitle"),
            ),
            height=alt.Step(ROW_STEP),
        )
    )
    return chart, _download(data, measure)


def says_does_chart(
    rows: pl.DataFrame, cities: Sequence[str], concept: str, measure: str = "units"
) -> tuple[alt.Chart, pl.DataFrame]:
    """Per city, the units it has written down (components) beside the ones it does."""
    data = rows.select(
        "city",
        pl.col("kind").replace_strict({k: t(f"coverage.kind.{k}") for k in SAYS_DOES}),
        "units",
        "units_per_document",
        pl.col(measure).alias("value"),
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_units_axis(measure, "value"),
            y=alt.Y("city:N", sort=list(cities), title=None),
            color=alt.Color("city:N", scale=city_scale(cities), legend=None),
            column=alt.Column(
                "kind:N", sort=[t(f"coverage.kind.{k}") for k in SAYS_DOES], title=None
            ),
            tooltip=[
                alt.Tooltip("city:N", title=t("col.city")),
                alt.Tooltip("kind:N", title=t("col.doc_kind")),
                alt.Tooltip("units:Q", title=t("overview.units")),
                alt.Tooltip(
                    "units_per_document:Q",
                    title=t("compare.measure.units_per_document"),
                    format=",.1f",
                ),
            ],
        )
        .properties(title=t("coverage.says_does_title").format(concept=concept), width=BAR_WIDTH)
    )
    return chart, _download(data, measure)


def eccar_chart(
    rows: pl.DataFrame, cities: Sequence[str], measure: str = "units"
) -> tuple[alt.Chart, pl.DataFrame]:
    """Units per ECCAR commitment and city: direct mappings and derived ones in two panels."""
    routes = {r: t(f"eccar.route.{r}") for r in ("direct", "derived")}
    strengths = {s: strength_name(s) for s in STRENGTHS}
    data = rows.select(
        "concept_id",
        pl.col(label_column()).alias("concept"),
        "city",
        pl.col("route").alias("route_id"),
        pl.col("route").replace_strict(routes),
        "units",
        "units_per_document",
        pl.col(measure).alias("value"),
        pl.col("strength").replace_strict(strengths, return_dtype=pl.String),
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_units_axis(measure, "value"),
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
                alt.Tooltip(
                    "units_per_document:Q",
                    title=t("compare.measure.units_per_document"),
                    format=",.1f",
                ),
                alt.Tooltip("strength:N", title=t("compare.strength_direct")),
            ],
        )
        .properties(
            title=alt.Title(t("eccar.chart_title"), subtitle=t("eccar.chart_subtitle")),
            width=BAR_WIDTH,
        )
    )
    return chart, _download(data, measure)


def _download(data: pl.DataFrame, measure: str = "units") -> pl.DataFrame:
    """A chart's data for the CSV/XLSX buttons: readable column names, ids kept beside labels."""
    names = {
        "concept_id": "overview.col.concept_id",
        "concept": "overview.axis.concept",
        "city": "col.city",
        "kind": "col.doc_kind",
        "route": "eccar.col.route",
        "state": "overview.axis.state",
        "strength": "compare.strength",
        "units": "overview.units",
        "units_per_document": "compare.measure.units_per_document",
        "items": "overview.items",
        "sources": "overview.documents",
        "basis": "compare.basis",
        "derived_units": "eccar.col.derived_units",
    }
    if measure != "units" and "units_per_document" not in data.columns:
        data = data.with_columns(units_per_document=pl.col("value"))
    return localised_columns(data, {c: k for c, k in names.items() if c in data.columns})


def gap_name(gap: str, covered_in: Sequence[str]) -> str:
    """'Only Malmö', 'None of the cities', 'All chosen cities'."""
    if gap == "some":
        return t("coverage.gap.some").format(cities=", ".join(covered_in))
    return t(f"coverage.gap.{gap}")


def gap_table(gaps: pl.DataFrame) -> pl.DataFrame:
    """The gap table as shown and exported: one row per concept, cities named in each column.

    A city whose coverage rests on one passage is marked so; cities with derived ECCAR
    coverage only have a column of their own, apart from coverage.
    """
    columns = {
        "overview.axis.concept": gaps[label_column()].to_list(),
        "coverage.col.gap": [
            gap_name(g, c) for g, c in zip(gaps["gap"], gaps["covered_in"], strict=True)
        ],
        "coverage.col.covered_in": [
            ", ".join(
                t("coverage.single_city").format(city=c) if c in single else c for c in covered
            )
            for covered, single in zip(gaps["covered_in"], gaps["single_in"], strict=True)
        ],
        "coverage.col.derived_in": gaps["derived_in"].list.join(", ").to_list(),
        "coverage.col.reviewed_not_in": gaps["reviewed_not_in"].list.join(", ").to_list(),
        "coverage.col.not_found_in": gaps["not_found_in"].list.join(", ").to_list(),
    }
    if not any(columns["coverage.col.derived_in"]):
        del columns["coverage.col.derived_in"]  # only ECCAR commitments have derived coverage
    return pl.DataFrame(
        {t(key): values for key, values in columns.items()},
        schema={t(key): pl.String for key in columns},
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
    """One row per commitment × city: direct state, units and evidence, then derived units and
    their route, in columns of their own."""
    names = dict(zip(concepts["concept_id"], concepts[label_column()], strict=True))
    return pl.DataFrame(
        {
            t("eccar.col.commitment"): cells[label_column()],
            t("col.city"): cells["city"],
            t("eccar.col.direct_state"): [t(f"state.{s}") for s in cells["state"]],
            t("eccar.col.direct_units"): cells["units"],
            t("compare.strength_direct"): [strength_name(s) for s in cells["strength"]],
            t("overview.items"): cells["items"],
            t("overview.documents"): cells["sources"],
            t("eccar.col.derived_units"): cells["derived_units"],
            t("eccar.col.derived_from"): [
                ", ".join(names[c] for c in (via or [])) for via in cells["derived_from"].to_list()
            ],
        }
    )


def covered_details(row: dict[str, Any]) -> str:
    """'0 confirmed; 2 on a single passage; 3 more derived only' for one city × dimension row
    of `covered_counts`: how much of the coverage is reviewed, how much is thin, and what the
    crosswalk adds beside it."""
    details = [t("overview.confirmed_of").format(n=number(row["confirmed"]))]
    if row["single"]:
        details.append(t("overview.single_of").format(n=number(row["single"])))
    if row["derived_only"]:
        details.append(t("overview.derived_of").format(n=number(row["derived_only"])))
    return "; ".join(details)


def covered_text(row: dict[str, Any]) -> str:
    """'3 of 10 (0 confirmed; 2 on a single passage; 3 more derived only)'."""
    covered = t("overview.covered_of").format(
        covered=number(row["covered"]), concepts=number(row["concepts"])
    )
    return f"{covered} ({covered_details(row)})"


def headline_table(summary: pl.DataFrame, covered: pl.DataFrame) -> pl.DataFrame:
    """The headline figures as one table: a row per city, 'covered of all' per dimension."""
    return pl.DataFrame(
        {
            t("col.city"): summary["city"],
            t("overview.documents"): [number(n) for n in summary["documents"]],
            t("overview.items"): [number(n) for n in summary["items"]],
            t("overview.units"): [number(n) for n in summary["units"]],
        }
        | {
            dimension_name(d): [
                covered_text(r) for r in covered.filter(dimension=d).iter_rows(named=True)
            ]
            for d in DIMENSIONS
        }
    )
