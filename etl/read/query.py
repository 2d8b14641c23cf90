"""The read side: small, parameterised queries over the published database for the pages.

Pages ask this module for data and get Polars frames back; they never write SQL. Every value
that comes from a person (a search string, a chosen city or concept) reaches DuckDB as a named,
bound parameter (`$cities`). Swedish text sorts with `COLLATE sv` (icu is built in), so Å, Ä
and Ö come last.

Coverage has one definition, `Atlas.coverage`: every page, chart, export and the deck read
their city × concept figures from it (or from the queries built on it), so two views can never
disagree about whether a city covers a concept. Direct coverage (the city's passages are linked
to the concept) decides "covered"; derived ECCAR coverage (passages on a concept the crosswalk
counts towards a commitment) is carried beside it and never added to it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from etl.model import COVERAGE_STATES as COVERAGE_STATES  # the pages import it from here
from etl.model import DIMENSIONS, ITEM_KINDS
from etl.model import city_colours as assign_colours
from etl.paths import Paths
from etl.read.export import EXPORT_TABLES

COVERED_STATES = ("confirmed", "suggested")  # direct coverage: what every page counts as covered
# How much evidence a covered cell rests on, weakest first. A definition, not a tuned threshold:
# one passage can be a passing mention; several passages in one document are one author's view;
# passages in several documents show the concept recurs in the city's work.
STRENGTHS = ("none", "single", "one_document", "several_documents")
# What the comparison charts can count: units as they are, or per document the city has loaded,
# so a city with three documents does not look three times as active as one with one.
MEASURES = ("units", "units_per_document")
ROUTES = ("direct", "derived")
# A remissvar gives its overall position first in the administration's views and proposals.
POSITION_SECTION = "Förvaltningens synpunkter och förslag"
LABEL_CHARS = 60  # an activity's short label: fits one line of a chart axis
# The items an `ItemFilter` selects (its `parameters` are bound to these names).
ITEMS_MATCHING = """
    FROM items i JOIN documents d USING (doc_id)
    WHERE ($doc_id IS NULL OR i.doc_id = $doc_id)
      AND chosen(i.city, $cities) AND chosen(i.kind, $kinds)
      AND ($concept_id IS NULL OR i.item_id IN (
            SELECT item_id FROM live_links WHERE concept_id = $concept_id))
      AND ($search = '' OR contains(lower(i.text), lower($search))
           OR contains(lower(i.text_raw), lower($search)))
"""


@dataclass(frozen=True)
class ItemFilter:
    """The items a reader asks for; every field narrows, an empty one keeps all.

    One value for `Atlas.items`, `count_items`, `evidence` and `item_excerpts`, so a page's
    count and the rows it lists cannot be filtered two different ways.
    """

    doc_id: str | None = None
    cities: Sequence[str] = ()
    kinds: Sequence[str] = ()
    concept_id: str | None = None
    search: str = ""

    def parameters(self) -> dict[str, object]:
        """The bound parameters of ITEMS_MATCHING; the search NFC like the stored text."""
        return {
            "doc_id": self.doc_id,
            "cities": tuple(self.cities),
            "kinds": tuple(self.kinds),
            "concept_id": self.concept_id,
            "search": unicodedata.normalize("NFC", self.search),
        }


ALL_ITEMS = ItemFilter()


# The review queue's joins and filters, shared by the queue, its counts and its bulk links.
REVIEW_QUEUE = """
    FROM mappings m JOIN items i USING (item_id) JOIN concepts c USING (concept_id)
         JOIN mapping_bases b USING (item_id, concept_id)
    WHERE chosen(i.city, $cities) AND list_contains($statuses::VARCHAR[], m.status)
      AND chosen(m.concept_id, $concept_ids)
"""
PARAMETER = re.compile(r"\$(\w+)")


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the app never changes the published database."""
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}: build it with `python -m etl build`")
    return duckdb.connect(str(db), read_only=True)


def version(db: Path) -> float:
    """Changes whenever a build replaces the file; keys the caches of query results."""
    return os.stat(db).st_mtime_ns if db.exists() else 0.0


def city_colours(paths: Paths | None = None, also: Sequence[str] = ()) -> dict[str, str]:
    """Each city's fixed colour (cities.csv's `colour`, else a stable default): city → #RRGGBB.

    Every chart, download and deck slide colours a city with this, so a city keeps its colour
    whichever cities are chosen or added. The build has already refused invalid colours.
    Cities in `also` that the file does not list (a database built from other data) get the
    next free colours after the file's, rather than no colour.
    """
    text = (paths or Paths.from_env()).cities.read_text(encoding="utf-8")
    listed = [
        (row["city"].strip(), (row.get("colour") or "").strip())
        for row in csv.DictReader(io.StringIO(text))
        if (row.get("city") or "").strip()
    ]
    names = {city for city, _ in listed}
    return assign_colours(listed + [(city, "") for city in also if city not in names])


