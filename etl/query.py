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

COVERAGE_STATES = ("confirmed", "suggested", "reviewed_not_covered", "not_found")
DIMENSIONS = ("eccar", "function", "focus", "arena")


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
        self, *, cities: Sequence[str] = (), statuses: Sequence[str] = ("auto",)
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
            ORDER BY m.score, i.item_id, c.position
            """,
            [list(cities), list(cities), list(statuses)],
        )

    def build_log(self) -> pl.DataFrame:
        return self._frame("SELECT topic, message FROM build_log ORDER BY topic, message")
