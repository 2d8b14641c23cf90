"""The build cache: each document's stage results, kept by a key that says what made them.

A key is a hash of everything a result depends on — the document's bytes and manifest row, the
data that shapes the stage (taxonomy, lexicon, language files) and the source code of the stage
and of every module it imports — so a result is found again only if it would come out the same.
Nothing is ever invalidated by hand: a changed input gives a new key, and results no build asked
for are dropped at the end of the next one.

The cache is one SQLite file (standard library, one transaction per batch), beside the database
by default. It is never trusted blindly: a file that is not SQLite, from another format version,
or with an entry whose checksum does not match its bytes is discarded and the results rebuilt.
SQLite's journal rolls back a batch a killed build left half-written.

The same file remembers each raw file's sha256 with the file's stamp (`file_digests`), so a
build or an ingest reads only the files that changed instead of 130 MB at 10,000 documents.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import pickle
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

# Bump when the layout of the file or of what is stored in it changes; older files are dropped.
# (The stored records' own code is part of every key, so a changed dataclass needs no bump.)
FORMAT_VERSION = 1
FILE_NAME = "build-cache.sqlite"


class BuildCache:
    """Stage results by key, in one SQLite file; any damage means starting empty."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self.problems: list[str] = []  # what was found damaged and is rebuilt, for the log
        try:
            self.con = self._open()
        except sqlite3.DatabaseError as error:
            self.con = self._reset(error)

    def _reset(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Replace a damaged cache file with an empty one."""
        self.problems.append(f"the build cache was unreadable ({error}) and is rebuilt")
        for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
            leftover.unlink(missing_ok=True)
        return self._open()

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path)
        con.execute("CREATE TABLE IF NOT EXISTS format (version INTEGER NOT NULL)")
        con.execute(
            "CREATE TABLE IF NOT EXISTS results "
            "(key TEXT PRIMARY KEY, digest TEXT NOT NULL, value BLOB NOT NULL)"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS stamps (folder TEXT NOT NULL, name TEXT NOT NULL, "
            "stamp TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (folder, name))"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS imports (source TEXT PRIMARY KEY, names TEXT NOT NULL)"
        )
        version = con.execute("SELECT max(version) FROM format").fetchone()[0]
        if version != FORMAT_VERSION:
            if version is not None:
                self.problems.append(f"the build cache was of format {version} and is rebuilt")
            with con:
                con.execute("DELETE FROM results")
                con.execute("DELETE FROM stamps")
                con.execute("DELETE FROM imports")
                con.execute("DELETE FROM format")
                con.execute("INSERT INTO format VALUES (?)", [FORMAT_VERSION])
        for source, names in con.execute("SELECT source, names FROM imports"):
            _remember_imports(source, names)
        return con

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        """The stored results among `keys`; a damaged entry, or file, is dropped and left out."""
        wanted = list(dict.fromkeys(keys))
        try:
            return self._get_many(wanted)
        except sqlite3.DatabaseError as error:
            self.con.close()
            self.con = self._reset(error)
            return {}

    def _get_many(self, wanted: list[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        damaged: list[str] = []
        # SQLite allows 32,766 parameters per statement; chunks stay well under it.
        for chunk in _chunks(wanted, 10_000):
            marks = ",".join("?" * len(chunk))
            rows = self.con.execute(
                f"SELECT key, digest, value FROM results WHERE key IN ({marks})",  # noqa: S608
                chunk,
            )
            for key, digest, value in rows:
                if hashlib.sha256(value).hexdigest() != digest:
                    damaged.append(key)
                    continue
                try:
                    found[key] = pickle.loads(value)  # noqa: S301 - our own file, checksummed
                except Exception:
                    damaged.append(key)
        if damaged:
            self.problems.append(f"{len(damaged)} damaged build cache entries were rebuilt")
            with self.con:
                self.con.executemany("DELETE FROM results WHERE key = ?", [[k] for k in damaged])
        return found

    def put_many(self, results: Mapping[str, object]) -> None:
        """Store results in one transaction: all of them, or (if killed) none."""
        self.put_pickled({key: pickled(value) for key, value in results.items()})

    def put_pickled(self, results: Mapping[str, bytes]) -> None:
        """Store results already pickled (`pickled`), as `put_many` does: a build's pool
        workers pickle what they made, and the main process stores those bytes as they are."""
        rows = [(key, hashlib.sha256(blob).hexdigest(), blob) for key, blob in results.items()]
        try:
            with self.con:
                self.con.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)
        except sqlite3.DatabaseError as error:
            self.con.close()
            self.con = self._reset(error)
            with self.con:
                self.con.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)

    def keep_only(self, live: int, keys: Callable[[], Iterable[str]]) -> None:
        """Drop every result not in `keys()` (what no current document can ask for again) when
        the file holds more than `live` results, the most the corpus can ask for.

        Only then must some be unreachable. Otherwise any unreachable ones are no more than
        the reachable ones missing, and wait for a later build: the file never holds more than
        a full cache would, and a build that drops nothing does not list every key (at 10,000
        documents listing and matching 70,000 keys took a second).
        """
        (stored,) = self.con.execute("SELECT count(*) FROM results").fetchone()
        if stored <= live:
            return
        with self.con:
            self.con.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
            self.con.execute("DELETE FROM live")
            self.con.executemany("INSERT OR IGNORE INTO live VALUES (?)", [[k] for k in keys()])
            self.con.execute("DELETE FROM results WHERE key NOT IN (SELECT key FROM live)")

    def file_digests(
        self, folder: Path, names: Sequence[str], verify: bool = False
    ) -> dict[str, str]:
        """The sha256 of each of the files `names` in `folder`, read only when its stamp changed.

        `names` are all the folder's files (`manifest.raw_files`): what is remembered of any
        other is forgotten. The stamp is what `stat` says of a file: size, modification and
        change times (ns), inode and device. Writing a file or putting another in its place (an
        ingest renames a new file over the old) changes it, so a changed file is read again;
        so is a touched one, whose digest comes out the same and whose stage results are kept.
        The known limit: bytes changed in place with the size and both times kept as they were
        (which takes a changed clock or a raw disk write) go unnoticed. `verify` reads every
        file whatever its stamp (`python -m etl build --verify`).
        """
        base = str(folder)
        stamps = {name: file_stamp(os.path.join(base, name)) for name in names}
        known: dict[str, tuple[str, str]] = {}
        if not verify:
            try:
                rows = self.con.execute(
                    "SELECT name, stamp, sha256 FROM stamps WHERE folder = ?", [str(folder)]
                ).fetchall()
                known = {name: (stamp, sha256) for name, stamp, sha256 in rows}
            except sqlite3.DatabaseError as error:
                self.con.close()
                self.con = self._reset(error)
        digests: dict[str, str] = {}
        fresh: list[tuple[str, str, str, str]] = []
        for name, stamp in stamps.items():
            if name in known and known[name][0] == stamp:
                digests[name] = known[name][1]
                continue
            digests[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            fresh.append((str(folder), name, stamp, digests[name]))
        gone = [[str(folder), name] for name in known if name not in stamps]
        if fresh or gone:
            try:
                with self.con:
                    self.con.executemany("INSERT OR REPLACE INTO stamps VALUES (?, ?, ?, ?)", fresh)
                    self.con.executemany("DELETE FROM stamps WHERE folder = ? AND name = ?", gone)
            except sqlite3.DatabaseError as error:  # the digests stand; the next call rereads
                self.con.close()
                self.con = self._reset(error)
        return digests

    def remember(self, folder: Path, digests: Mapping[str, str]) -> None:
        """Learn the sha256 of files just written in `folder` (an ingest's new file) with their
        stamps, so that no build reads them again to find out."""
        rows = [(str(folder), n, file_stamp(folder / n), sha) for n, sha in digests.items()]
        try:
            with self.con:
                self.con.executemany("INSERT OR REPLACE INTO stamps VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as error:  # the digests stand; the next build rereads
            self.con.close()
            self.con = self._reset(error)

    def close(self) -> None:
        """Close the file, keeping the modules' imports this process parsed (`_imports`)."""
        new = [(s, json.dumps(n)) for s, n in _written_imports.items() if s in _parsed_here]
        try:
            with self.con:
                self.con.executemany("INSERT OR REPLACE INTO imports VALUES (?, ?)", new)
        except sqlite3.DatabaseError:
            pass  # a damaged file is found and replaced by the next build that opens it
        self.con.close()

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def pickled(value: object) -> bytes:
    """A result as the cache stores it."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def file_stamp(path: str | Path) -> str:
    """What `stat` says of a file that changes when its bytes are written (see file_digests)."""
    found = os.stat(path)
    return f"{found.st_size}:{found.st_mtime_ns}:{found.st_ctime_ns}:{found.st_ino}:{found.st_dev}"


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def digest(*parts: str | bytes) -> str:
    """sha256 over parts kept apart (so ("ab", "c") and ("a", "bc") differ)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """Digest of files' names and bytes; a missing file counts as absent, not as an error."""
    parts: list[str | bytes] = []
    for path in sorted(paths):
        parts += [path.name, path.read_bytes() if path.exists() else b"\0absent"]
    return digest(*parts)


@cache
def code_digest(module_name: str) -> str:
    """Digest of a module's source, of every project module it imports (transitively), and of
    the installed versions of the libraries they import: what a stage's result depends on."""
    seen: set[str] = set()
    libraries: set[str] = set()
    pending = [module_name]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for imported in _imports(name):
            top = imported.split(".")[0]
            if _ours(imported):
                pending.append(imported)
            elif top not in sys.stdlib_module_names:
                libraries.add(top)
    versions = sorted(_library_version(library) for library in libraries)
    sources = [part for name in sorted(seen) for part in (name, _source(name))]
    return digest(*sources, *versions)


def _library_version(library: str) -> str:
    """`library==version` of an imported library, whose distribution may be named otherwise
    ("docx" is python-docx); the full table of names is slow to read, so it comes last."""
    for distribution in (library, f"python-{library}"):
        try:
            return f"{distribution}=={metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    dists = metadata.packages_distributions().get(library, [])
    return ",".join(f"{d}=={metadata.version(d)}" for d in dists) or f"{library}==?"


def _ours(module_name: str) -> bool:
    return module_name.split(".")[0] == __name__.split(".")[0]


# A module's source and imports are read once per process: every stage's key walks the same
# modules (an ingest's keys parsed 66 modules' source, 2.3 of its 15 profiled seconds).
@cache
def _source(module_name: str) -> bytes:
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return b""
    return Path(spec.origin).read_bytes()


# What each module's source says it imports (`_written_imports`), by the sha256 of the source:
# parsing the 25 modules a build's code digest covers took 0.22 CPU s of every ingest, so the
# build cache keeps them (a pure function of the source: a changed module is parsed again).
_written_imports: dict[str, list[list[str]]] = {}
_parsed_here: set[str] = set()


def _remember_imports(source: str, names: str) -> None:
    """A stored entry of `_written_imports`, unless it is not the lists of names it must be
    (then the module is parsed again)."""
    try:
        found = json.loads(names)
    except ValueError:
        return
    if isinstance(found, list) and all(
        isinstance(entry, list) and entry and all(isinstance(n, str) for n in entry)
        for entry in found
    ):
        _written_imports.setdefault(source, found)


@cache
def _imports(module_name: str) -> list[str]:
    """Absolute module names a module imports (`from etl.x import y` → `etl.x`, and `etl.x.y`
    if that is a module too)."""
    source = _source(module_name)
    if not source:
        return []
    names: list[str] = []
    for module, imported in _written_imports_of(source):
        names.append(module)
        spec = importlib.util.find_spec(module) if imported and _ours(module) else None
        if spec is not None and spec.submodule_search_locations is not None:
            names += [
                f"{module}.{name}"
                for name in imported
                if importlib.util.find_spec(f"{module}.{name}") is not None
            ]
    return names


def _written_imports_of(source: bytes) -> list[tuple[str, list[str]]]:
    """(module, names) of each absolute import in a module's source: `import a, b` gives
    ("a", []), ("b", []); `from a import b, c` gives ("a", ["b", "c"])."""
    key = hashlib.sha256(source).hexdigest()
    if key not in _written_imports:
        found: list[list[str]] = []
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found += [[alias.name] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append([node.module, *(alias.name for alias in node.names)])
        _written_imports[key] = found
        _parsed_here.add(key)
    return [(entry[0], entry[1:]) for entry in _written_imports[key]]
