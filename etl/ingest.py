"""Ingest, remove, replace: one document into or out of the corpus and the database, all or
nothing.

The corpus (data/raw, the manifest, cities.csv), the database and the review decisions are the
strategists' work; a bad file, a crash or two people at once must not cost any of it. So:

1. Everything is checked before anything is touched — the file's name, size and content, its
   description, duplicates — and a refusal is an `InputError` that says how to fix it.
2. One writer at a time: an exclusive lock file under data/ serialises ingests.
3. A journal under data/ (copies of the manifest, cities.csv and the database) is in place
   before the first change. The file is copied, the manifest row added and the database rebuilt;
   if anything fails, the journal restores the previous state. If the process dies halfway, the
   next ingest finds the journal and rolls back first (`recover`).

Removing or replacing a document (`remove`, `replace_document`) runs through the same lock,
journal and roll-back; the journal also keeps the file taken away (a hard link), to put back.
"""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import filecmp
import hashlib
import io
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, NotRequired, TypedDict, Unpack

import duckdb
from rapidfuzz import fuzz, process

from etl.cache import BuildCache
from etl.csvtext import read_text
from etl.errors import InputError, Problem
from etl.load import extract_text
from etl.manifest import (
    doc_id_for,
    parse_manifest,
    raw_files,
    read_cities,
    render_manifest,
    valid_date,
)
from etl.model import DOC_KINDS, ITEM_KINDS, DocumentMeta
from etl.paths import Paths
from etl.pipeline import BuildReport, Corpus, Progress, build
from etl.publish import STALE_TOPIC
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
# Unicode "format" characters take no space: zero-width space and joiners, soft hyphen, the
# byte-order mark, bidirectional controls. In a typed name they only make it differ unseen.
INVISIBLE_CATEGORIES = ("Cf",)
# Scripts that are written together within one word (Japanese mixes kanji and kana).
SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}
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
    return ingest_bytes(paths, file.name, _read_checked(file), **description)


