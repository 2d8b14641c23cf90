"""Removing and replacing a document: all or nothing, like an ingest, and no decision lost.

Each test works on its own copy of a built corpus with a review decision (the fixtures of
tests/test_ingest.py). Bad input is refused with its message and changes nothing; a failing or
killed rebuild leaves data/raw, the manifest, cities.csv, review.csv and the database as they
were; review decisions on passages that disappear stay in review.csv, are reported as stale,
and apply again when the passages come back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from comparison_pages import open_page
from conftest import corpus_snapshot
from streamlit.testing.v1 import AppTest
from test_crash_safety import killed_change_outcomes, private_copy
from test_ingest import (
    BAD_FILES,
    BAD_NAMES,
    SWEDISH,
    die_before_building,
    make_docx,
    quiet,
    refused,
    reviewed_corpus,
    run_cli,
)

import etl.ingest
from etl.errors import InputError
from etl.ingest import corpus_lock, ingest_bytes, recover, remove, replace_document
from etl.manifest import load_manifest
from etl.overrides import Decision, record_decision
from etl.paths import Paths
from etl.pipeline import Corpus, build

# The added concept used for decisions in these tests: any concept works for an "add".
CONCEPT = "arena.housing"


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return reviewed_corpus(tmp_path_factory.mktemp("remove"))


@pytest.fixture
def corpus(built_corpus: Paths, tmp_path: Path) -> Paths:
    return private_copy(built_corpus, tmp_path)


def documents(paths: Paths) -> dict[str, str]:
    """doc_id → source file, from the manifest as it is now."""
    return {m.doc_id: m.source_file for m in load_manifest(paths.manifest, paths.cities, paths.raw)}


def last_document(paths: Paths) -> str:
    """The manifest's last document (in the shipped corpus, the only Malmö one)."""
    return list(documents(paths))[-1]


def passages(paths: Paths, doc_id: str) -> list[tuple[str, int, int]]:
    """(item_id, char_start, char_end) of a document's passages, in reading order."""
    with duckdb.connect(str(paths.db), read_only=True) as con:
        return con.execute(
            "SELECT item_id, char_start, char_end FROM items WHERE doc_id = ? ORDER BY char_start",
            [doc_id],
        ).fetchall()


def db_documents(paths: Paths) -> list[str]:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY 1").fetchall()]


def stale(paths: Paths) -> list[str]:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute("SELECT message FROM build_log WHERE topic = 'stale decision'")
        return [r[0] for r in rows.fetchall()]


def decide_on(paths: Paths, *item_ids: str) -> None:
    for item_id in item_ids:
        record_decision(paths.review, Decision(item_id, "", CONCEPT, "add", "Anna"))
    build(paths, quiet)


# ---------------------------------------------------------------- what a removal does


