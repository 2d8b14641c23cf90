"""Ingest: one new document into the corpus and the database, all or nothing.

The corpus (data/raw, the manifest, cities.csv), the database and the review decisions are the
strategists' work; a bad file, a crash or two people at once must not cost any of it. So:

1. Everything is checked before anything is touched — the file's name, size and content, its
   description, duplicates — and a refusal is an `InputError` that says how to fix it.
2. One writer at a time: an exclusive lock file under data/ serialises ingests.
3. A journal under data/ (copies of the manifest, cities.csv and the database) is in place
   before the first change. The file is copied, the manifest row added and the database rebuilt;
   if anything fails, the journal restores the previous state. If the process dies halfway, the
   next ingest finds the journal and rolls back first (`recover`).
"""

from __future__ import annotations

import csv
import fcntl
import filecmp
import hashlib
import io
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path, PurePath
from typing import Any, NotRequired, TypedDict, Unpack

import duckdb
from rapidfuzz import fuzz, process

from etl.errors import InputError
from etl.load import extract_text
from etl.manifest import (
    DATE_PATTERN,
    doc_id_for,
    parse_manifest,
    read_cities,
    render_manifest,
)
from etl.model import DOC_KINDS, ITEM_KINDS, DocumentMeta
from etl.paths import Paths
from etl.pipeline import BuildReport, Progress, build
from etl.text import fold

