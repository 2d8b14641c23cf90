"""The read side: small, parameterised queries over the published database for the pages.

Pages ask this module for data and get Polars frames back; they never write SQL. Every value
that comes from a person (a search string, a chosen city or concept) reaches DuckDB as a bound
parameter. Swedish text sorts with `COLLATE sv` (icu is built in), so Å, Ä and Ö come last.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from etl.export import EXPORT_TABLES
from etl.model import ITEM_KINDS

COVERAGE_STATES = ("confirmed", "suggested", "reviewed_not_covered", "not_found")
DIMENSIONS = ("eccar", "function", "focus", "arena")
COVERED_STATES = ("confirmed", "suggested")  # what the comparison pages count as covered


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the app never changes the published database."""
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}: build it with `python -m etl build`")
    return duckdb.connect(str(db), read_only=True)


def version(db: Path) -> float:
    """Changes whenever a build replaces the file; keys the caches of query results."""
    return os.stat(db).st_mtime_ns if db.exists() else 0.0


class Atlas:
    """Named queries over one connection (or cursor). Each returns a Polars frame."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _frame(self, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        return self.con.sql(sql, params=list(params)).pl()

    def cities(self) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT city FROM documents ORDER BY city COLLATE sv"
        ).fetchall()
        return [r[0] for r in rows]

    def documents(self) -> pl.DataFrame:
        """One row per document with its metadata and how many items of each kind it gave."""
        return self._frame(
            """
            SELECT d.doc_id, d.city, d.organ, d.doc_kind, d.title, d.date, d.dnr, d.relates_to,
                   d.source_file, d.sha256, d.repaired, d.item_count,
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
        row = self.con.execute(
            "SELECT text_raw, text FROM document_texts WHERE doc_id = ?", [doc_id]
        ).fetchone()
        return (row[0], row[1]) if row else ("", "")

    def items(
        self,
        *,
        doc_id: str | None = None,
        cities: Sequence[str] = (),
        kinds: Sequence[str] = (),
        concept_id: str | None = None,
        search: str = "",
    ) -> pl.DataFrame:
        """Items in reading order, filtered; `search` looks in repaired and raw text alike."""
        return self._frame(
            """
            SELECT i.item_id, i.doc_id, i.city, i.kind, i.section, i.subsection, i.text,
                   i.text_raw, i.char_start, i.char_end, i.unit_id, i.parent_id, i.years,
                   d.organ, d.title AS doc_title
            FROM items i JOIN documents d USING (doc_id)
            WHERE (? IS NULL OR i.doc_id = ?)
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.city))
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.kind))
              AND (? IS NULL OR i.item_id IN (
                    SELECT item_id FROM live_links WHERE concept_id = ?))
              AND (? = '' OR contains(lower(i.text), lower(?))
                   OR contains(lower(i.text_raw), lower(?)))
            ORDER BY d.city COLLATE sv, i.doc_id, i.position
            """,
            [doc_id, doc_id, list(cities), list(cities), list(kinds), list(kinds)]
            + [concept_id, concept_id, search, search, search],
        )

    def item_links(self, item_ids: Sequence[str]) -> pl.DataFrame:
        """Every mapping of the given items (rejected ones too: reviewers see them)."""
        return self._frame(
            """
            SELECT m.item_id, m.concept_id, c.dimension, c.label_sv, c.label_en, m.score,
                   m.method, m.matched_alias, m.status, m.match_start, m.match_end
            FROM mappings m JOIN concepts c USING (concept_id)
            WHERE list_contains(?::VARCHAR[], m.item_id)
            ORDER BY m.item_id, c.position
            """,
            [list(item_ids)],
        )

    def concepts(self, dimension: str | None = None) -> pl.DataFrame:
        """The taxonomy in its own order, with its scope notes."""
        return self._frame(
            """
            SELECT concept_id, dimension, label_sv, label_en, scope_sv, scope_en, position
            FROM concepts WHERE (? IS NULL OR dimension = ?) ORDER BY position
            """,
            [dimension, dimension],
        )

    def coverage(self, dimension: str | None = None, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × concept with counts, best score, sources and coverage state."""
        return self._frame(
            """
            SELECT v.*, c.label_sv, c.label_en
            FROM coverage v JOIN concepts c USING (concept_id)
            WHERE (? IS NULL OR v.dimension = ?)
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], v.city))
            ORDER BY v.position, v.city COLLATE sv
            """,
            [dimension, dimension, list(cities), list(cities)],
        )

    def review_queue(
        self,
        *,
        cities: Sequence[str] = (),
        statuses: Sequence[str] = ("auto",),
        concept_ids: Sequence[str] = (),
    ) -> pl.DataFrame:
        """Mappings to review, lowest score first: the likeliest mistakes come first."""
        return self._frame(
            """
            SELECT m.item_id, m.concept_id, c.label_sv, c.label_en, c.dimension, m.score,
                   m.method, m.matched_alias, m.status, m.match_start, m.match_end,
                   i.city, i.doc_id, i.kind, i.text
            FROM mappings m JOIN items i USING (item_id) JOIN concepts c USING (concept_id)
            WHERE (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.city))
              AND list_contains(?::VARCHAR[], m.status)
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], m.concept_id))
            ORDER BY m.score, i.item_id, c.position
            """,
            [list(cities), list(cities), list(statuses), list(concept_ids), list(concept_ids)],
        )

    def build_log(self) -> pl.DataFrame:
        return self._frame("SELECT topic, message FROM build_log ORDER BY topic, message")

    # The comparison pages (Overview, Coverage and gaps, ECCAR benchmark, Export). A concept
    # counts as covered when its state is confirmed or suggested; `cities` empty means all.

    def city_summary(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city: documents, passages and units (the headline figures)."""
        return self._frame(
            """
            SELECT d.city, count(DISTINCT d.doc_id) AS documents, count(i.item_id) AS items,
                   count(DISTINCT i.unit_id) AS units
            FROM documents d LEFT JOIN items i USING (doc_id)
            WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.city)
            GROUP BY d.city ORDER BY d.city COLLATE sv
            """,
            [list(cities), list(cities)],
        )

    def covered_counts(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × dimension: concepts covered (and confirmed) out of all."""
        return self._frame(
            """
            SELECT city, dimension,
                   count(*) FILTER (WHERE list_contains(?::VARCHAR[], state)) AS covered,
                   count(*) FILTER (WHERE state = 'confirmed') AS confirmed,
                   count(*) AS concepts
            FROM coverage
            WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], city)
            GROUP BY city, dimension
            ORDER BY city COLLATE sv, list_position(?::VARCHAR[], dimension)
            """,
            [list(COVERED_STATES), list(cities), list(cities), list(DIMENSIONS)],
        )

    def comparison(self, dimension: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """`coverage` of one dimension for the chosen cities, gaps first.

        `covered_by` counts the chosen cities that cover the concept and `covered_in` names
        them; sorting on both puts the concepts nobody covers at the top of a heatmap and keeps
        "only this city" rows together, instead of scattering gaps through taxonomy order.
        """
        return self._frame(
            """
            WITH chosen AS (
                SELECT v.*, c.label_sv, c.label_en,
                       list_contains(?::VARCHAR[], v.state) AS covered
                FROM coverage v JOIN concepts c USING (concept_id)
                WHERE v.dimension = ?
                  AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], v.city))
            )
            SELECT city, concept_id, dimension, position, units, items, components, activities,
                   responses, recommendations, best_score, sources, derived_units,
                   derived_from, state, label_sv, label_en,
                   count(*) FILTER (WHERE covered) OVER concept AS covered_by,
                   coalesce(list(city ORDER BY city COLLATE sv) FILTER (WHERE covered)
                       OVER concept, [])::VARCHAR[] AS covered_in
            FROM chosen
            WINDOW concept AS (PARTITION BY concept_id)
            ORDER BY covered_by, covered_in, position, city COLLATE sv
            """,
            [list(COVERED_STATES), dimension, list(cities), list(cities)],
        )

    def gaps(self, dimension: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per concept: which chosen cities cover it, and which do not and why.

        `gap` is 'all', 'some' or 'none'; the cities without it are split into reviewed (a
        person said so) and not found (nothing matched: not a proven gap).
        """
        state = pl.col("state")
        return (
            self.comparison(dimension, cities)
            .group_by("concept_id", maintain_order=True)
            .agg(
                pl.first("label_sv", "label_en", "covered_by", "covered_in"),
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

    def concept_evidence(
        self, concept_id: str, cities: Sequence[str] = (), *, derived: bool = False
    ) -> pl.DataFrame:
        """The passages behind a concept, one row per item and route, with the matched span.

        `route` is 'direct' (the item maps to the concept) or, with `derived`, 'derived' (the
        item maps to a concept the crosswalk counts towards this ECCAR commitment); `via_*`
        name the concepts that carried the link. Rejected mappings count nowhere.
        """
        return self._frame(
            """
            WITH links AS (
                SELECT m.*, 'direct' AS route FROM mappings m
                WHERE m.concept_id = ? AND m.status <> 'rejected'
                UNION ALL
                SELECT m.*, 'derived' AS route
                FROM mappings m JOIN crosswalk x USING (concept_id)
                WHERE ? AND x.eccar_id = ? AND m.status <> 'rejected'
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
                   p.match_end
            FROM per_item p JOIN items i USING (item_id) JOIN documents d USING (doc_id)
            WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.city)
            ORDER BY p.route DESC, i.city COLLATE sv, list_position(?::VARCHAR[], i.kind),
                     i.position
            """,
            [concept_id, derived, concept_id, list(cities), list(cities), list(ITEM_KINDS)],
        )

    def says_does(self, concept_id: str, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per city × {component, activity}: units the city has vs does on a concept.

        Every chosen city gets both rows, zeros included, so a city that only writes about a
        concept (or only acts on it) shows as such instead of dropping out of the chart.
        """
        return self._frame(
            """
            WITH chosen AS (
                SELECT DISTINCT city FROM documents
                WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], city)
            ), kinds AS (SELECT unnest(['component', 'activity']) AS kind)
            SELECT ch.city, k.kind, count(DISTINCT l.unit_id) AS units
            FROM chosen ch CROSS JOIN kinds k
            LEFT JOIN live_links l
                   ON l.city = ch.city AND l.kind = k.kind AND l.concept_id = ?
            GROUP BY ch.city, k.kind
            ORDER BY ch.city COLLATE sv, k.kind DESC
            """,
            [list(cities), list(cities), concept_id],
        )

    def eccar_benchmark(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per ECCAR commitment × city × route (direct, derived) with its units.

        Derived units reach a commitment through the crosswalk; they are kept in rows of their
        own so no chart or table can add them to the direct count by accident.
        """
        return self._frame(
            """
            SELECT v.concept_id, c.label_sv, c.label_en, v.position, v.city, r.route,
                   CASE r.route WHEN 'direct' THEN v.units ELSE v.derived_units END AS units,
                   v.state, v.derived_from
            FROM coverage v JOIN concepts c USING (concept_id)
                 CROSS JOIN (SELECT unnest(['direct', 'derived']) AS route) r
            WHERE v.dimension = 'eccar'
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], v.city))
            ORDER BY v.position, v.city COLLATE sv, r.route DESC
            """,
            [list(cities), list(cities)],
        )

    def table(self, name: str) -> pl.DataFrame:
        """A whole published table for download; only the tables `etl.export` offers."""
        if name not in EXPORT_TABLES:
            raise ValueError(f"unknown table {name!r}; choose one of {', '.join(EXPORT_TABLES)}")
        return self.con.table(name).pl()

    # The Review and Methodology pages.

    def item_ids(self) -> list[str]:
        """Every item id: a decision about an item that does not exist is refused."""
        return [r[0] for r in self.con.execute("SELECT item_id FROM items").fetchall()]

    def stale_decisions(self) -> list[str]:
        """Review decisions the last build or re-application could not apply, and why."""
        rows = self.con.execute(
            "SELECT message FROM build_log WHERE topic = 'stale decision' ORDER BY message"
        ).fetchall()
        return [r[0] for r in rows]

    def cell_reviews(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """City × concept cells a reviewer marked as not covered, with who and when."""
        return self._frame(
            """
            SELECT r.city, r.concept_id, c.label_sv, c.label_en, r.reviewer, r.decided_at, r.note
            FROM cell_reviews r JOIN concepts c USING (concept_id)
            WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], r.city)
            ORDER BY r.city COLLATE sv, c.position
            """,
            [list(cities), list(cities)],
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
                   q.support
            FROM quality q LEFT JOIN concepts c USING (concept_id)
            ORDER BY c.position NULLS FIRST
            """
        )
