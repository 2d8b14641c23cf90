"""The build: contract kept, grain checked, progress shown, never a half-written database."""

from __future__ import annotations

import hashlib
import inspect
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from test_incremental import content

from etl import pipeline
from etl.errors import InputError
from etl.extract import extract_items
from etl.model import Item, ParsedDocument
from etl.overrides import Decision, record_decisions
from etl.paths import ROOT, Paths
from etl.pipeline import STAGES, Stage, build

CONTRACT = ROOT / "tests" / "check_contract.py"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_contract_holds_on_the_built_corpus(built_data: Paths) -> None:
    result = subprocess.run(
        [sys.executable, str(CONTRACT), str(built_data.db)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("contract holds: documents=4, items=")


def test_units_join_the_development_areas_across_two_responses(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        shared = con.execute(
            "SELECT list(DISTINCT left(doc_id, 3) ORDER BY left(doc_id, 3)), any_value(text) "
            "FROM items GROUP BY unit_id HAVING count(DISTINCT doc_id) > 1 ORDER BY 2"
        ).fetchall()
    assert shared == [
        (["000", "001"], "Motverka att barn och unga utsätts för rasism"),
        (["000", "001"], "Stärka samverkan med civilsamhället i arbetet mot rasism"),
        (["000", "001"], "Öka kunskapen om rasism och diskriminering"),
    ]


def test_build_reports_progress_per_document(fresh_data: Paths) -> None:
    messages: list[str] = []
    report = build(fresh_data, progress=messages.append)
    per_document = [m for m in messages if m.startswith("[")]
    assert [m.split(":")[0] for m in per_document] == [
        "[1/4] 000_c5242cab91dd5620.txt (repaired)",
        "[2/4] 001_1b10471eeb29dce3.txt",
        "[3/4] 003_5cd601967da3769b.txt (repaired)",
        "[4/4] 004_42a1907bf947dec8.txt",
    ]
    assert report.documents == 4 and report.items > 100 and report.units < report.items
    assert messages[-1].startswith(f"published {fresh_data.db} in ")


def test_a_failed_build_leaves_the_previous_database(fresh_data: Paths) -> None:
    build(fresh_data, progress=lambda _: None)
    before = digest(fresh_data.db)
    fresh_data.taxonomy.write_text("[[concept]\nbroken", encoding="utf-8")
    with pytest.raises(InputError):
        build(fresh_data, progress=lambda _: None)
    assert digest(fresh_data.db) == before
    assert [p.name for p in fresh_data.data.iterdir() if p.name.endswith(".tmp")] == []


def test_cli_build_uses_the_environment_paths(fresh_data: Paths) -> None:
    env = {**os.environ, "ATLAS_DATA": str(fresh_data.data), "ATLAS_DB": str(fresh_data.db)}
    result = subprocess.run(
        [sys.executable, "-m", "etl", "build"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "[4/4] 004_42a1907bf947dec8.txt" in result.stdout
    assert fresh_data.db.exists()


def test_the_stage_list_is_what_runs(fresh_data: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stage of `STAGES` runs, in its order, with the inputs it declares (a batched
    stage once over all the documents); a stage swapped in the list is the one the build
    uses."""
    ran: list[str] = []

    def recorded(stage: Stage) -> Stage:
        def run(*args: object) -> object:
            ran.append(stage.name)
            return stage.run(*args)

        return replace(stage, run=run)

    def first_item_only(doc: ParsedDocument) -> tuple[Item, ...]:
        return extract_items(doc)[:1]

    swapped = [replace(s, run=first_item_only) if s.name == "extract" else s for s in STAGES]
    monkeypatch.setattr(pipeline, "STAGES", tuple(recorded(s) for s in swapped))
    report = build(fresh_data, progress=lambda _: None)

    document = [s.name for s in STAGES if s.scope == "document"]
    corpus = [s.name for s in STAGES if s.scope == "corpus"]
    calls = [
        [s.name] * (report.documents if s.scope == "document" and not s.batched else 1)
        for s in STAGES
    ]
    assert ran == [name for stage_calls in calls for name in stage_calls]
    assert document == [
        "load",
        "parse",
        "repair",
        "extract",
        "compare",
        "account",
        "match",
        "stated",
        "map",
    ]
    assert corpus == ["dedupe", "overrides", "log", "publish"]
    with duckdb.connect(str(fresh_data.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM items").fetchone() == (report.documents,)


def test_each_stage_reads_only_what_it_declares() -> None:
    """Names a stage reads are those of the document, the shared data or an earlier output."""
    available = {"meta", "data", "lexicon", "taxonomy", "knowledge", "decisions", "quality"}
    available |= {"undescribed"}
    # What the build plans the corpus stages to publish, and gathers of it as it goes in.
    available |= {"change", "neighbours", "gathered", "publication"}
    for stage in STAGES:
        assert set(stage.inputs) <= available, stage.name
        assert set(stage.kept) <= set(stage.outputs), stage.name
        assert len(inspect.signature(stage.run).parameters) == len(stage.inputs), stage.name
        available |= set(stage.outputs)


def test_the_database_is_the_same_whatever_the_publish_batch(
    fresh_data: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents go into the database being built a batch at a time, and the review
    decisions' links at the end: one document per batch gives the same rows as one batch of
    them all, with decisions on items of different documents (an accept, a reject of an item's
    only link, which leaves it unmapped, an added link, a cell not covered)."""
    build(fresh_data, progress=lambda _: None)
    with duckdb.connect(str(fresh_data.db), read_only=True) as con:
        accepted = con.execute(
            "SELECT item_id, concept_id FROM suggestions ORDER BY ALL LIMIT 1"
        ).fetchone()
        only = con.execute(
            "SELECT any_value(s.item_id), any_value(s.concept_id) FROM suggestions s "
            "JOIN items i USING (item_id) WHERE i.doc_id <> ? "
            "GROUP BY s.item_id HAVING count(*) = 1 ORDER BY 1 LIMIT 1",
            [accepted[0].split(":")[0]],
        ).fetchone()
        bare, city = con.execute(
            "SELECT item_id, city FROM items WHERE item_id NOT IN (SELECT item_id FROM "
            "suggestions) ORDER BY item_id LIMIT 1"
        ).fetchone()
    assert accepted and only, "the shipped corpus has links to decide on"
    concept = accepted[1]
    record_decisions(
        fresh_data.review,
        [
            Decision(accepted[0], "", accepted[1], "accept", "test"),
            Decision(only[0], "", only[1], "reject", "test"),
            Decision(bare, "", concept, "add", "test"),
            Decision("", city, concept, "not_covered", "test"),
        ],
    )
    together = Paths(data=fresh_data.data, db=tmp_path / "together.duckdb")
    alone = Paths(data=fresh_data.data, db=tmp_path / "alone.duckdb")
    build(replace(together, cache_dir=fresh_data.cache), progress=lambda _: None)
    monkeypatch.setattr(pipeline, "PUBLISH_DOCUMENTS", 1)
    build(replace(alone, cache_dir=fresh_data.cache), progress=lambda _: None)
    assert content(alone.db) == content(together.db)
    with duckdb.connect(str(alone.db), read_only=True) as con:
        statuses = con.execute(
            "SELECT item_id, status FROM mappings WHERE item_id IN (?, ?, ?) AND concept_id IN "
            "(?, ?) ORDER BY ALL",
            [accepted[0], only[0], bare, concept, only[1]],
        ).fetchall()
        unmapped = con.execute(
            "SELECT count(*) FROM build_log WHERE topic = 'unmapped' AND message LIKE ?",
            [f"{only[0]}: %"],
        ).fetchone()
    assert {status for _, status in statuses} == {"accepted", "rejected"}
    assert (only[0], "rejected") in statuses and (bare, "accepted") in statuses
    assert unmapped == (1,)