def _read_checked(file: Path) -> bytes:
    """The bytes of a file named on the command line, refused unread when it is too big."""
    if file.is_symlink():
        raise InputError(
            f"{file}: this is a symbolic link to {file.readlink()}; give the file itself",
            Problem("symlink", {"name": file.name}),
        )
    if not file.is_file():
        raise InputError(
            f"{file}: there is no such file; check the path",
            Problem("no_file", {"name": file.name}),
        )
    _check_size(file.name, file.stat().st_size)
    with open(file, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def replace_file(paths: Paths, doc_id: str, file: Path, progress: Progress = print) -> ChangeResult:
    """Put the file at `file` in place of document `doc_id` (see `replace_document`)."""
    return replace_document(paths, doc_id, file.name, _read_checked(file), progress)


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
        corpus, cities_text = _check_against_corpus(paths, meta, sha256, new_city)
        report = _commit(paths, meta, data, sha256, corpus, cities_text, progress)
    return IngestResult(
        doc_id=meta.doc_id,
        source_file=source_file,
        sha256=sha256,
        city_added=cities_text is not None,
        items=dict(report.items_by_document).get(meta.doc_id, 0),
        report=report,
        **_what_was_read(paths.db, meta.doc_id),
    )


@dataclass(frozen=True)
class ChangeResult:
    """What removing or replacing a document did, and which review decisions it left stale."""

    doc_id: str
    title: str
    source_file: str
    items: int
    newly_stale: tuple[str, ...]
    report: BuildReport


def remove(paths: Paths, doc_id: str, progress: Progress = print) -> ChangeResult:
    """Take a document out of the corpus and rebuild, in one all-or-nothing transaction.

    Its review decisions stay in review.csv (the log is never rewritten); they no longer apply
    and are reported as stale, so putting the document back brings them back.
    """
    with corpus_lock(paths):
        recover(paths)
        documents, _ = _corpus_documents(paths, "removed")
        meta = _find_document(documents, doc_id)
        if len(documents) == 1:
            raise InputError(
                f"{meta.doc_id}: this is the only document; the corpus cannot be empty",
                Problem("last_document", {"title": meta.title}),
            )
        stale_before = _stale_decisions(paths.db)
        journal = _open_journal(paths, added=None, removed=meta.source_file)
        kept = [d for d in documents if d.doc_id != meta.doc_id]

        def take_out() -> None:
            _write_atomically(paths.manifest, render_manifest(kept).encode("utf-8"))
            (paths.raw / meta.source_file).unlink()

        report = _transaction(paths, journal, take_out, progress, "removal")
    return _change_result(meta, meta.source_file, 0, stale_before, report)


def replace_document(
    paths: Paths, doc_id: str, name: str, data: bytes, progress: Progress = print
) -> ChangeResult:
    """Put a new version of a document's file in its place, keeping its id and description.

    The new file is stored under the document's id (with the new file's extension), so links
    and review decisions on passages whose words are unchanged still apply; decisions on
    passages that are gone are kept in review.csv and reported as stale.
    """
    stored_name = safe_file_name(name)
    _check_size(stored_name, len(data))
    extract_text(stored_name, data)
    extension = PurePath(stored_name).suffix
    sha256 = hashlib.sha256(data).hexdigest()
    with corpus_lock(paths):
        recover(paths)
        documents, existing = _corpus_documents(paths, "replaced")
        old = _find_document(documents, doc_id)
        new = dataclasses.replace(old, source_file=old.doc_id + extension)
        _refuse_duplicate(paths, new.source_file, sha256, documents, existing)
        stale_before = _stale_decisions(paths.db)
        journal = _open_journal(paths, added=new.source_file, removed=old.source_file)
        changed = [new if d.doc_id == old.doc_id else d for d in documents]

        def swap() -> None:
            if new.source_file != old.source_file:
                (paths.raw / old.source_file).unlink()
            _write_atomically(paths.raw / new.source_file, data, mode=0o444)
            _write_atomically(paths.manifest, render_manifest(changed).encode("utf-8"))

        report = _transaction(paths, journal, swap, progress, "replacement")
    items = dict(report.items_by_document).get(new.doc_id, 0)
    return _change_result(new, new.source_file, items, stale_before, report)


def _corpus_documents(paths: Paths, done: str) -> tuple[tuple[DocumentMeta, ...], list[str]]:
    """The manifest's documents and the files in data/raw, or an `InputError` if the corpus
    must be fixed first."""
    try:
        cities = read_cities(read_text(paths.cities))
        existing = raw_files(paths.raw)
        documents = parse_manifest(read_text(paths.manifest), cities, existing, paths.manifest.name)
        return documents, existing
    except InputError as error:
        raise InputError(
            f"the corpus has a problem to fix before anything can be {done}:\n{error}",
            Problem("corpus_broken", {"detail": str(error)}),
        ) from None


def _find_document(documents: tuple[DocumentMeta, ...], doc_id: str) -> DocumentMeta:
    """The document with this id (or file name), or an error listing the ids there are."""
    for meta in documents:
        if doc_id in (meta.doc_id, meta.source_file):
            return meta
    raise InputError(
        f"there is no document {doc_id!r} in the corpus; documents: "
        + ", ".join(d.doc_id for d in documents),
        Problem("unknown_document", {"doc": doc_id}),
    )


def _transaction(
    paths: Paths,
    journal: Path,
    change: Callable[[], None],
    progress: Progress,
    what: str,
    corpus: Corpus | None = None,
) -> BuildReport:
    """Apply `change` to the corpus and rebuild (from `corpus`, the corpus after the change,
    when the caller has it); on any failure the journal restores all."""
    try:
        change()
        report = build(paths, progress, corpus=corpus)
    except BaseException as error:
        _roll_back(paths, journal)
        error.add_note(f"The corpus and the database were left as they were before this {what}.")
        raise
    _close_journal(journal)
    return report


def _stale_decisions(db: Path) -> set[str]:
    """The review decisions the current database reports as no longer applying."""
    if not db.exists():
        return set()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT message FROM build_log WHERE topic = ?", [STALE_TOPIC]
        ).fetchall()
    return {row[0] for row in rows}