# Helpers every query may use, created on a connection or cursor the first time it lacks them
# (temporary objects live per connection; creating them took 4 ms on the shipped corpus on a
# 2-core machine, paid only when the page cache misses). `chosen` is the "empty list means all"
# filter. `cells` is THE coverage definition, one row per city × concept: `covered` is direct
# coverage only; `derived_only` marks a cell reached only through the crosswalk; `strength`
# grades the direct evidence (STRENGTHS); `best_basis` is how the strongest link was made (see
# MAPPING_BASES).
HELPERS = """
CREATE OR REPLACE TEMP MACRO chosen(value, wanted) AS
    (len(wanted::VARCHAR[]) = 0 OR list_contains(wanted::VARCHAR[], value));
CREATE OR REPLACE TEMP MACRO cells(wanted_dimension, wanted_cities, covered_states) AS TABLE
    WITH best AS (
        SELECT l.city, l.concept_id, arg_max(b.basis, l.score) AS best_basis
        FROM live_links l JOIN mapping_bases b USING (item_id, concept_id)
        GROUP BY l.city, l.concept_id
    ), corpus AS (
        SELECT city, count(*) AS city_documents FROM documents GROUP BY city
    )
    SELECT v.city, v.concept_id, v.dimension, v.position, c.label_sv, c.label_en,
           v.units, v.items, v.components, v.activities, v.responses, v.recommendations,
           v.best_score, v.sources, b.best_basis, v.derived_units, v.derived_from, v.state,
           list_contains(covered_states::VARCHAR[], v.state) AS covered,
           NOT list_contains(covered_states::VARCHAR[], v.state) AND v.derived_units > 0
               AS derived_only,
           CASE WHEN v.items = 0 THEN 'none' WHEN v.items = 1 THEN 'single'
                WHEN v.sources = 1 THEN 'one_document' ELSE 'several_documents' END AS strength,
           k.city_documents,
           v.units / k.city_documents AS units_per_document,
           v.derived_units / k.city_documents AS derived_units_per_document
    FROM coverage v JOIN concepts c USING (concept_id) JOIN corpus k USING (city)
    LEFT JOIN best b USING (city, concept_id)
    WHERE (wanted_dimension IS NULL OR v.dimension = wanted_dimension)
      AND chosen(v.city, wanted_cities);
"""
# How each link was made: the matcher's `basis` where its mappings record one (a newer build),
# else `method`, so the app reads databases of either shape.
MAPPING_BASES = {
    True: "CREATE OR REPLACE TEMP VIEW mapping_bases AS "
    "SELECT item_id, concept_id, basis FROM mappings",
    False: "CREATE OR REPLACE TEMP VIEW mapping_bases AS "
    "SELECT item_id, concept_id, method AS basis FROM mappings",
}


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the helpers on `con` (see HELPERS and MAPPING_BASES)."""
    con.execute(MAPPING_BASES["basis" in con.table("mappings").columns])
    con.execute(HELPERS)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object]) -> pl.DataFrame:
    """`sql` as a frame on `con`, bound to the named parameters it uses (`$name`; DuckDB
    refuses extra ones); sequences are passed as lists. The helpers are created the first
    time a connection lacks them (its first query), not before every query."""
    used = {name: params[name] for name in PARAMETER.findall(sql)}
    bound = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in used.items()}
    try:
        relation = con.sql(sql, params=bound)
    except duckdb.CatalogException:
        _prepare(con)
        relation = con.sql(sql, params=bound)
    return relation.pl()


class Atlas:
    """Named queries over one connection (or cursor). Each returns a Polars frame or values.

    Every query goes through `_frame`, so a subclass that caches `_frame` caches them all.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _frame(self, sql: str, **params: object) -> pl.DataFrame:
        return run(self.con, sql, params)

    def cities(self) -> list[str]:
        cities: list[str] = self._frame(
            "SELECT DISTINCT city FROM documents ORDER BY city COLLATE sv"
        )["city"].to_list()
        return cities

    def documents(self) -> pl.DataFrame:
        """One row per document with its metadata and how many items of each kind it gave."""
        return self._frame(
            """
            SELECT d.doc_id, d.city, d.organ, d.doc_kind, d.title, d.date, d.dnr, d.relates_to,
                   d.source_file, d.sha256, d.repaired, d.item_count, d.language, d.coverage,
                   count(*) FILTER (WHERE i.kind = 'component') AS components,
                   count(*) FILTER (WHERE i.kind = 'activity') AS activities,
                   count(*) FILTER (WHERE i.kind = 'response') AS responses,
                   count(*) FILTER (WHERE i.kind = 'recommendation') AS recommendations
            FROM documents d LEFT JOIN items i USING (doc_id)
            GROUP BY ALL
            ORDER BY any_value(d.city) COLLATE sv, d.doc_id
            """
        )

    def document_text(self, doc_id: str) -> tuple[str, str]:
        """(text as loaded, repaired text) of one document; ('', '') if it does not exist."""
        rows = self._frame(
            "SELECT text_raw, text FROM document_texts WHERE doc_id = $doc_id", doc_id=doc_id
        )
        return (rows["text_raw"][0], rows["text"][0]) if rows.height else ("", "")

    def skipped_blocks(self, doc_id: str) -> pl.DataFrame:
        """The stretches of one document that became no passage, in reading order, with why."""
        return self._frame(
            "SELECT char_start, char_end, reason, text_raw FROM skipped_blocks "
            "WHERE doc_id = $doc_id ORDER BY char_start",
            doc_id=doc_id,
        )

    def items(
        self,
        wanted: ItemFilter = ALL_ITEMS,
        *,
        limit: int | None = None,
        include: Sequence[str] = (),
    ) -> pl.DataFrame:
        """Items in reading order, filtered; `search` looks in repaired and raw text alike.

        The search is NFC like the stored text, so an "ö" typed as o + diaeresis finds "ö".
        With `limit`, only the first `limit` items come back, and those of `include` that pass
        the filters (a passage a reader has opened), after them; `count_items` says how many
        pass the filters in all.
        """
        return self._frame(
            f"""
            SELECT * EXCLUDE (rank) FROM (
                SELECT i.item_id, i.doc_id, i.city, i.kind, i.section, i.subsection, i.text,
                       i.text_raw, i.char_start, i.char_end, i.unit_id, i.parent_id, i.years,
                       d.organ, d.title AS doc_title,
                       row_number() OVER (ORDER BY d.city COLLATE sv, i.doc_id, i.position)
                           AS rank
                {ITEMS_MATCHING}
            )
            WHERE $limit IS NULL OR rank <= $limit OR list_contains($include::VARCHAR[], item_id)
            ORDER BY rank
            """,  # noqa: S608 (ITEMS_MATCHING is a constant; values are bound parameters)
            **wanted.parameters(),
            limit=limit,
            include=include,
        )

    def count_items(self, wanted: ItemFilter = ALL_ITEMS) -> int:
        """How many items `items(wanted)` would give without a limit."""
        count: int = self._frame(f"SELECT count(*) AS n {ITEMS_MATCHING}", **wanted.parameters())[
            "n"
        ][0]
        return count

    def item_excerpts(
        self,
        wanted: ItemFilter = ALL_ITEMS,
        chars: int = 90,
        *,
        limit: int | None = None,
    ) -> dict[str, str]:
        """Each wanted item as "city · its first `chars` characters", in the order of `items`:
        what a drop-down of passages shows, cut in the database.

        `limit` as in `items` (a drop-down of 300,000 passages is no choice); `count_items`
        says how many match in all."""
        rows = self._frame(
            f"""
            SELECT i.item_id, i.city || ' · ' || left(i.text, $chars) AS excerpt
            {ITEMS_MATCHING}
            ORDER BY d.city COLLATE sv, i.doc_id, i.position
            LIMIT $limit
            """,  # noqa: S608 (ITEMS_MATCHING is a constant; values are bound parameters)
            **wanted.parameters(),
            chars=chars,
            limit=limit,
        )
        return dict(zip(rows["item_id"], rows["excerpt"], strict=True))

    def item_links(self, item_ids: Sequence[str]) -> pl.DataFrame:
        """Every mapping of the given items (rejected ones too: reviewers see them)."""
        return self._frame(
            """
            SELECT m.item_id, m.concept_id, c.dimension, c.label_sv, c.label_en, m.score,
                   m.method, m.matched_alias, m.status, m.match_start, m.match_end
            FROM mappings m JOIN concepts c USING (concept_id)
            WHERE list_contains($item_ids::VARCHAR[], m.item_id)
            ORDER BY m.item_id, c.position
            """,
            item_ids=item_ids,
        )

    def concepts(self, dimension: str | None = None) -> pl.DataFrame:
        """The taxonomy in its own order, with its scope notes."""
        return self._frame(
            """
            SELECT concept_id, dimension, label_sv, label_en, scope_sv, scope_en, position
            FROM concepts WHERE ($dimension IS NULL OR dimension = $dimension) ORDER BY position
            """,
            dimension=dimension,
        )

    def coverage(self, dimension: str | None = None, cities: Sequence[str] = ()) -> pl.DataFrame:
        """THE coverage of each city × concept (the `cells` helper), by concept, then city."""
        return self._frame(
            """
            SELECT * FROM cells($dimension, $cities, $covered_states)
            ORDER BY position, city COLLATE sv
            """,
            dimension=dimension,
            cities=cities,
            covered_states=COVERED_STATES,
        )

    def review_queue(
        self,
        *,
        cities: Sequence[str] = (),
        statuses: Sequence[str] = ("auto",),
        concept_ids: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> pl.DataFrame:
        """Mappings to review, lowest score first: the likeliest mistakes come first.

        `limit` and `offset` page the queue in the database, so a page of 30 links never
        loads the whole queue (170,000 links at 1,000 documents)."""
        return self._frame(
            f"""
            SELECT m.item_id, m.concept_id, c.label_sv, c.label_en, c.dimension, m.score,
                   m.method, b.basis, m.matched_alias, m.status, m.match_start, m.match_end,
                   i.city, i.doc_id, i.kind, i.text
            {REVIEW_QUEUE}
            ORDER BY m.score, i.item_id, c.position
            LIMIT $limit OFFSET $offset
            """,
            cities=cities,
            statuses=statuses,
            concept_ids=concept_ids,
            limit=limit,
            offset=offset,
        )

    def review_counts(
        self,
        *,
        cities: Sequence[str] = (),
        statuses: Sequence[str] = ("auto",),
        concept_ids: Sequence[str] = (),
    ) -> dict[str, int]:
        """How many links of each status the `review_queue` with these filters holds."""
        counts = self._frame(
            f"SELECT m.status, count(*) AS links {REVIEW_QUEUE} GROUP BY m.status",
            cities=cities,
            statuses=statuses,
            concept_ids=concept_ids,
        )
        return dict(counts.iter_rows())

    def review_links(
        self,
        *,
        cities: Sequence[str] = (),
        statuses: Sequence[str] = ("auto",),
        concept_ids: Sequence[str] = (),
        unless: str = "",
    ) -> tuple[tuple[str, str], ...]:
        """The (item, concept) pairs of the `review_queue` with these filters, in its order,
        leaving out those whose status is already `unless`: what a bulk action would change."""
        links = self._frame(
            f"""
            SELECT m.item_id, m.concept_id {REVIEW_QUEUE} AND m.status <> $unless
            ORDER BY m.score, i.item_id, c.position
            """,
            cities=cities,
            statuses=statuses,
            concept_ids=concept_ids,
            unless=unless,
        )
        return tuple(links.iter_rows())

    def suggested_links(self, item_ids: Sequence[str]) -> pl.DataFrame:
        """The matcher's links (not a reviewer's additions) of the given items that exist."""
        return self._frame(
            """
            SELECT m.item_id, m.concept_id
            FROM mappings m JOIN items i USING (item_id) JOIN concepts c USING (concept_id)
            WHERE m.method <> 'manual'
              AND m.item_id IN (SELECT unnest($item_ids::VARCHAR[]))
            """,
            item_ids=item_ids,
        )

    def existing_items(self, item_ids: Sequence[str]) -> list[str]:
        """Those of the given item ids that are in the corpus."""
        found: list[str] = self._frame(
            "SELECT item_id FROM items WHERE item_id IN (SELECT unnest($item_ids::VARCHAR[]))",
            item_ids=item_ids,
        )["item_id"].to_list()
        return found

    def build_log(self) -> pl.DataFrame:
        return self._frame("SELECT topic, message FROM build_log ORDER BY topic, message")

    # The comparison pages (Overview, Coverage and gaps, ECCAR benchmark, the city page, Export
    # and its deck), all built on `coverage`. `cities` empty means all.

    def city_summary(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city: documents, passages and units (the headline figures)."""
        return self._frame(
            """
            SELECT d.city, count(DISTINCT d.doc_id) AS documents, count(i.item_id) AS items,
                   count(DISTINCT i.unit_id) AS units
            FROM documents d LEFT JOIN items i USING (doc_id)
            WHERE chosen(d.city, $cities)
            GROUP BY d.city ORDER BY d.city COLLATE sv
            """,
            cities=cities,
        )

    def document_count(self, cities: Sequence[str] = ()) -> int:
        """How many documents the chosen cities have loaded: a chart's source line counts
        them here rather than reading every document's row (10,000 at 10,000 documents)."""
        count: int = self._frame(
            "SELECT count(*) AS n FROM documents WHERE chosen(city, $cities)", cities=cities
        )["n"][0]
        return count

    def corpus(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """What each city's corpus holds: one row per city × document kind × year (of its date).

        Shown beside every comparison, so a figure can be read against what was loaded.
        `year` is null for undated documents.
        """
        return self._frame(
            """
            SELECT city, doc_kind, try_cast(left(date, 4) AS INTEGER) AS year,
                   count(*) AS documents
            FROM documents WHERE chosen(city, $cities)
            GROUP BY ALL
            ORDER BY city COLLATE sv, doc_kind, year NULLS LAST
            """,
            cities=cities,
        )

    def kind_presence(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × item kind: passages found, and whether the city has loaded any
        document of a kind that gave such passages anywhere in the corpus.

        This tells "no activities in its documents" apart from "no document of a kind that
        holds activities (e.g. a report) loaded", learned from the corpus, not a fixed list.
        `yielding_kinds` names the document kinds that gave this item kind (empty: none did).
        """
        return self._frame(
            """
            WITH yielding AS (
                SELECT i.kind, list(DISTINCT d.doc_kind ORDER BY d.doc_kind) AS yielding_kinds
                FROM items i JOIN documents d USING (doc_id) GROUP BY i.kind
            ), chosen AS (
                SELECT DISTINCT city FROM documents WHERE chosen(city, $cities)
            ), kinds AS (SELECT unnest($item_kinds::VARCHAR[]) AS kind)
            SELECT ch.city, k.kind,
                   (SELECT count(*) FROM items i WHERE i.city = ch.city AND i.kind = k.kind)
                       AS items,
                   coalesce(y.yielding_kinds, []::VARCHAR[]) AS yielding_kinds,
                   EXISTS (SELECT 1 FROM documents d
                           WHERE d.city = ch.city
                             AND list_contains(y.yielding_kinds, d.doc_kind)) AS kind_loaded
            FROM chosen ch CROSS JOIN kinds k LEFT JOIN yielding y USING (kind)
            ORDER BY ch.city COLLATE sv, list_position($item_kinds::VARCHAR[], k.kind)
            """,
            cities=cities,
            item_kinds=ITEM_KINDS,
        )

    def covered_counts(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × dimension: concepts covered (directly), confirmed, covered on a
        single passage only, reached only through the crosswalk, and all concepts."""
        return self._frame(
            """
            SELECT city, dimension, count(*) FILTER (WHERE covered) AS covered,
                   count(*) FILTER (WHERE state = 'confirmed') AS confirmed,
                   count(*) FILTER (WHERE covered AND strength = 'single') AS single,
                   count(*) FILTER (WHERE derived_only) AS derived_only,
                   count(*) AS concepts
            FROM cells($dimension, $cities, $covered_states)
            GROUP BY city, dimension
            ORDER BY city COLLATE sv, list_position($dimensions::VARCHAR[], dimension)
            """,
            dimension=None,
            cities=cities,
            covered_states=COVERED_STATES,
            dimensions=DIMENSIONS,
        )

    def comparison(self, dimension: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """`coverage` of one dimension for the chosen cities, gaps first.

        `covered_by` counts the chosen cities that cover the concept (directly) and `covered_in`
        names them; `derived_in` names those reached only through the crosswalk. Sorting on
        `covered_by` and `covered_in` puts the concepts nobody covers at the top of a heatmap and
        keeps "only this city" rows together, instead of scattering gaps through taxonomy order.
        """
        return self._frame(
            """
            WITH chosen AS (SELECT * FROM cells($dimension, $cities, $covered_states))
            SELECT *,
                   count(*) FILTER (WHERE covered) OVER concept AS covered_by,
                   coalesce(list(city ORDER BY city COLLATE sv) FILTER (WHERE covered)
                       OVER concept, [])::VARCHAR[] AS covered_in,
                   coalesce(list(city ORDER BY city COLLATE sv) FILTER (WHERE derived_only)
                       OVER concept, [])::VARCHAR[] AS derived_in
            FROM chosen
            WINDOW concept AS (PARTITION BY concept_id)
            ORDER BY covered_by, covered_in, position, city COLLATE sv
            """,
            dimension=dimension,
            cities=cities,
            covered_states=COVERED_STATES,
        )

    def gaps(self, dimension: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per concept: which chosen cities cover it, and which do not and why.

        `gap` is 'all', 'some' or 'none' (direct coverage); the cities without it are split into
        reviewed (a person said so) and not found (nothing matched: not a proven gap);
        `single_in` names the covering cities whose coverage rests on one passage, and
        `derived_in` those with derived ECCAR coverage only.
        """
        state = pl.col("state")
        return (
            self.comparison(dimension, cities)
            .group_by("concept_id", maintain_order=True)
            .agg(
                pl.first("label_sv", "label_en", "covered_by", "covered_in", "derived_in"),
                pl.col("city")
                .filter(pl.col("covered") & (pl.col("strength") == "single"))
                .sort()
                .alias("single_in"),
                pl.col("city").filter(state == "reviewed_not_covered").alias("reviewed_not_in"),
                pl.col("city").filter(state == "not_found").alias("not_found_in"),
                pl.len().alias("cities"),
            )
            .with_columns(
                gap=pl.when(pl.col("covered_by") == 0)
                .then(pl.lit("none"))
                .when(pl.col("covered_by") == pl.col("cities"))
                .then(pl.lit("all"))
                .otherwise(pl.lit("some"))
            )
            .drop("cities")
        )

    def silences(self, city: str, dimension: str | None = None) -> pl.DataFrame:
        """Concepts `city` does not cover directly that at least one other city does.

        One row per concept with the cities that cover it, the city's own state and any
        derived units, in taxonomy order: where its policies are silent compared with others.
        """
        rows = self.coverage(dimension)
        others = (
            rows.filter(pl.col("covered") & (pl.col("city") != city))
            .group_by("concept_id", maintain_order=True)
            .agg(pl.col("city").alias("covered_elsewhere"))
        )
        return (
            rows.filter(city=city, covered=False)
            .join(others, on="concept_id", how="inner", maintain_order="left")
            .select(
                "concept_id",
                "dimension",
                "label_sv",
                "label_en",
                "state",
                "derived_units",
                "covered_elsewhere",
            )
        )

    def concept_evidence(
        self,
        concept_id: str,
        cities: Sequence[str] = (),
        *,
        derived: bool = False,
        limit: int | None = None,
    ) -> pl.DataFrame:
        """The passages behind a concept, one row per item and route, with the matched span.

        `route` is 'direct' (the item maps to the concept) or, with `derived`, 'derived' (the
        item maps to a concept the crosswalk counts towards this ECCAR commitment); `via_*`
        name the concepts that carried the link. Rejected mappings count nowhere. With
        `limit`, only the first `limit` passages of each route and city come back;
        `route_items` counts them all (thousands for a large city at 10,000 documents).
        """
        return self._frame(
            """
            SELECT * EXCLUDE (n) FROM (
            WITH links AS (
                SELECT m.*, 'direct' AS route FROM mappings m
                WHERE m.concept_id = $concept_id AND m.status <> 'rejected'
                UNION ALL
                SELECT m.*, 'derived' AS route
                FROM mappings m JOIN crosswalk x USING (concept_id)
                WHERE $derived AND x.eccar_id = $concept_id AND m.status <> 'rejected'
            ), per_item AS (
                SELECT l.route, l.item_id,
                       list(l.concept_id ORDER BY c.position) AS via_concept_ids,
                       list(c.label_sv ORDER BY c.position) AS via_labels_sv,
                       list(c.label_en ORDER BY c.position) AS via_labels_en,
                       max(l.score) AS score, bool_or(l.status = 'accepted') AS accepted,
                       arg_max(l.matched_alias, l.score) AS matched_alias,
                       arg_max(l.match_start, l.score) AS match_start,
                       arg_max(l.match_end, l.score) AS match_end
                FROM links l JOIN concepts c USING (concept_id)
                GROUP BY l.route, l.item_id
            )
            SELECT p.route, i.item_id, i.city, i.kind, i.text, i.section, i.unit_id, i.doc_id,
                   d.title AS doc_title, d.organ, d.date, p.via_concept_ids, p.via_labels_sv,
                   p.via_labels_en, p.score, p.accepted, p.matched_alias, p.match_start,
                   p.match_end,
                   count(*) OVER (PARTITION BY p.route, i.city) AS route_items,
                   row_number() OVER (
                       PARTITION BY p.route, i.city
                       ORDER BY list_position($item_kinds::VARCHAR[], i.kind), i.position
                   ) AS n
            FROM per_item p JOIN items i USING (item_id) JOIN documents d USING (doc_id)
            WHERE chosen(i.city, $cities)
            )
            WHERE $limit IS NULL OR n <= $limit
            ORDER BY route DESC, city COLLATE sv, list_position($item_kinds::VARCHAR[], kind), n
            """,
            concept_id=concept_id,
            derived=derived,
            cities=cities,
            item_kinds=ITEM_KINDS,
            limit=limit,
        )

    def says_does(self, concept_id: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × {component, activity}: units the city has vs does on a concept.

        Every chosen city gets both rows, zeros included, so a city that only writes about a
        concept (or only acts on it) shows as such instead of dropping out of the chart;
        `units_per_document` divides by the documents the city has loaded.
        """
        return self._frame(
            """
            WITH chosen AS (
                SELECT city, count(*) AS city_documents FROM documents
                WHERE chosen(city, $cities) GROUP BY city
            ), kinds AS (SELECT unnest(['component', 'activity']) AS kind)
            SELECT ch.city, k.kind, count(DISTINCT l.unit_id) AS units,
                   count(DISTINCT l.unit_id) / any_value(ch.city_documents) AS units_per_document
            FROM chosen ch CROSS JOIN kinds k
            LEFT JOIN live_links l
                   ON l.city = ch.city AND l.kind = k.kind AND l.concept_id = $concept_id
            GROUP BY ch.city, k.kind
            ORDER BY ch.city COLLATE sv, k.kind DESC
            """,
            cities=cities,
            concept_id=concept_id,
        )

    def eccar_benchmark(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per ECCAR commitment × city × route (direct, derived) with its units.

        Derived units reach a commitment through the crosswalk; they are kept in rows of their
        own so no chart or table can add them to the direct count by accident. `state`,
        `covered` and `strength` describe the direct coverage in both rows.
        """
        cells = self.coverage("eccar", cities)
        return pl.concat(
            [
                cells.select(
                    "concept_id",
                    "label_sv",
                    "label_en",
                    "position",
                    "city",
                    pl.lit(route).alias("route"),
                    pl.col("units" if route == "direct" else "derived_units").alias("units"),
                    pl.col(
                        "units_per_document" if route == "direct" else "derived_units_per_document"
                    ).alias("units_per_document"),
                    "state",
                    "covered",
                    "strength",
                    "derived_from",
                )
                for route in ROUTES
            ]
        ).sort("position", maintain_order=True)

    def table(self, name: str) -> pl.DataFrame:
        """A whole published table for download; only the tables `etl.read.export` offers."""
        if name not in EXPORT_TABLES:
            raise ValueError(f"unknown table {name!r}; choose one of {', '.join(EXPORT_TABLES)}")
        return self._frame("SELECT * FROM query_table($name)", name=name)

    # The Responses, Activities and Evidence pages. `cities` or `policies` empty means all;
    # rejected mappings count nowhere here, as in `live_links`.

    def response_policies(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per chosen city and policy it answered: `responses` counts its responses.

        Enough for the Responses page's policy choice, its silent cities and its page count
        without reading every response (4,931 at 10,000 documents)."""
        return self._frame(
            """
            SELECT city, relates_to, count(*) AS responses
            FROM documents
            WHERE doc_kind = 'response' AND chosen(city, $cities)
            GROUP BY city, relates_to
            ORDER BY city COLLATE sv, relates_to COLLATE sv
            """,
            cities=cities,
        )

    def consultation_responses(
        self,
        cities: Sequence[str] = (),
        policies: Sequence[str] = (),
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> pl.DataFrame:
        """One row per consultation response: who answered which policy, and its position.

        The overall position is the first `response` passage of the administration's views
        (POSITION_SECTION), where a remissvar gives its verdict before the details.
        `limit` and `offset` page the responses in the database; statements and proposals are
        counted for that page's responses only.
        """
        return self._frame(
            """
            WITH answers AS (
                SELECT doc_id, city, organ, relates_to, date, title
                FROM documents
                WHERE doc_kind = 'response' AND chosen(city, $cities)
                  AND chosen(relates_to, $policies)
                ORDER BY city COLLATE sv, relates_to COLLATE sv, organ COLLATE sv, doc_id
                LIMIT $limit OFFSET $offset
            ), statements AS (
                SELECT doc_id, item_id, text, count(*) OVER (PARTITION BY doc_id) AS statements,
                       row_number() OVER (PARTITION BY doc_id
                                          ORDER BY section <> $position_section, position) AS n
                FROM items
                WHERE kind = 'response' AND doc_id IN (SELECT doc_id FROM answers)
            ), proposals AS (
                SELECT doc_id, count(*) AS recommendations
                FROM items
                WHERE kind = 'recommendation' AND doc_id IN (SELECT doc_id FROM answers)
                GROUP BY doc_id
            )
            SELECT a.doc_id, a.city, a.organ, split_part(a.organ, ' / ', 1) AS committee,
                   a.relates_to, a.date, a.title, s.item_id AS position_id, s.text AS position,
                   coalesce(s.statements, 0) AS statements,
                   coalesce(p.recommendations, 0) AS recommendations
            FROM answers a
            LEFT JOIN statements s ON s.doc_id = a.doc_id AND s.n = 1
            LEFT JOIN proposals p ON p.doc_id = a.doc_id
            ORDER BY a.city COLLATE sv, a.relates_to COLLATE sv, a.organ COLLATE sv, a.doc_id
            """,
            position_section=POSITION_SECTION,
            cities=cities,
            policies=policies,
            limit=limit,
            offset=offset,
        )

    def recommendation_concepts(
        self,
        cities: Sequence[str] = (),
        policies: Sequence[str] = (),
        *,
        concerns: int | None = None,
        per_concern: int | None = None,
    ) -> pl.DataFrame:
        """One row per recommendation × concept in consultation responses, shared concerns first.

        `committees` counts the committees that raise the concept, so the concerns several
        committees share come first; `match_start:match_end` mark the alias in `text`.
        With `concerns`, only the proposals of that many concepts, the most shared first
        (100,000 rows at 10,000 documents otherwise); `all_concerns` counts the concepts there
        are in all. With `per_concern`, only the first that many proposals of each concept
        (the page lists three of each; the ten concepts had 22,725 proposals at 10,000
        documents); `proposals` counts each concept's proposals in all.
        """
        return self._frame(
            """
            WITH raised AS (
                SELECT c.concept_id, c.dimension, c.label_sv, c.label_en, c.position AS place,
                       d.doc_id, d.city, split_part(d.organ, ' / ', 1) AS committee,
                       d.relates_to, i.item_id, i.text, i.position,
                       m.matched_alias, m.match_start, m.match_end,
                       count(DISTINCT d.organ) OVER (PARTITION BY c.concept_id) AS committees
                FROM mappings m JOIN items i USING (item_id) JOIN documents d USING (doc_id)
                     JOIN concepts c USING (concept_id)
                WHERE m.status <> 'rejected' AND i.kind = 'recommendation'
                  AND d.doc_kind = 'response' AND chosen(d.city, $cities)
                  AND chosen(d.relates_to, $policies)
            ), ranked AS (
                SELECT *, dense_rank() OVER (ORDER BY committees DESC, place) AS concern,
                       count(DISTINCT concept_id) OVER () AS all_concerns,
                       count(*) OVER (PARTITION BY concept_id) AS proposals,
                       row_number() OVER (
                           PARTITION BY concept_id
                           ORDER BY city COLLATE sv, committee COLLATE sv, position, item_id
                       ) AS n
                FROM raised
            )
            SELECT concept_id, dimension, label_sv, label_en, doc_id, city, committee,
                   relates_to, item_id, text, matched_alias, match_start, match_end, committees,
                   all_concerns, proposals
            FROM ranked
            WHERE ($concerns IS NULL OR concern <= $concerns)
              AND ($per_concern IS NULL OR n <= $per_concern)
            ORDER BY committees DESC, place, n
            """,
            cities=cities,
            policies=policies,
            concerns=concerns,
            per_concern=per_concern,
        )

    def activities(
        self, cities: Sequence[str] = (), *, limit: int | None = None, offset: int = 0
    ) -> pl.DataFrame:
        """One row per activity, numbered, with a short label, its years and its concepts.

        `shown_text` is the text as a reader sees it: where the passage opens with a heading on
        a line of its own (which the repaired `text` runs into the next sentence), the heading
        is set off by a dash. `limit` and `offset` page them in the database; the numbers count
        all the chosen cities' activities, so an activity keeps its number on every page, and
        `activity_counts` says how many there are. Only the page's rows get their heading and
        concepts worked out (64,000 activities at 10,000 documents).
        """
        return self._frame(
            """
            WITH numbered AS (
                SELECT item_id, row_number() OVER (ORDER BY city COLLATE sv, position) AS number
                FROM items WHERE kind = 'activity' AND chosen(city, $cities)
                ORDER BY number LIMIT $limit OFFSET $offset
            ), linked AS (
                SELECT m.item_id, list(c.label_sv ORDER BY c.position) AS concepts_sv,
                       list(c.label_en ORDER BY c.position) AS concepts_en
                FROM mappings m JOIN concepts c USING (concept_id)
                WHERE m.status <> 'rejected' AND m.item_id IN (SELECT item_id FROM numbered)
                GROUP BY m.item_id
            ), chosen AS (
                SELECT i.*, n.number, d.organ, d.title AS doc_title,
                       trim(regexp_replace(regexp_replace(
                           regexp_extract(i.text_raw, '^([^\\n]+)\\n\\s*\\n', 1),
                           '[*_#]+', '', 'g'), '\\s+', ' ', 'g')) AS first_line
                FROM numbered n JOIN items i USING (item_id) JOIN documents d USING (doc_id)
            ), headed AS (
                -- A first line of its own, ending in no sentence mark, that the repaired text
                -- runs on from is the activity's heading (see `shown_text`).
                SELECT *, CASE WHEN first_line <> '' AND NOT regexp_matches(first_line, '[.!?:;…]$')
                                    AND starts_with(text, first_line || ' ')
                               THEN first_line END AS heading
                FROM chosen
            )
            SELECT a.number, a.item_id, a.doc_id, a.city, a.organ, a.doc_title, a.section,
                   CASE WHEN a.heading IS NULL THEN a.text
                        ELSE a.heading || ' – ' || substr(a.text, length(a.heading) + 2)
                        END AS shown_text,
                   a.number || ' · ' || CASE WHEN length(a.text) <= $label_chars THEN a.text
                       ELSE regexp_replace(left(a.text, $label_chars), '\\s+\\S*$', '') || ' …'
                       END AS label,
                   a.text, a.years,
                   coalesce(l.concepts_sv, []::VARCHAR[]) AS concepts_sv,
                   coalesce(l.concepts_en, []::VARCHAR[]) AS concepts_en
            FROM headed a LEFT JOIN linked l USING (item_id)
            ORDER BY a.number
            """,
            cities=cities,
            label_chars=LABEL_CHARS,
            limit=limit,
            offset=offset,
        )

    def activity_counts(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per chosen city: its activities, and how many of them mention no year.

        Cities without any activity have a row of zeros, so a page can name them."""
        return self._frame(
            """
            SELECT ch.city, count(i.item_id) AS activities,
                   count(i.item_id) FILTER (WHERE coalesce(len(i.years), 0) = 0) AS undated
            FROM (SELECT DISTINCT city FROM documents WHERE chosen(city, $cities)) ch
            LEFT JOIN items i ON i.city = ch.city AND i.kind = 'activity'
            GROUP BY ch.city
            ORDER BY ch.city COLLATE sv
            """,
            cities=cities,
        )

    def activity_years(
        self, cities: Sequence[str] = (), *, limit: int | None = None, offset: int = 0
    ) -> pl.DataFrame:
        """One row per activity × year it mentions; activities without a year are left out.

        `limit` and `offset` page the activities as in `activities`."""
        return (
            self.activities(cities, limit=limit, offset=offset)
            .drop("concepts_sv", "concepts_en")
            .explode("years")
            .rename({"years": "year"})
            .drop_nulls("year")
        )

    def evidence(
        self,
        wanted: ItemFilter = ALL_ITEMS,
        *,
        limit: int | None = None,
        include: Sequence[str] = (),
    ) -> pl.DataFrame:
        """`items(wanted, ...)` with the link whose alias to highlight, and all concept labels.

        The highlighted link is the chosen concept's if one is chosen, else the item's best.
        `limit` and `include` as in `items`: a page shows a screenful, not 31,682 passages.
        """
        found = self.items(wanted, limit=limit, include=include)
        links = self._frame(
            """
            SELECT item_id, shown.alias AS matched_alias, shown.match_start, shown.match_end,
                   shown.label_sv AS alias_label_sv, shown.label_en AS alias_label_en,
                   concepts_sv, concepts_en
            FROM (
                SELECT m.item_id,
                       arg_max({'alias': m.matched_alias, 'match_start': m.match_start,
                                'match_end': m.match_end, 'label_sv': c.label_sv,
                                'label_en': c.label_en},
                               (m.concept_id IS NOT DISTINCT FROM $concept_id)::INTEGER
                               + m.score) AS shown,
                       list(c.label_sv ORDER BY c.position) AS concepts_sv,
                       list(c.label_en ORDER BY c.position) AS concepts_en
                FROM mappings m JOIN concepts c USING (concept_id)
                WHERE m.status <> 'rejected'
                  AND m.item_id IN (SELECT unnest($item_ids::VARCHAR[]))  -- a hash semi-join
                GROUP BY m.item_id
            )
            """,
            concept_id=wanted.concept_id,
            item_ids=found["item_id"].to_list(),
        )
        return found.join(links, on="item_id", how="left", maintain_order="left")

    def passage_in_context(self, item_id: str, around: int) -> tuple[str, int, int]:
        """The source text around one passage, in whole lines, and the passage's span in it.

        Offsets point into the text as loaded (the repaired text can differ in length), so
        the context is cut from that. ('', 0, 0) if the item does not exist.
        """
        rows = self._frame(
            """
            SELECT t.text_raw, i.char_start, i.char_end
            FROM items i JOIN document_texts t USING (doc_id) WHERE i.item_id = $item_id
            """,
            item_id=item_id,
        )
        if rows.is_empty():
            return "", 0, 0
        text, start, end = rows.row(0)
        first = text.rfind("\n", 0, max(start - around, 0)) + 1 if start > around else 0
        last = text.find("\n", end + around)
        last = len(text) if last < 0 else last
        return text[first:last], start - first, end - first

    # The Review and Methodology pages.

    def item_ids(self) -> list[str]:
        """Every item id: a decision about an item that does not exist is refused."""
        ids: list[str] = self._frame("SELECT item_id FROM items")["item_id"].to_list()
        return ids

    def stale_decisions(self) -> list[str]:
        """Review decisions the last build or re-application could not apply, and why."""
        messages: list[str] = self._frame(
            "SELECT message FROM build_log WHERE topic = 'stale decision' ORDER BY message"
        )["message"].to_list()
        return messages

    def cell_reviews(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """City × concept cells a reviewer marked as not covered, with who and when."""
        return self._frame(
            """
            SELECT r.city, r.concept_id, c.label_sv, c.label_en, r.reviewer, r.decided_at, r.note
            FROM cell_reviews r JOIN concepts c USING (concept_id)
            WHERE chosen(r.city, $cities)
            ORDER BY r.city COLLATE sv, c.position
            """,
            cities=cities,
        )

    def taxonomy_terms(self) -> pl.DataFrame:
        """Each concept with its scope notes, its aliases and the ECCAR points it counts towards."""
        return self._frame(
            """
            SELECT c.concept_id, c.dimension, c.label_sv, c.label_en, c.scope_sv, c.scope_en,
                   coalesce((SELECT list(a.alias ORDER BY a.alias COLLATE sv)
                             FROM concept_aliases a WHERE a.concept_id = c.concept_id), [])
                       AS aliases,
                   coalesce((SELECT list(x.eccar_id ORDER BY x.eccar_id)
                             FROM crosswalk x WHERE x.concept_id = c.concept_id), [])
                       AS eccar_targets
            FROM concepts c ORDER BY c.position
            """
        )

    def quality(self) -> pl.DataFrame:
        """Measured precision and recall: the micro-average ('all') first, then per concept."""
        return self._frame(
            """
            SELECT q.concept_id, c.dimension, c.label_sv, c.label_en, q.precision, q.recall,
                   q.support, q.precision_low, q.precision_high, q.recall_low, q.recall_high
            FROM quality q LEFT JOIN concepts c USING (concept_id)
            ORDER BY c.position NULLS FIRST
            """
        )
