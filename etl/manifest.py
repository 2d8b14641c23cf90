"""Manifest stage: the source manifest (CSV) → validated `DocumentMeta` records.

The manifest is the human-editable description of every file in `data/raw`. It is validated as a
whole so that a strategist who edits it by hand learns every mistake at once, each message naming
the entry (line and file) and saying how to fix it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from etl.csvtext import records
from etl.errors import InputError
from etl.model import DOC_KINDS, HEX_COLOUR, DocumentMeta, city_colours

MANIFEST_COLUMNS = (
    "source_file",
    "city",
    "organ",
    "doc_kind",
    "title",
    "date",
    "dnr",
    "relates_to",
)
REQUIRED_FIELDS = ("source_file", "city", "organ", "doc_kind", "title")
# A year, a month or a day: case papers are sometimes dated only by term ("autumn 2024").
DATE_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def doc_id_for(source_file: str) -> str:
    """A document's id is its file name without extension: stable across rebuilds, readable."""
    return Path(source_file).stem


def read_cities(text: str, source: str = "cities.csv") -> tuple[str, ...]:
    """The cities the corpus may name (a city is data: add a row to cities.csv for a new one).

    Refuses, all at once, colours that are not hex or that another city already has.
    """
    rows = [
        (line_no, row["city"].strip(), (row.get("colour") or "").strip())
        for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)
        if (row.get("city") or "").strip()
    ]
    problems = [
        f"{source} line {line_no} ({city}): colour {colour!r} is not a hex colour like #E69F00; "
        "correct it or leave it empty for a default"
        for line_no, city, colour in rows
        if colour and not HEX_COLOUR.match(colour)
    ]
    owner: dict[str, str] = {}
    colours = city_colours([(city, colour) for _, city, colour in rows])
    for line_no, city, colour in rows:
        if colour and colours[city] in owner:
            problems.append(
                f"{source} line {line_no} ({city}): colour {colour} is already "
                f"{owner[colours[city]]}'s; choose another so the cities can be told apart"
            )
        owner.setdefault(colours[city], city)
    if problems:
        raise InputError("\n".join(problems))
    return tuple(city for _, city, _ in rows)


def parse_manifest(
    text: str, cities: Iterable[str], existing_files: Iterable[str], source: str = "manifest.csv"
) -> tuple[DocumentMeta, ...]:
    """Manifest CSV text → documents, or an `InputError` listing every bad entry."""
    known_cities = tuple(cities)
    files = set(existing_files)
    problems: list[str] = []
    documents: list[DocumentMeta] = []
    first_line_of: dict[str, int] = {}
    for line_no, values in records(text, MANIFEST_COLUMNS, source):
        name = values["source_file"] or "(no file name)"
        where = f"{source} line {line_no} ({name})"
        entry_problems = _entry_problems(values, known_cities, files, where)
        if values["source_file"] in first_line_of:
            entry_problems.append(
                f"{where}: a second entry for {name}; "
                f"it is already described on line {first_line_of[values['source_file']]}"
            )
        first_line_of.setdefault(values["source_file"], line_no)
        problems += entry_problems
        if not entry_problems:
            documents.append(DocumentMeta(doc_id=doc_id_for(values["source_file"]), **values))
    if problems:
        raise InputError("\n".join(problems))
    return tuple(documents)


def _entry_problems(
    values: dict[str, str], cities: tuple[str, ...], files: set[str], where: str
) -> list[str]:
    problems = [
        f"{where}: missing {field}; fill in the {field} column"
        for field in REQUIRED_FIELDS
        if not values[field]
    ]
    if values["city"] and values["city"] not in cities:
        problems.append(
            f"{where}: unknown city {values['city']!r}; use one of {', '.join(cities)} "
            "exactly as spelled, or add the new city to cities.csv"
        )
    if values["doc_kind"] and values["doc_kind"] not in DOC_KINDS:
        problems.append(
            f"{where}: unknown doc_kind {values['doc_kind']!r}; use one of {', '.join(DOC_KINDS)}"
        )
    if values["date"] and not DATE_PATTERN.match(values["date"]):
        problems.append(f"{where}: date {values['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if values["source_file"] and values["source_file"] not in files:
        problems.append(
            f"{where}: file {values['source_file']!r} is not in data/raw; "
            "copy it there or remove the entry"
        )
    return problems


def load_manifest(manifest: Path, cities: Path, raw: Path) -> tuple[DocumentMeta, ...]:
    """Read and validate the manifest against the city list and the files present in `raw`."""
    existing = [p.name for p in raw.iterdir() if p.is_file()] if raw.is_dir() else []
    return parse_manifest(
        manifest.read_text(encoding="utf-8"),
        read_cities(cities.read_text(encoding="utf-8")),
        existing,
        source=manifest.name,
    )


def render_manifest(documents: Iterable[DocumentMeta]) -> str:
    """Documents → manifest CSV text (used when a document is ingested)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for doc in documents:
        writer.writerow([getattr(doc, c) for c in MANIFEST_COLUMNS])
    return out.getvalue()