def _change_result(
    meta: DocumentMeta, source_file: str, items: int, stale_before: set[str], report: BuildReport
) -> ChangeResult:
    stale_after = [m for topic, m in report.messages if topic == STALE_TOPIC]
    return ChangeResult(
        doc_id=meta.doc_id,
        title=meta.title,
        source_file=source_file,
        items=items,
        newly_stale=tuple(m for m in stale_after if m not in stale_before),
        report=report,
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
            "rename the file using letters, digits, spaces, '-' and '_'",
            Problem("name_control", {"name": CONTROL_CHARACTERS.sub("?", name)}),
        )
    if "/" in name or "\\" in name:
        base = re.split(r"[/\\]", name)[-1]
        raise InputError(
            f"{name!r}: this is a path, not a file name; "
            f"give the file's own name without folders, e.g. {base!r}",
            Problem("name_path", {"name": name, "base": base}),
        )
    normal = unicodedata.normalize("NFC", name.strip())
    stem, extension = os.path.splitext(normal)
    safe_stem = UNSAFE_NAME_CHARACTERS.sub("_", stem).strip("._-")[:MAX_NAME_CHARS]
    if not safe_stem:
        raise InputError(
            f"{name!r}: the file name has no letters or digits; "
            "rename the file to say what it is, e.g. remissvar_socialnamnden.txt",
            Problem("name_empty", {"name": name}),
        )
    return safe_stem + extension.lower()


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{name}: the file is {size / 2**20:.1f} MB, more than the "
            f"{MAX_FILE_BYTES // 2**20} MB a document may have; "
            "split it, or add only the part that matters",
            Problem(
                "too_big", {"name": name, "size": size / 2**20, "limit": MAX_FILE_BYTES // 2**20}
            ),
        )


def _clean_fields(**fields: str) -> dict[str, str]:
    """Strip the typed fields and check each on its own; every problem is reported at once."""
    # NFC: the same letters typed on a Mac (å as a + ring) and on Windows are one name.
    clean = {
        key: unicodedata.normalize("NFC", (value or "").strip()) for key, value in fields.items()
    }
    problems = [
        (f"missing {key}; give it with {FIELD_OPTIONS[key]}", Problem("missing", {"field": key}))
        for key in REQUIRED_FIELDS
        if not clean[key]
    ]
    for key, value in clean.items():
        if CONTROL_CHARACTERS.search(value):
            problems.append(
                (
                    f"{key} contains a line break or control character; write it on one line",
                    Problem("field_control", {"field": key}),
                )
            )
        problems += _lookalike_problems(key, value)
        if len(value) > MAX_FIELD_CHARS:
            problems.append(
                (
                    f"{key} is longer than {MAX_FIELD_CHARS} characters; shorten it",
                    Problem("field_long", {"field": key, "limit": MAX_FIELD_CHARS}),
                )
            )
    kind = clean["doc_kind"]
    if kind and kind not in DOC_KINDS:
        problems.append(
            (
                f"unknown kind {kind!r}; use one of {', '.join(DOC_KINDS)}",
                Problem("unknown_kind", {"kind": kind}),
            )
        )
    if clean["date"] and not valid_date(clean["date"]):
        problems.append(
            (
                f"date {clean['date']!r} is not a date written YYYY, YYYY-MM or YYYY-MM-DD "
                "(e.g. 2025-01-21)",
                Problem("bad_date", {"date": clean["date"]}),
            )
        )
    if problems:
        raise InputError("\n".join(m for m, _ in problems), *(p for _, p in problems))
    return clean


