"""What the comparison pages share: city and dimension pickers, their charts, passage lists.

Not a page. Overview, Coverage and gaps, ECCAR benchmark, the city page and Export draw the
same charts (the Export page puts them in a presentation), so each chart is built here once,
from the one coverage definition (`Atlas.coverage` and the queries built on it), in the
reader's language. Each city has one colour everywhere (`charts.city_scale`); derived ECCAR coverage
is shown and labelled, never counted as covered; thin evidence looks thin. Each builder returns
the chart and the frame a reader downloads beside it, with column names in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from etl.model import ITEM_KINDS
from etl.read import charts, deck
from etl.read.charts import city_scale
from etl.read.query import COVERAGE_STATES, DIMENSIONS, MEASURES, STRENGTHS
from pages._common import (
    atlas,
    escape,
    from_url,
    highlighted,
    lang,
    localised_columns,
    number,
    t,
    table,
    to_url,
)

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


def _kinds_and_years(rows: Sequence[tuple[str, int | None, int]]) -> str:
    """'2 consultation responses (2024, 2025), 1 report (undated)' for one city's corpus, from
    its (document kind, year, documents) rows in `Atlas.corpus` order."""
    by_kind: dict[str, list[tuple[int | None, int]]] = {}
    for kind, year, documents in rows:
        by_kind.setdefault(kind, []).append((year, documents))
    parts = []
    for kind, counts in by_kind.items():
        when = [str(y) for y in sorted({y for y, _ in counts if y is not None})]
        undated = sum(n for y, n in counts if y is None)
        if undated:
            when.append(t("compare.undated").format(n=number(undated)))
        parts.append(
            t("compare.kind_count").format(
                n=number(sum(n for _, n in counts)),
                kind=t(f"doc_kind.{kind}"),
                years=", ".join(when),
            )
        )
    return "; ".join(parts)


def corpus_note(cities: Sequence[str]) -> None:
    """What each chosen city's corpus holds, beside a comparison: documents by kind and year,
    and which kinds of passage none of its documents can give (so a zero reads right).

    The rows are grouped by city in one pass: filtering the frames once per city cost about
    4 ms a city (0.28 s for 60 cities at 1,000 documents)."""
    corpus: dict[str, list[tuple[str, int | None, int]]] = {}
    for city, kind, year, documents in atlas().corpus(cities).iter_rows():
        corpus.setdefault(city, []).append((kind, year, documents))
    absent: dict[str, list[str]] = {}
    for row in atlas().kind_presence(cities).filter(pl.col("items") == 0).iter_rows(named=True):
        absent.setdefault(row["city"], []).append(kind_absence(row))
    lines = []
    for city in cities:
        of_city = corpus.get(city, [])
        count = sum(n for *_, n in of_city)
        line = t("compare.corpus_line").format(
            city=escape(city),
            documents=t(f"compare.documents.{'one' if count == 1 else 'many'}").format(
                n=number(count)
            ),
            kinds=escape(_kinds_and_years(of_city)),
        )
        lines.append(" ".join([line, *absent.get(city, [])]))
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
    return charts.strength_name(strength, lang())


def basis_name(basis: str | None) -> str:
    return charts.basis_name(basis, lang())


def evidence_count(cell: Mapping[str, Any]) -> str:
    """How much direct evidence a cell has, in words: '3 passages in 2 documents'."""
    if not cell["items"]:
        return strength_name("none")
    return t(f"compare.evidence.{cell['strength']}").format(
        items=number(cell["items"]), documents=number(cell["sources"])
    )


def evidence_line(cell: Mapping[str, Any]) -> str:
    """One cell's evidence in words: '3 passages in 2 documents · best score 0,92 · stated'."""
    if not cell["items"]:
        return strength_name("none")
    parts = [
        evidence_count(cell),
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


def drawn(
    build: Callable[..., tuple[Any, pl.DataFrame]],
    rows: pl.DataFrame,
    cities: Sequence[str],
    measure: str = "units",
) -> tuple[Any, pl.DataFrame]:
    """A chart from etl/read/charts.py (`charts.heatmap`, `units_plot`, `eccar_chart`) in the
    reader's language, with the frame its download buttons offer."""
    chart, data = build(rows, cities, lang(), measure=measure)
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
            x=charts.units_axis(lang(), measure),
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
        .properties(
            title=t("coverage.says_does_title").format(concept=concept),
            width=charts.SCREEN.bar_width,
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


def gap_table(gaps: pl.DataFrame) -> pl.DataFrame:
    """The gap table as shown and exported (etl/read/deck.py)."""
    return deck.gap_table(gaps, lang())


def pick_from_table(
    frame: pl.DataFrame, chosen_row: int | None, pick: Callable[[int], None], key: str
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

    table(
        frame,
        key=table_key,
        on_select=picked,
        selection_mode="single-row",
        selection_default=None if chosen_row is None else {"selection": {"rows": [chosen_row]}},
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
            t("compare.strength_direct"): [evidence_count(c) for c in cells.iter_rows(named=True)],
            t("eccar.col.derived_units"): cells["derived_units"],
            t("eccar.col.derived_from"): [
                ", ".join(names[c] for c in (via or [])) for via in cells["derived_from"].to_list()
            ],
        }
    )


def covered_details(row: dict[str, Any]) -> str:
    """'0 confirmed; 2 on a single passage; 3 more derived only' (etl/read/deck.py)."""
    return deck.covered_details(row, lang())


def headline_table(summary: pl.DataFrame, covered: pl.DataFrame) -> pl.DataFrame:
    """The headline figures as one table: a row per city, 'covered of all' per dimension."""
    return deck.headline_table(summary, covered, lang())
