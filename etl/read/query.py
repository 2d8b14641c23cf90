"""The read side: small, parameterised queries over the published database for the pages.

Pages ask this module for data and get Polars frames back; they never write SQL. Every value
that comes from a person (a search string, a chosen city or concept) reaches DuckDB as a bound
parameter. Swedish text sorts with `COLLATE sv` (icu is built in), so Å, Ä and Ö come last.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from etl.model import COVERAGE_STATES as COVERAGE_STATES  # the pages import it from here
from etl.model import DIMENSIONS, ITEM_KINDS
from etl.read.export import EXPORT_TABLES

COVERED_STATES = ("confirmed", "suggested")  # what the comparison pages count as covered
# A remissvar gives its overall position first in the administration's views and proposals.
POSITION_SECTION = "Förvaltningens synpunkter och förslag"
LABEL_CHARS = 60  # an activity's short label: fits one line of a chart axis


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
        rows = self.con.execute(
            "SELECT text_raw, text FROM document_texts WHERE doc_id = ?", [doc_id]
        ).fetchall()
        return (rows[0][0], rows[0][1]) if rows else ("", "")

    def skipped_blocks(self, doc_id: str) -> pl.DataFrame:
        """The stretches of one document that became no passage, in reading order, with why."""
        return self._frame(
            "SELECT char_start, char_end, reason, text_raw FROM skipped_blocks "
            "WHERE doc_id = ? ORDER BY char_start",
            [doc_id],
        )

    def items(
        self,
        *,
        doc_id: str | None = None,
        cities: Sequence[str] = (),
        kinds: Sequence[str] = (),
        concept_id: str | None = None,
        search: str = "",
    ) -> pl.DataFrame:
        """Items in reading order, filtered; `search` looks in repaired and raw text alike.

        The search is NFC like the stored text, so an "ö" typed as o + diaeresis finds "ö".
        """
        search = unicodedata.normalize("NFC", search)
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
        """A whole published table for download; only the tables `etl.read.export` offers."""
        if name not in EXPORT_TABLES:
            raise ValueError(f"unknown table {name!r}; choose one of {', '.join(EXPORT_TABLES)}")
        return self.con.table(name).pl()

    # The Responses, Activities and Evidence pages. `cities` or `policies` empty means all;
    # rejected mappings count nowhere here, as in `live_links`.

    def consultation_responses(
        self, cities: Sequence[str] = (), policies: Sequence[str] = ()
    ) -> pl.DataFrame:
        """One row per consultation response: who answered which policy, and its position.

        The overall position is the first `response` passage of the administration's views
        (POSITION_SECTION), where a remissvar gives its verdict before the details.
        """
        return self._frame(
            """
            WITH statements AS (
                SELECT doc_id, item_id, text, count(*) OVER (PARTITION BY doc_id) AS statements,
                       row_number() OVER (PARTITION BY doc_id ORDER BY section <> ?, position) AS n
                FROM items WHERE kind = 'response'
            ), proposals AS (
                SELECT doc_id, count(*) AS recommendations
                FROM items WHERE kind = 'recommendation' GROUP BY doc_id
            )
            SELECT d.doc_id, d.city, d.organ, split_part(d.organ, ' / ', 1) AS committee,
                   d.relates_to, d.date, d.title, s.item_id AS position_id, s.text AS position,
                   coalesce(s.statements, 0) AS statements,
                   coalesce(p.recommendations, 0) AS recommendations
            FROM documents d
            LEFT JOIN statements s ON s.doc_id = d.doc_id AND s.n = 1
            LEFT JOIN proposals p ON p.doc_id = d.doc_id
            WHERE d.doc_kind = 'response'
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.city))
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.relates_to))
            ORDER BY d.city COLLATE sv, d.relates_to COLLATE sv, d.organ COLLATE sv
            """,
            [POSITION_SECTION, list(cities), list(cities), list(policies), list(policies)],
        )

    def recommendation_concepts(
        self, cities: Sequence[str] = (), policies: Sequence[str] = ()
    ) -> pl.DataFrame:
        """One row per recommendation × concept in consultation responses, shared concerns first.

        `committees` counts the committees that raise the concept, so the concerns several
        committees share come first; `match_start:match_end` mark the alias in `text`.
        """
        return self._frame(
            """
            SELECT c.concept_id, c.dimension, c.label_sv, c.label_en, d.doc_id, d.city,
                   split_part(d.organ, ' / ', 1) AS committee, d.relates_to, i.item_id, i.text,
                   m.matched_alias, m.match_start, m.match_end,
                   count(DISTINCT d.organ) OVER (PARTITION BY c.concept_id) AS committees
            FROM mappings m JOIN items i USING (item_id) JOIN documents d USING (doc_id)
                 JOIN concepts c USING (concept_id)
            WHERE m.status <> 'rejected' AND i.kind = 'recommendation'
              AND d.doc_kind = 'response'
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.city))
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.relates_to))
            ORDER BY committees DESC, c.position, d.city COLLATE sv, committee COLLATE sv,
                     i.position
            """,
            [list(cities), list(cities), list(policies), list(policies)],
        )

    def activities(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per activity, numbered, with a short label, its years and its concepts."""
        return self._frame(
            """
            WITH linked AS (
                SELECT m.item_id, list(c.label_sv ORDER BY c.position) AS concepts_sv,
                       list(c.label_en ORDER BY c.position) AS concepts_en
                FROM mappings m JOIN concepts c USING (concept_id)
                WHERE m.status <> 'rejected' GROUP BY m.item_id
            ), chosen AS (
                SELECT i.*, d.organ, d.title AS doc_title,
                       row_number() OVER (ORDER BY i.city COLLATE sv, i.position) AS number
                FROM items i JOIN documents d USING (doc_id)
                WHERE i.kind = 'activity'
                  AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.city))
            )
            SELECT a.number, a.item_id, a.doc_id, a.city, a.organ, a.doc_title, a.section,
                   a.number || ' · ' || CASE WHEN length(a.text) <= ? THEN a.text
                       ELSE regexp_replace(left(a.text, ?), '\\s+\\S*$', '') || ' …' END
                       AS label,
                   a.text, a.years,
                   coalesce(l.concepts_sv, []::VARCHAR[]) AS concepts_sv,
                   coalesce(l.concepts_en, []::VARCHAR[]) AS concepts_en
            FROM chosen a LEFT JOIN linked l USING (item_id)
            ORDER BY a.number
            """,
            [list(cities), list(cities), LABEL_CHARS, LABEL_CHARS],
        )

    def activity_years(self, cities: Sequence[str] = ()) -> pl.DataFrame:
        """One row per activity × year it mentions; activities without a year are left out."""
        return (
            self.activities(cities)
            .drop("concepts_sv", "concepts_en")
            .explode("years")
            .rename({"years": "year"})
            .drop_nulls("year")
        )

    def evidence(
        self,
        *,
        cities: Sequence[str] = (),
        kinds: Sequence[str] = (),
        doc_id: str | None = None,
        concept_id: str | None = None,
        search: str = "",
    ) -> pl.DataFrame:
        """`items(...)` with the link whose matched alias to highlight, and all concept labels.

        The highlighted link is the chosen concept's if one is chosen, else the item's best.
        """
        found = self.items(
            doc_id=doc_id, cities=cities, kinds=kinds, concept_id=concept_id, search=search
        )
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
                               (m.concept_id IS NOT DISTINCT FROM ?)::INTEGER + m.score)
                           AS shown,
                       list(c.label_sv ORDER BY c.position) AS concepts_sv,
                       list(c.label_en ORDER BY c.position) AS concepts_en
                FROM mappings m JOIN concepts c USING (concept_id)
                WHERE m.status <> 'rejected' AND list_contains(?::VARCHAR[], m.item_id)
                GROUP BY m.item_id
            )
            """,
            [concept_id, found["item_id"].to_list()],
        )
        return found.join(links, on="item_id", how="left", maintain_order="left")

    def passage_in_context(self, item_id: str, around: int) -> tuple[str, int, int]:
        """The source text around one passage, in whole lines, and the passage's span in it.

        Offsets point into the text as loaded (the repaired text can differ in length), so
        the context is cut from that. ('', 0, 0) if the item does not exist.
        """
        rows = self.con.execute(
            """
            SELECT t.text_raw, i.char_start, i.char_end
            FROM items i JOIN document_texts t USING (doc_id) WHERE i.item_id = ?
            """,
            [item_id],
        ).fetchall()
        if not rows:
            return "", 0, 0
        text, start, end = rows[0]
        first = text.rfind("\n", 0, max(start - around, 0)) + 1 if start > around else 0
        last = text.find("\n", end + around)
        last = len(text) if last < 0 else last
        return text[first:last], start - first, end - first

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
                   q.support, q.precision_low, q.precision_high, q.recall_low, q.recall_high
            FROM quality q LEFT JOIN concepts c USING (concept_id)
            ORDER BY c.position NULLS FIRST
            """
        )