def _lookalike_problems(key: str, value: str) -> list[tuple[str, Problem]]:
    """Characters that make a name look like another one: invisible ones, or a word whose
    letters come from two alphabets (a Cyrillic М in "Мalmö" is a different city to a computer).
    """
    problems = []
    invisible = sorted({c for c in value if unicodedata.category(c) in INVISIBLE_CATEGORIES})
    if invisible:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in invisible)
        problems.append(
            (
                f"{key} contains an invisible character ({names}); type it again",
                Problem("field_invisible", {"field": key}),
            )
        )
    for word in value.split():
        scripts = sorted({_script(c) for c in word if c.isalpha()})
        if len(scripts) > 1:
            problems.append(
                (
                    f"{key}: the word {word!r} mixes letters of the {' and '.join(scripts)} "
                    "alphabets, which look alike but differ; type it again",
                    Problem("field_mixed_script", {"field": key, "word": word}),
                )
            )
            break
    return problems


def _script(letter: str) -> str:
    """The writing system of a letter, from its Unicode name ("LATIN SMALL LETTER A" → Latin)."""
    first = unicodedata.name(letter, "UNKNOWN").split(" ")[0]
    return SCRIPT_FAMILIES.get(first, first).title()


def _check_against_corpus(
    paths: Paths, meta: DocumentMeta, sha256: str, new_city: bool
) -> tuple[Corpus, str | None]:
    """The corpus as it is, and cities.csv's new text if the city is to be added (else None)."""
    cities_text = read_text(paths.cities)
    cities = read_cities(cities_text)
    documents, existing = _corpus_documents(paths, "added")
    digests = _refuse_duplicate(paths, meta.source_file, sha256, documents, existing)
    corpus = Corpus(documents, tuple(existing), digests)
    for existing_name in existing:
        if doc_id_for(existing_name) == meta.doc_id:
            suggestion = f"{meta.doc_id}_2{PurePath(meta.source_file).suffix}"
            raise InputError(
                f"{meta.source_file}: a different file named {existing_name} is already in the "
                f"corpus (document id {meta.doc_id!r}); rename the new file, e.g. {suggestion}",
                Problem("same_name", {"name": meta.source_file, "suggestion": suggestion}),
            )
    if meta.city in cities:
        return corpus, None
    if new_city:
        same = [known for known in cities if fold(known) == fold(meta.city)]
        if same:
            raise InputError(
                f"city {meta.city!r} differs from the known city {same[0]!r} only in capitals "
                f"or accents; write {same[0]!r} (a second spelling would split the city in two)",
                Problem("city_spelling", {"city": meta.city, "known": same[0]}),
            )
        return corpus, _with_city(cities_text, meta.city)
    raise _unknown_city(meta.city, cities)


def _refuse_duplicate(
    paths: Paths,
    source_file: str,
    sha256: str,
    documents: tuple[DocumentMeta, ...],
    existing: list[str],
) -> dict[str, str]:
    """The sha256 of the `existing` files in data/raw, or an `InputError` naming the document
    if the same bytes are already there. The digests come from the build cache, which reads
    again only the files whose stamp changed (`BuildCache.file_digests`)."""
    described = {d.source_file: d for d in documents}
    with BuildCache(paths.cache) as cache:
        digests = cache.file_digests(paths.raw, existing)
    for name in existing:
        if digests[name] == sha256:
            twin = described.get(name)
            where = f"{twin.title!r}, {twin.city}" if twin else "not described in the manifest"
            raise InputError(
                f"{source_file}: the same file is already in the corpus as "
                f"{name} ({where}); nothing to add",
                Problem(
                    "duplicate" if twin else "duplicate_undescribed",
                    {"title": twin.title, "city": twin.city} if twin else {"name": name},
                ),
            )
    return digests


