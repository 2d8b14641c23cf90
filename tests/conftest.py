"""Shared fixtures: a built copy of the shipped data, so no test touches the real data/ folder.

`built_data` (session): data/ copied to a temporary folder and built once; returns its Paths.
`atlas_env` (per test): points ATLAS_DATA / ATLAS_DB at that copy for code that reads the env,
such as the Streamlit pages under AppTest.
`app_pages` (session): app.py's PAGES, read without running the app.
`first_queued_link`: the link a reviewer sees first, for tests that decide on it.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from etl.paths import ROOT, Paths
from etl.pipeline import build


def copy_data(target: Path) -> Paths:
    """A private copy of data/ (without any built database) at `target`."""
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("*.duckdb*", ".*"))
    return Paths(data=target, db=target / "atlas.duckdb")


def corpus_snapshot(paths: Paths) -> dict[str, str]:
    """sha256 of everything that is the strategists' work: raw files, manifest, cities,
    review decisions and the database (absent files recorded as such)."""
    files = [*sorted(paths.raw.iterdir()), paths.manifest, paths.cities, paths.review, paths.db]
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "absent"
        for p in files
    }


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = copy_data(tmp_path_factory.mktemp("atlas") / "data")
    build(paths, progress=lambda _: None)
    return paths


@pytest.fixture
def atlas_env(built_data: Paths, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paths]:
    monkeypatch.setenv("ATLAS_DATA", str(built_data.data))
    monkeypatch.setenv("ATLAS_DB", str(built_data.db))
    yield built_data


@pytest.fixture
def fresh_data(tmp_path: Path) -> Paths:
    """An unbuilt private copy of data/, for tests that change the corpus or decisions."""
    return copy_data(tmp_path / "data")


@pytest.fixture(scope="session")
def app_pages() -> list[tuple[str, str, str, str]]:
    """(path, title key, icon, url path) of every page in app.py's navigation."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES":
            return list(ast.literal_eval(node.value))
    raise AssertionError("app.py has no PAGES list")


@pytest.fixture
def fresh_built(fresh_data: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A private copy built and pointed at by the environment, for tests that change it."""
    build(fresh_data, progress=lambda _: None)
    monkeypatch.setenv("ATLAS_DATA", str(fresh_data.data))
    monkeypatch.setenv("ATLAS_DB", str(fresh_data.db))
    return fresh_data


def first_queued_link(paths: Paths) -> tuple[str, str]:
    """The item × concept a reviewer sees first (the queue starts at the lowest score)."""
    with duckdb.connect(str(paths.db), read_only=True) as con:
        row = con.execute(
            "SELECT item_id, concept_id FROM mappings ORDER BY score, item_id, concept_id LIMIT 1"
        ).fetchone()
    assert row is not None
    return row[0], row[1]