def test_remove_takes_the_document_out_and_keeps_its_decisions(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    source_file = documents(corpus)[doc_id]
    first, *_ = passages(corpus, doc_id)
    decide_on(corpus, first[0])
    review_before = corpus.review.read_bytes()
    result = remove(corpus, doc_id, quiet)
    assert doc_id not in documents(corpus)
    assert not (corpus.raw / source_file).exists()
    assert doc_id not in db_documents(corpus)
    assert corpus.review.read_bytes() == review_before, "review.csv is never rewritten"
    assert len(result.newly_stale) == 1 and first[0] in result.newly_stale[0]
    assert stale(corpus) == list(result.newly_stale)
    assert not (corpus.data / ".ingest-journal").exists()


def test_a_removed_document_put_back_gets_its_decisions_back(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    source_file = documents(corpus)[doc_id]
    data = (corpus.raw / source_file).read_bytes()
    first, *_ = passages(corpus, doc_id)
    decide_on(corpus, first[0])
    meta = load_manifest(corpus.manifest, corpus.cities, corpus.raw)[-1]
    remove(corpus, doc_id, quiet)
    ingest_bytes(
        corpus,
        source_file,
        data,
        city=meta.city,
        organ=meta.organ,
        doc_kind=meta.doc_kind,
        date=meta.date,
        title=meta.title,
        dnr=meta.dnr,
        relates_to=meta.relates_to,
        progress=quiet,
    )
    assert stale(corpus) == []
    with duckdb.connect(str(corpus.db), read_only=True) as con:
        status = con.execute(
            "SELECT status FROM mappings WHERE item_id = ? AND concept_id = ?", [first[0], CONCEPT]
        ).fetchall()
    assert status == [("accepted",)]


def test_cli_removes_and_reports_the_stale_decisions(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    first, *_ = passages(corpus, doc_id)
    decide_on(corpus, first[0])
    done = run_cli(corpus, "remove", documents(corpus)[doc_id])  # the file name works too
    assert done.returncode == 0, done.stderr
    assert f"removed {doc_id} (" in done.stdout
    assert "1 review decisions no longer apply" in done.stdout and first[0] in done.stdout
    assert doc_id not in db_documents(corpus)


# ---------------------------------------------------------------- what a replacement does


def test_replace_keeps_the_id_and_the_decisions_on_unchanged_passages(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    source_file = documents(corpus)[doc_id]
    description = load_manifest(corpus.manifest, corpus.cities, corpus.raw)[-1]
    found = passages(corpus, doc_id)
    (kept, _, _), (dropped, start, end) = found[0], found[-1]
    decide_on(corpus, kept, dropped)
    text = (corpus.raw / source_file).read_text(encoding="utf-8")
    new_version = (text[:start] + text[end:]).encode("utf-8")
    result = replace_document(corpus, doc_id, "Ny version av rapporten.txt", new_version, quiet)
    assert result.doc_id == doc_id and result.source_file == source_file
    assert (corpus.raw / source_file).read_bytes() == new_version
    assert load_manifest(corpus.manifest, corpus.cities, corpus.raw)[-1] == description
    assert [d for d in result.newly_stale if kept in d] == []
    assert len(result.newly_stale) == 1 and dropped in result.newly_stale[0]
    assert result.items == len(found) - 1


def test_replace_with_another_format_stores_it_under_the_id(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    old_file = documents(corpus)[doc_id]
    result = replace_document(corpus, doc_id, "rapport.docx", make_docx(), quiet)
    assert result.source_file == f"{doc_id}.docx"
    assert not (corpus.raw / old_file).exists()
    assert documents(corpus)[doc_id] == f"{doc_id}.docx"
    assert result.items > 0


def test_cli_replaces(corpus: Paths, tmp_path: Path) -> None:
    doc_id = last_document(corpus)
    (tmp_path / "ny.txt").write_text(SWEDISH, encoding="utf-8")
    done = run_cli(corpus, "replace", doc_id, str(tmp_path / "ny.txt"))
    assert done.returncode == 0, done.stderr
    assert f"\nreplaced {doc_id} (" in done.stdout
    assert (corpus.raw / f"{doc_id}.txt").read_text(encoding="utf-8") == SWEDISH


# ---------------------------------------------------------------- refused, nothing changed


def replacing(paths: Paths, name: str, data: bytes, doc_id: str = "") -> Callable[[], object]:
    return lambda: replace_document(paths, doc_id or last_document(paths), name, data, quiet)


def test_unknown_document_is_refused(corpus: Paths) -> None:
    message = refused(corpus, lambda: remove(corpus, "finns_inte", quiet))
    assert message.startswith("there is no document 'finns_inte' in the corpus; documents: ")
    message = refused(corpus, replacing(corpus, "ny.txt", SWEDISH.encode(), "../manifest"))
    assert message.startswith("there is no document '../manifest' in the corpus")


def test_the_last_document_cannot_be_removed(corpus: Paths) -> None:
    ids = list(documents(corpus))
    for doc_id in ids[:-1]:
        remove(corpus, doc_id, quiet)
    message = refused(corpus, lambda: remove(corpus, ids[-1], quiet))
    assert message == f"{ids[-1]}: this is the only document; the corpus cannot be empty"


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_replacement_file_is_refused(
    corpus: Paths, name: str, data: bytes, message: str
) -> None:
    """Every file ingest refuses is refused as a replacement too, with the same message."""
    assert refused(corpus, replacing(corpus, name, data)) == message


@pytest.mark.parametrize(("name", "message"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_replacement_name_is_refused(corpus: Paths, name: str, message: str) -> None:
    assert refused(corpus, replacing(corpus, name, SWEDISH.encode())) == message


def test_oversized_replacement_is_refused(corpus: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.ingest, "MAX_FILE_BYTES", 1000)
    message = refused(corpus, replacing(corpus, "lang.txt", SWEDISH.encode() * 3))
    assert "more than the 0 MB a document may have" in message


def test_replacement_with_another_documents_bytes_is_refused(corpus: Paths) -> None:
    ids = list(documents(corpus))
    twin = (corpus.raw / documents(corpus)[ids[0]]).read_bytes()
    message = refused(corpus, replacing(corpus, "kopia.txt", twin, ids[-1]))
    assert "the same file is already in the corpus as" in message


def test_broken_manifest_is_named_before_anything_is_removed(corpus: Paths) -> None:
    doc_id = last_document(corpus)
    text = corpus.manifest.read_text(encoding="utf-8").replace(",Malmö,", ",Malmoe,")
    corpus.manifest.write_text(text, encoding="utf-8")
    message = refused(corpus, lambda: remove(corpus, doc_id, quiet))
    assert message.startswith("the corpus has a problem to fix before anything can be removed:\n")


def test_a_second_writer_gives_up(corpus: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.ingest, "LOCK_TIMEOUT_SECONDS", 0.3)
    with corpus_lock(corpus):
        message = refused(corpus, lambda: remove(corpus, last_document(corpus), quiet))
    assert message.startswith("another ingest is still running")


def test_cli_refuses_with_status_2(corpus: Paths, tmp_path: Path) -> None:
    before = corpus_snapshot(corpus)
    done = run_cli(corpus, "remove", "finns_inte")
    assert done.returncode == 2 and done.stderr.startswith("error: there is no document")
    done = run_cli(corpus, "replace", last_document(corpus), str(tmp_path / "saknas.txt"))
    assert done.returncode == 2 and "there is no such file" in done.stderr
    assert corpus_snapshot(corpus) == before


# ---------------------------------------------------------------- failures after the start


def build_then_fail(
    paths: Paths, progress: Callable[[str], None], corpus: Corpus | None = None
) -> None:
    """The worst moment: the new database is already published when something fails."""
    build(paths, progress, corpus=corpus)
    raise RuntimeError("disk full")


@pytest.mark.parametrize("change", ["remove", "replace"])
def test_failing_rebuild_restores_everything(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr(etl.ingest, "build", build_then_fail)
    before = corpus_snapshot(corpus)
    doc_id = last_document(corpus)
    with pytest.raises(RuntimeError, match="disk full"):
        if change == "remove":
            remove(corpus, doc_id, quiet)
        else:
            replace_document(corpus, doc_id, "ny.docx", make_docx(), quiet)
    assert corpus_snapshot(corpus) == before
    assert not (corpus.data / ".ingest-journal").exists()


@pytest.mark.parametrize("change", ["remove", "replace"])
def test_an_interrupted_change_is_rolled_back_by_the_next_writer(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    before = corpus_snapshot(corpus)

    die_before_building(monkeypatch)
    with pytest.raises(SystemExit):
        if change == "remove":
            remove(corpus, last_document(corpus), quiet)
        else:
            replace_document(corpus, last_document(corpus), "ny.txt", SWEDISH.encode(), quiet)
    assert corpus_snapshot(corpus) != before
    monkeypatch.undo()
    with corpus_lock(corpus):
        assert recover(corpus) is True
    assert corpus_snapshot(corpus) == before


def test_a_refused_change_raises_problems_for_the_app(corpus: Paths) -> None:
    with pytest.raises(InputError) as error:
        remove(corpus, "finns_inte", quiet)
    assert [p.key for p in error.value.problems] == ["unknown_document"]


# ---------------------------------------------------------------- killed at any moment


def test_killed_remove_is_rolled_back_or_complete(built_corpus: Paths, tmp_path: Path) -> None:
    outcomes = killed_change_outcomes(
        built_corpus, tmp_path, ["remove", last_document(built_corpus)]
    )
    assert "rolled back" in outcomes


def test_killed_replace_is_rolled_back_or_complete(built_corpus: Paths, tmp_path: Path) -> None:
    (tmp_path / "ny_version.docx").write_bytes(make_docx())
    outcomes = killed_change_outcomes(
        built_corpus,
        tmp_path,
        ["replace", last_document(built_corpus), str(tmp_path / "ny_version.docx")],
    )
    assert "rolled back" in outcomes


# ---------------------------------------------------------------- the Sources page


def open_sources(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ATLAS_DATA", str(paths.data))
    monkeypatch.setenv("ATLAS_DB", str(paths.db))
    return open_page("sources")


def change_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.form_id == "change")


def test_sources_page_removes_after_confirmation_and_reports_stale(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = last_document(corpus)
    first, *_ = passages(corpus, doc_id)
    decide_on(corpus, first[0])
    at = open_sources(corpus, monkeypatch)
    at.selectbox(key="change_doc").set_value(doc_id)
    at.radio(key="change_action").set_value("remove")
    change_button(at).click().run()
    assert at.error[0].value.startswith("Kryssa i rutan"), "nothing happens unconfirmed"
    assert doc_id in documents(corpus)
    at.checkbox(key="change_sure").check()
    change_button(at).click().run()
    assert not at.exception
    assert "är borttaget" in at.success[0].value
    assert at.warning[0].value.startswith("1 granskningsbeslut gäller inte längre")
    assert doc_id not in documents(corpus)
    assert doc_id not in at.selectbox(key="change_doc").options


def test_sources_page_replacement_needs_a_file_and_refuses_bad_ones(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = corpus_snapshot(corpus)
    at = open_sources(corpus, monkeypatch)
    at.checkbox(key="change_sure").check()
    change_button(at).click().run()
    assert at.error[0].value.startswith("Välj filen med den nya versionen")
    at.get("file_uploader")[1].set_value(("ny.txt", b"   \n", "text/plain"))
    change_button(at).click().run()
    assert not at.exception
    assert "the file is empty" in at.error[0].value, "load's refusal, introduced as English"
    assert corpus_snapshot(corpus) == before