def _unknown_city(city: str, cities: tuple[str, ...]) -> InputError:
    close = process.extractOne(
        city, cities, scorer=fuzz.ratio, processor=fold, score_cutoff=CITY_SUGGESTION_SCORE
    )
    hint = f"did you mean {close[0]!r}? " if close else ""
    return InputError(
        f"unknown city {city!r}; {hint}known cities: {', '.join(cities)}. "
        "To add a new city, ingest again with --new-city",
        Problem(
            "unknown_city_close" if close else "unknown_city",
            {"city": city, "close": close[0] if close else "", "cities": list(cities)},
        ),
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
            InputError(
                f"another ingest is still running (it holds data/{LOCK_NAME}); "
                "try again when it has finished",
                Problem("busy_corpus"),
            ),
        ),
        _exclusive(
            database_lock,
            InputError(
                f"the database is being updated (a review decision holds {database_lock.name}); "
                "try again in a moment",
                Problem("busy_database"),
            ),
        ),
    ):
        yield


@contextmanager
def _exclusive(lock: Path, busy: InputError) -> Iterator[None]:
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
                    raise busy from None
                time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


def _commit(
    paths: Paths,
    meta: DocumentMeta,
    data: bytes,
    sha256: str,
    corpus: Corpus,
    cities_text: str | None,
    progress: Progress,
) -> BuildReport:
    """Copy, describe, rebuild — under a journal that undoes all of it on any failure.

    The build is handed the corpus as checked here with the new document added (the same
    records the written manifest parses to), instead of reading and checking it again."""
    journal = _open_journal(paths, added=meta.source_file)
    documents = (*corpus.documents, meta)
    after = Corpus(
        documents,
        tuple(sorted((*corpus.files, meta.source_file))),
        {**corpus.digests, meta.source_file: sha256},
        written=(meta.source_file,),
    )

    def add() -> None:
        _write_atomically(paths.raw / meta.source_file, data, mode=0o444)
        if cities_text is not None:
            _write_atomically(paths.cities, cities_text.encode("utf-8"))
        _write_atomically(paths.manifest, render_manifest(documents).encode("utf-8"))

    return _transaction(paths, journal, add, progress, "ingest", after)


def _open_journal(paths: Paths, added: str | None, removed: str | None = None) -> Path:
    """Save what a change may alter, then put the journal in force with one rename.

    `added` is the file the change writes into data/raw (deleted on roll-back), `removed` the
    one it takes away or overwrites (kept here, hard-linked, and put back on roll-back).
    """
    journal = paths.data / JOURNAL_NAME
    staging = paths.data / f"{JOURNAL_NAME}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    if added is not None:
        (staging / "added").write_text(added, encoding="utf-8")
    if removed is not None:
        (staging / "removed_name").write_text(removed, encoding="utf-8")
        _link_or_copy(paths.raw / removed, staging / "removed")
    (staging / "db_path").write_text(str(paths.db), encoding="utf-8")
    for saved in (paths.manifest, paths.cities):
        shutil.copy2(saved, staging / saved.name)
    if paths.db.exists():
        _link_or_copy(paths.db, staging / "database")
    os.replace(staging, journal)
    return journal


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (instant; the journal keeps the old inode when the path is replaced)."""
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy does the same job
        shutil.copy2(source, target)


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
    """Restore the saved files, put back a removed one, forget an added one. Safe to repeat."""
    if (journal / "added").exists():
        (paths.raw / (journal / "added").read_text(encoding="utf-8")).unlink(missing_ok=True)
    if (journal / "removed").exists():
        target = paths.raw / (journal / "removed_name").read_text(encoding="utf-8")
        if not target.exists() or not filecmp.cmp(journal / "removed", target, shallow=False):
            _write_atomically(target, (journal / "removed").read_bytes(), mode=0o444)
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


@contextmanager
def _fresh(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The database file as it is now. A plain `connect` in a process that still holds a
    connection to the replaced file (the app does) sees the old data; an ATTACH from a new
    in-memory database reads the new file."""
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS built (READ_ONLY)", [str(db)])
        yield con