# The largest case papers with appendices are a few MB; a bigger file is a scan (which needs
# OCR anyway) or the wrong file, and reading it would hold the lock for a long time.
MAX_FILE_BYTES = 20 * 1024 * 1024
# File systems allow 255 bytes; the name's stem becomes the document id, shown in the app.
MAX_NAME_CHARS = 120
# A title or an organ longer than this is a pasted paragraph, not a description.
MAX_FIELD_CHARS = 500
# "Malmo" or "malmö" score 100 against Malmö once folded; unrelated city names stay below 60.
CITY_SUGGESTION_SCORE = 80
# A build of the corpus takes seconds; a lock held for minutes belongs to a stuck process.
LOCK_TIMEOUT_SECONDS = 300.0
LOCK_POLL_SECONDS = 0.1
LOCK_NAME = ".ingest.lock"
JOURNAL_NAME = ".ingest-journal"
# Characters kept in a stored file name: letters (å ä ö too), digits and a little punctuation;
# anything else, spaces included, becomes "_" so the name is safe in a shell, a URL and a ZIP.
UNSAFE_NAME_CHARACTERS = re.compile(r"[^\w.()+-]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The fields of a manifest row that a person types, with the option that sets each one.
FIELD_OPTIONS = {
    "city": "--city",
    "organ": "--organ",
    "doc_kind": "--kind",
    "title": "--title",
    "date": "--date",
    "dnr": "--dnr",
    "relates_to": "--relates-to",
}
REQUIRED_FIELDS = ("city", "organ", "doc_kind")


@dataclass(frozen=True)
class IngestResult:
    """What an ingest added: the stored file, its document and what the rebuild made of it."""

    doc_id: str
    source_file: str
    sha256: str
    city_added: bool
    items: int
    report: BuildReport
    kinds: dict[str, int] = field(default_factory=dict)  # items by kind, in ITEM_KINDS order
    coverage: float = 0.0  # share of the document's text inside an item


class Description(TypedDict):
    """What a person says about a document when adding it (see `ingest_bytes`)."""

    city: str
    organ: str
    doc_kind: str
    date: NotRequired[str]
    title: NotRequired[str]
    dnr: NotRequired[str]
    relates_to: NotRequired[str]
    new_city: NotRequired[bool]
    progress: NotRequired[Progress]


def ingest(paths: Paths, file: Path, **description: Unpack[Description]) -> IngestResult:
    """Add the file at `file` (txt, pdf, docx) to the corpus and rebuild the database."""
    if not file.is_file():
        raise InputError(f"{file}: there is no such file; check the path")
    _check_size(file.name, file.stat().st_size)
    with open(file, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return ingest_bytes(paths, file.name, data, **description)


def ingest_bytes(
    paths: Paths,
    name: str,
    data: bytes,
    *,
    city: str,
    organ: str,
    doc_kind: str,
    date: str = "",
    title: str = "",
    dnr: str = "",
    relates_to: str = "",
    new_city: bool = False,
    progress: Progress = print,
) -> IngestResult:
    """Add a file given by name and bytes (the app's upload form) in one transaction."""
    source_file = safe_file_name(name)
    _check_size(source_file, len(data))
    fields = _clean_fields(
        city=city,
        organ=organ,
        doc_kind=doc_kind,
        title=title or PurePath(source_file).stem.replace("_", " "),
        date=date,
        dnr=dnr,
        relates_to=relates_to,
    )
    extract_text(source_file, data)
    meta = DocumentMeta(doc_id=doc_id_for(source_file), source_file=source_file, **fields)
    sha256 = hashlib.sha256(data).hexdigest()
    with corpus_lock(paths):
        recover(paths)
        documents, cities_text = _check_against_corpus(paths, meta, sha256, new_city)
        report = _commit(paths, meta, data, documents, cities_text, progress)
    return IngestResult(
        doc_id=meta.doc_id,
        source_file=source_file,
        sha256=sha256,
        city_added=cities_text is not None,
        items=_item_count(paths.db, meta.doc_id),
        report=report,
        **_what_was_read(paths.db, meta.doc_id),
    )


# Below a third of its text in passages, a document was probably misread (a scan, a format the
# reader does not know): the person adding it is told so instead of a plain success.
LOW_COVERAGE = 1 / 3
Message = tuple[str, str, dict[str, object]]  # (success | warning, interface-text key, values)


def ingest_messages(result: IngestResult) -> list[Message]:
    """What to tell the person who added a document, as interface-text keys with their values.

    The command line and the upload form translate them into the user's language.
    """
    values: dict[str, object] = {
        "name": result.source_file,
        "items": result.items,
        "share": result.coverage,
        "kinds": result.kinds,
    }
    if result.items == 0:
        return [("warning", "upload.no_items", values)]
    if result.coverage < LOW_COVERAGE:
        return [("warning", "upload.low_coverage", values)]
    return [("success", "upload.done", values)]


def safe_file_name(name: str) -> str:
    """An uploaded file's name → the name it gets in data/raw, or an `InputError`.

    A name that tries to be a path, or hides control characters, is refused: it is a mistake or
    an attack, and guessing what was meant could overwrite another file. Anything else odd is
    replaced, so "Remissvar – Malmö stad.pdf" is stored as "Remissvar_Malmö_stad.pdf".
    """
    if CONTROL_CHARACTERS.search(name):
        raise InputError(
            f"{name!r}: the file name contains control characters; "
            "rename the file using letters, digits, spaces, '-' and '_'"
        )
    if "/" in name or "\\" in name:
        base = re.split(r"[/\\]", name)[-1]
        raise InputError(
            f"{name!r}: this is a path, not a file name; "
            f"give the file's own name without folders, e.g. {base!r}"
        )
    normal = unicodedata.normalize("NFC", name.strip())
    stem, extension = os.path.splitext(normal)
    safe_stem = UNSAFE_NAME_CHARACTERS.sub("_", stem).strip("._-")[:MAX_NAME_CHARS]
    if not safe_stem:
        raise InputError(
            f"{name!r}: the file name has no letters or digits; "
            "rename the file to say what it is, e.g. remissvar_socialnamnden.txt"
        )
    return safe_stem + extension.lower()


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{name}: the file is {size / 2**20:.1f} MB, more than the "
            f"{MAX_FILE_BYTES // 2**20} MB a document may have; "
            "split it, or add only the part that matters"
        )


def _clean_fields(**fields: str) -> dict[str, str]:
    """Strip the typed fields and check each on its own; every problem is reported at once."""
    clean = {key: (value or "").strip() for key, value in fields.items()}
    problems = [
        f"missing {key}; give it with {FIELD_OPTIONS[key]}"
        for key in REQUIRED_FIELDS
        if not clean[key]
    ]
    for key, value in clean.items():
        if CONTROL_CHARACTERS.search(value):
            problems.append(
                f"{key} contains a line break or control character; write it on one line"
            )
        if len(value) > MAX_FIELD_CHARS:
            problems.append(f"{key} is longer than {MAX_FIELD_CHARS} characters; shorten it")
    kind = clean["doc_kind"]
    if kind and kind not in DOC_KINDS:
        problems.append(f"unknown kind {kind!r}; use one of {', '.join(DOC_KINDS)}")
    if clean["date"] and not _valid_date(clean["date"]):
        problems.append(
            f"date {clean['date']!r} is not a date written YYYY, YYYY-MM or YYYY-MM-DD "
            "(e.g. 2025-01-21)"
        )
    if problems:
        raise InputError("\n".join(problems))
    return clean


def _valid_date(value: str) -> bool:
    if not DATE_PATTERN.match(value):
        return False
    try:
        return len(value) < len("YYYY-MM-DD") or bool(Date.fromisoformat(value))
    except ValueError:
        return False


def _check_against_corpus(
    paths: Paths, meta: DocumentMeta, sha256: str, new_city: bool
) -> tuple[tuple[DocumentMeta, ...], str | None]:
    """The corpus as it is, and cities.csv's new text if the city is to be added (else None)."""
    cities_text = paths.cities.read_text(encoding="utf-8")
    cities = read_cities(cities_text)
    existing = {p.name: p for p in paths.raw.iterdir() if p.is_file() and p.name[0] != "."}
    try:
        documents = parse_manifest(
            paths.manifest.read_text(encoding="utf-8"), cities, existing, paths.manifest.name
        )
    except InputError as error:
        raise InputError(
            f"the corpus has a problem to fix before anything can be added:\n{error}"
        ) from None
    titles = {d.source_file: f"{d.title!r}, {d.city}" for d in documents}
    for existing_name, path in sorted(existing.items()):
        if hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            described = titles.get(existing_name, "not described in the manifest")
            raise InputError(
                f"{meta.source_file}: the same file is already in the corpus as "
                f"{existing_name} ({described}); nothing to add"
            )
    for existing_name in existing:
        if doc_id_for(existing_name) == meta.doc_id:
            raise InputError(
                f"{meta.source_file}: a different file named {existing_name} is already in the "
                f"corpus (document id {meta.doc_id!r}); rename the new file, e.g. "
                f"{meta.doc_id}_2{PurePath(meta.source_file).suffix}"
            )
    if meta.city in cities:
        return documents, None
    if new_city:
        return documents, _with_city(cities_text, meta.city)
    raise InputError(_unknown_city(meta.city, cities))


def _unknown_city(city: str, cities: tuple[str, ...]) -> str:
    close = process.extractOne(
        city, cities, scorer=fuzz.ratio, processor=fold, score_cutoff=CITY_SUGGESTION_SCORE
    )
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (
        f"unknown city {city!r}; {hint}known cities: {', '.join(cities)}. "
        "To add a new city, ingest again with --new-city"
    )


def _with_city(cities_text: str, city: str) -> str:
    """cities.csv with one more row for `city` (its labels default to its name)."""
    columns = csv.DictReader(io.StringIO(cities_text)).fieldnames or ["city"]
    row = io.StringIO()
    defaults = {"city": city, "label_sv": city, "label_en": city}
    csv.writer(row, lineterminator="\n").writerow([defaults.get(c, "") for c in columns])
    separator = "" if cities_text.endswith("\n") or not cities_text else "\n"
    return cities_text + separator + row.getvalue()


@contextmanager
def corpus_lock(paths: Paths) -> Iterator[None]:
    """Hold the corpus and the database for one writer; a second one waits, then gives up.

    Two locks, always taken in this order: the corpus's (ingests) and the database's, which the
    Review page's `reapply_decisions` takes, so that a reviewer's quick re-application cannot
    swap a revised copy of the old database over the one an ingest has just built.
    """
    database_lock = paths.db.with_name(f".{paths.db.name}.lock")
    with (
        _exclusive(
            paths.data / LOCK_NAME,
            f"another ingest is still running (it holds data/{LOCK_NAME}); "
            "try again when it has finished",
        ),
        _exclusive(
            database_lock,
            f"the database is being updated (a review decision holds {database_lock.name}); "
            "try again in a moment",
        ),
    ):
        yield


@contextmanager
def _exclusive(lock: Path, busy: str) -> Iterator[None]:
    """An exclusive flock on `lock`, waited for up to LOCK_TIMEOUT_SECONDS, else `busy`."""
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputError(busy) from None
                time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


def _commit(
    paths: Paths,
    meta: DocumentMeta,
    data: bytes,
    documents: tuple[DocumentMeta, ...],
    cities_text: str | None,
    progress: Progress,
) -> BuildReport:
    """Copy, describe, rebuild — under a journal that undoes all of it on any failure."""
    journal = _open_journal(paths, meta.source_file)
    try:
        _write_atomically(paths.raw / meta.source_file, data, mode=0o444)
        if cities_text is not None:
            _write_atomically(paths.cities, cities_text.encode("utf-8"))
        manifest = render_manifest([*documents, meta])
        _write_atomically(paths.manifest, manifest.encode("utf-8"))
        report = build(paths, progress)
    except BaseException as error:
        _roll_back(paths, journal)
        error.add_note("The corpus and the database were left as they were before this ingest.")
        raise
    _close_journal(journal)
    return report


def _open_journal(paths: Paths, source_file: str) -> Path:
    """Save what an ingest may change, then put the journal in force with one rename."""
    journal = paths.data / JOURNAL_NAME
    staging = paths.data / f"{JOURNAL_NAME}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / "added").write_text(source_file, encoding="utf-8")
    (staging / "db_path").write_text(str(paths.db), encoding="utf-8")
    for saved in (paths.manifest, paths.cities):
        shutil.copy2(saved, staging / saved.name)
    if paths.db.exists():
        try:
            os.link(paths.db, staging / "database")
        except OSError:  # another file system: a copy does the same job
            shutil.copy2(paths.db, staging / "database")
    os.replace(staging, journal)
    return journal


def recover(paths: Paths) -> bool:
    """Undo an ingest that died halfway (its journal is still there); True if there was one.

    Call with the corpus lock held.
    """
    shutil.rmtree(paths.data / f"{JOURNAL_NAME}.new", ignore_errors=True)
    shutil.rmtree(paths.data / f"{JOURNAL_NAME}.done", ignore_errors=True)
    for folder, pattern in _temporary_files(paths):
        for stray in folder.glob(pattern):
            stray.unlink(missing_ok=True)
    journal = paths.data / JOURNAL_NAME
    if not journal.is_dir():
        return False
    _roll_back(paths, journal)
    return True


def _temporary_files(paths: Paths) -> tuple[tuple[Path, str], ...]:
    """Where `_write_atomically` leaves a temporary file when killed before its rename."""
    return (
        (paths.raw, ".*.tmp"),
        (paths.data, f".{paths.manifest.name}.*.tmp"),
        (paths.data, f".{paths.cities.name}.*.tmp"),
    )


def _roll_back(paths: Paths, journal: Path) -> None:
    """Restore the saved files and forget the added one. Safe to repeat if interrupted."""
    added = (journal / "added").read_text(encoding="utf-8")
    (paths.raw / added).unlink(missing_ok=True)
    for target in (paths.manifest, paths.cities):
        if not filecmp.cmp(journal / target.name, target, shallow=False):
            _write_atomically(target, (journal / target.name).read_bytes())
    db = Path((journal / "db_path").read_text(encoding="utf-8"))
    saved_db = journal / "database"
    if not saved_db.exists():
        db.unlink(missing_ok=True)
    elif not db.exists() or not filecmp.cmp(saved_db, db, shallow=False):
        temporary = db.with_name(f".{db.name}.restore")
        shutil.copyfile(saved_db, temporary)
        os.replace(temporary, db)
    _close_journal(journal)


def _close_journal(journal: Path) -> None:
    """Retire the journal with one rename (the commit point), then delete it at leisure."""
    done = journal.with_name(f"{JOURNAL_NAME}.done")
    os.replace(journal, done)
    shutil.rmtree(done, ignore_errors=True)


def _write_atomically(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a whole file or nothing: a temporary file beside it, flushed, renamed over it."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _what_was_read(db: Path, doc_id: str) -> dict[str, Any]:
    """Items by kind and the share of the text covered, from the rebuilt database."""
    with _fresh(db) as con:
        rows = dict(
            con.execute(
                "SELECT kind, count(*) FROM built.items WHERE doc_id = ? GROUP BY kind", [doc_id]
            ).fetchall()
        )
        share = con.execute(
            "SELECT coverage FROM built.documents WHERE doc_id = ?", [doc_id]
        ).fetchall()
    kinds = {kind: int(rows[kind]) for kind in ITEM_KINDS if kind in rows}
    return {"kinds": kinds, "coverage": float(share[0][0]) if share else 0.0}


def _item_count(db: Path, doc_id: str) -> int:
    with _fresh(db) as con:
        row = con.execute(
            "SELECT item_count FROM built.documents WHERE doc_id = ?", [doc_id]
        ).fetchall()
    return int(row[0][0]) if row else 0


@contextmanager
def _fresh(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The database file as it is now. A plain `connect` in a process that still holds a
    connection to the replaced file (the app does) sees the old data; an ATTACH from a new
    in-memory database reads the new file."""
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS built (READ_ONLY)", [str(db)])
        yield con
