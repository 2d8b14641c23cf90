"""ECCAR report draft: one city's evidence per commitment of the Ten-Point Plan → a .docx file.

The cities report to ECCAR every two years; this gives the writer a start: for each of the
ten commitments what the city's policies say, what its activities do and what its
consultation responses say, each passage quoted with its document, body, date and place in
the document. Where the documents hold nothing the draft says so ("nothing found in the
documents"), never that the city does not do it. Derived coverage (through the crosswalk) is
given apart and labelled as derived. Everything comes from the query layer; nothing here
needs Streamlit.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from docx import Document
from docx.document import Document as Docx
from docx.shared import Pt, RGBColor

from etl.read.charts import label_column, strength_name
from etl.read.i18n import fmt_date, fmt_number, t
from etl.read.query import Atlas, ItemFilter

# What a commitment's section shows, in order: the item kinds under each heading.
SECTIONS = (
    ("report.policies", ("component",)),
    ("report.activities", ("activity",)),
    ("report.responses", ("response", "recommendation")),
)
FONT = "Arial"  # on every computer (LibreOffice: Liberation Sans); the template's Calibri is not
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Quote", "List Bullet")
SOURCE_FONT = Pt(9)
SOURCE_COLOUR = RGBColor(0x55, 0x55, 0x55)  # the citation under a quote: quieter than the quote


@dataclass(frozen=True)
class Place:
    """Where a passage is in its document, as a reader finds it: the section heading and the
    passage's number among that section's passages (never character offsets)."""

    section: str
    n: int
    of: int


def places(atlas: Atlas, doc_ids: Sequence[str]) -> dict[str, Place]:
    """item id → its place, for every passage of the given documents."""
    found: dict[str, Place] = {}
    for doc_id in doc_ids:
        items = atlas.items(ItemFilter(doc_id=doc_id))
        for section in items.partition_by("section", maintain_order=True):
            ids = section["item_id"].to_list()
            for n, item_id in enumerate(ids, start=1):
                found[item_id] = Place(section["section"][0], n, len(ids))
    return found


def eccar_report(atlas: Atlas, city: str, lang: str, built: datetime.date) -> bytes:
    """The draft for `city` in `lang`, as the .docx file's bytes."""
    documents = atlas.documents().filter(pl.col("city") == city)
    cells = atlas.coverage("eccar", [city])
    reviews = atlas.cell_reviews([city])
    decided = atlas.review_queue(cities=[city], statuses=("accepted", "rejected"))
    names = dict(
        zip(atlas.concepts()["concept_id"], atlas.concepts()[label_column(lang)], strict=True)
    )
    where = places(atlas, documents["doc_id"].to_list())

    report = Document()
    for style in STYLES:
        report.styles[style].font.name = FONT
    report.add_heading(t("report.title", lang).format(city=city), level=0)
    report.add_paragraph(
        t("report.intro", lang).format(
            documents=fmt_number(documents.height, lang), built=fmt_date(built.isoformat(), lang)
        )
    )
    for number, cell in enumerate(cells.iter_rows(named=True), start=1):
        heading = cell[label_column(lang)]
        if not heading.startswith(f"{number}."):
            heading = f"{number}. {heading}"
        report.add_heading(heading, level=1)
        report.add_paragraph(direct_line(cell, lang))
        review = reviews.filter(pl.col("concept_id") == cell["concept_id"])
        if cell["state"] == "reviewed_not_covered" and not review.is_empty():
            report.add_paragraph(
                t("report.reviewed_not_covered", lang).format(
                    reviewer=review["reviewer"][0],
                    date=fmt_date(review["decided_at"][0][:10], lang),  # a timestamp: its day
                )
            )
        evidence = atlas.concept_evidence(cell["concept_id"], [city], derived=False)
        for key, kinds in SECTIONS:
            report.add_heading(t(key, lang), level=2)
            passages = evidence.filter(pl.col("kind").is_in(kinds))
            if passages.is_empty():
                report.add_paragraph(t("report.nothing", lang))
            for passage in passages.iter_rows(named=True):
                _quote(report, passage, where.get(passage["item_id"]), lang)
        via = ", ".join(names.get(c, c) for c in cell["derived_from"] or [])
        derived = (
            t("report.derived", lang).format(
                units=fmt_number(cell["derived_units"], lang), concepts=via
            )
            if cell["derived_units"]
            else t("report.derived_none", lang)
        )
        report.add_paragraph().add_run(derived).italic = True

    report.add_heading(t("report.method", lang), level=1)
    statuses = decided["status"].to_list()
    report.add_paragraph(
        t("report.method_text", lang).format(
            accepted=fmt_number(statuses.count("accepted"), lang),
            rejected=fmt_number(statuses.count("rejected"), lang),
        )
    )
    report.add_heading(t("report.sources", lang), level=1)
    for document in documents.iter_rows(named=True):
        report.add_paragraph(_citation(document, lang), style="List Bullet")
    buffer = io.BytesIO()
    report.save(buffer)
    return buffer.getvalue()


def direct_line(cell: dict[str, Any], lang: str) -> str:
    """'Direct coverage: suggested; number of units: 3 (one passage only).' from the city's
    `Atlas.coverage` row: the same state, units and strength the pages and the deck show."""
    return t("report.direct", lang).format(
        state=t(f"state.{cell['state']}", lang).lower(),
        units=fmt_number(cell["units"], lang),
        strength=strength_name(cell["strength"], lang).lower(),
    )


def _quote(report: Docx, passage: dict[str, Any], place: Place | None, lang: str) -> None:
    """The passage as a quote, and under it where it comes from and whether it was reviewed."""
    report.add_paragraph(
        f"”{passage['text']}”" if lang == "sv" else f"“{passage['text']}”", style="Quote"
    )
    parts = [str(passage["doc_title"]), str(passage["organ"]), fmt_date(passage["date"], lang)]
    if place is not None:
        parts.append(t("report.place", lang).format(section=place.section, n=place.n, of=place.of))
    status = "accepted" if passage["accepted"] else "auto"
    parts.append(t(f"report.status.{status}", lang))
    run = report.add_paragraph().add_run(" · ".join(p for p in parts if p))
    run.font.size, run.font.color.rgb = SOURCE_FONT, SOURCE_COLOUR


def _citation(document: dict[str, Any], lang: str) -> str:
    """'Title. Body, 23 April 2024. Reg. no. STK-2023-138.'"""
    dated = ", ".join(p for p in (str(document["organ"]), fmt_date(document["date"], lang)) if p)
    parts = [str(document["title"]), dated]
    if document["dnr"]:
        parts.append(t("report.source_dnr", lang).format(dnr=document["dnr"]))
    return ". ".join(parts) + "."
