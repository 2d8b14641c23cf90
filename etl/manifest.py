"""Manifest stage: the source manifest (CSV) → validated `DocumentMeta` records.

The manifest is the human-editable description of every file in `data/raw`. It is validated as a
whole so that a strategist who edits it by hand learns every mistake at once, each message naming
the entry (line and file) and saying how to fix it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from datetime import date as Date
from functools import lru_cache
from pathlib import Path

from etl.csvtext import read_text, records
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
# ASCII digits only: `\d` would also let full-width "２０２４" through.
DATE_PATTERN = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
# Sweden's municipalities in their present form date from 1971 and their case papers are
# digital from the 1990s; a year before 1900 ("0000", "0202") is a typo, not a document.
MIN_YEAR = 1900


def doc_id_for(source_file: str) -> str:
    """A document's id is its file name without extension: stable across rebuilds, readable.

    `Path(source_file).stem` by string operations: making a `Path` per manifest row was a
    fifth of reading a 10,000-row manifest."""
    name = os.path.basename(source_file.rstrip("/"))
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


# Dates repeat across a manifest's rows (a meeting's papers share one): each is checked once.
@lru_cache(maxsize=4096)
def valid_date(value: str) -> bool:
    """YYYY, YYYY-MM or a YYYY-MM-DD that exists (not 2024-02-30), from MIN_YEAR on."""
    if not DATE_PATTERN.match(value) or int(value[:4]) < MIN_YEAR:
        return False
    try:
        return len(value) < len("YYYY-MM-DD") or bool(Date.fromisoformat(value))
    except ValueError:
        return False


def read_cities(text: str, source: str = "cities.csv") -> tuple[str, ...]:
    """The cities the corpus may name (a city is data: add a row to cities.csv for a new one).

    Refuses, all at once, colours that are not hex or that another city already has.
    """
    rows = [
        (line_no, values["city"], values["colour"])
        for line_no, values in records(text, ("city",), source, optional=("colour",))
        if values["city"]
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
    if values["date"] and not valid_date(values["date"]):
        problems.append(f"{where}: date {values['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if values["source_file"] and values["source_file"] not in files:
        problems.append(
            f"{where}: file {values['source_file']!r} is not in data/raw; "
            "copy it there or remove the entry"
        )
    return problems


def load_manifest(manifest: Path, cities: Path, raw: Path) -> tuple[DocumentMeta, ...]:
    """Read and validate the manifest against the city list and the files present in `raw`."""
    return parse_manifest(
        read_text(manifest), read_cities(read_text(cities)), raw_files(raw), source=manifest.name
    )


def raw_files(raw: Path) -> list[str]:
    """The documents in `raw`: its files, without the hidden ones an ingest leaves mid-write.

    A symbolic link is refused: it would make the build read a file from anywhere on the
    machine and publish its text. Read with `os.scandir`, whose entries know their type without
    a `stat` each, and sorted as names: at 10,000 files, sorting `Path`s and asking each whether
    it is a link and a file took 1.3 s of every call (an ingest made five).
    """
    if not raw.is_dir():
        return []
    with os.scandir(raw) as found:
        entries = sorted((e for e in found if not e.name.startswith(".")), key=lambda e: e.name)
    links = [e.name for e in entries if e.is_symlink()]
    if links:
        raise InputError(
            "\n".join(
                f"{raw.name}/{link} is a symbolic link, not a file; "
                f"put the file itself in {raw.name}/ (or remove the link)"
                for link in links
            )
        )
    return [e.name for e in entries if e.is_file()]


def undescribed_files(documents: Iterable[DocumentMeta], raw: Path) -> list[str]:
    """Files in `raw` that no manifest row describes: they are not in the database."""
    described = {d.source_file for d in documents}
    return [name for name in raw_files(raw) if name not in described]


def render_manifest(documents: Iterable[DocumentMeta]) -> str:
    """Documents → manifest CSV text (used when a document is ingested)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for doc in documents:
        writer.writerow([getattr(doc, c) for c in MANIFEST_COLUMNS])
    return out.getvalue()
