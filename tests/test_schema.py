"""The schema declared once (etl/schema.py): what is derived from it agrees with it and with
the records the stages pass, and its checks name what is wrong."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields

import duckdb
import pytest

from etl.model import COVERAGE_STATES, QUALITY_BOUNDS, DocumentMeta, Item, Mapping
from etl.overrides import Decision
from etl.paths import ROOT, Paths
from etl.publish import (
    COVERAGE_VIEW,
    STATE_CONDITIONS,
    Documents,
    PublishCheckFailed,
    check,
    document_frames,
    record_columns,
    whole_frames,
)
from etl.schema import (
    TABLES,
    VIEWS,
    columns_frame,
    ddl,
    frame,
    markdown,
    polars_schema,
    table,
)
from etl.taxonomy import REQUIRED_CONCEPT_IDS, Concept, Taxonomy
from tests.check_contract import contract_problems

OWNERS_CHECKER = ROOT.parent / "shared" / "tools" / "check_contract.py"


@pytest.fixture
def empty_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with every declared table (empty) and the views."""
    with duckdb.connect() as con:
        con.execute(ddl())
        con.execute(COVERAGE_VIEW)
        yield con


def test_the_schema_document_is_generated_from_the_declaration() -> None:
    written = (ROOT / "docs" / "SCHEMA.md").read_text(encoding="utf-8")
    assert written == markdown() + "\n", (
        "docs/SCHEMA.md is out of date: run `.venv/bin/python -m etl.schema > docs/SCHEMA.md`"
    )


def test_the_ddl_creates_each_declared_column_with_its_type_and_nullability(
    empty_db: duckdb.DuckDBPyConnection,
) -> None:
    for declared in (*TABLES, *VIEWS):
        described = empty_db.execute(f"DESCRIBE {declared.name}").fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [
            (c.name, c.type) for c in declared.columns
        ], declared.name
        if declared in TABLES:
            nullable = [name for name, _, null, *_ in described if null == "YES"]
            assert nullable == [c.name for c in declared.columns if c.nullable], declared.name


def test_publish_fills_every_declared_table_with_its_declared_columns() -> None:
    built = {
        **document_frames(Documents((), (), (), ())),
        **whole_frames(Taxonomy((), ()), (), (), ()),
        "build_log": frame("build_log", ()),
    }
    assert sorted(built) == sorted(t.name for t in TABLES)
    for name, rows in built.items():
        assert dict(rows.schema) == polars_schema(name), name


def test_every_key_and_reference_names_declared_columns() -> None:
    for declared in (*TABLES, *VIEWS):
        assert set(declared.key) <= set(declared.names), declared.name
        for column in declared.columns:
            if column.references:
                assert len(table(column.references).key) == 1, f"{declared.name}.{column.name}"


# Each record the stages pass → the table it fills, the columns publish adds beside its fields,
# and the fields that table does not store (they go to another table or nowhere).
RECORDS = (
    (
        DocumentMeta,
        "documents",
        {"sha256", "repaired", "item_count", "language", "coverage"},
        set(),
    ),
    (Item, "items", {"position"}, set()),
    (Mapping, "mappings", set(), set()),
    (Mapping, "suggestions", set(), {"status"}),
    (Concept, "concepts", {"position"}, {"aliases", "exclude"}),
    (Decision, "cell_reviews", set(), {"item_id", "decision"}),
)


@pytest.mark.parametrize(("record", "name", "added", "not_stored"), RECORDS)
def test_record_fields_are_the_columns_of_their_table(
    record: type, name: str, added: set[str], not_stored: set[str]
) -> None:
    stored = {f.name for f in fields(record)} - not_stored
    assert stored | added == set(table(name).names)
    assert not stored & added


def test_every_coverage_state_has_exactly_one_condition() -> None:
    assert sorted(STATE_CONDITIONS) == sorted(COVERAGE_STATES)


def test_the_coverage_view_gives_each_state(empty_db: duckdb.DuckDBPyConnection) -> None:
    empty_db.execute(
        "INSERT INTO documents VALUES ('d', 'Ort', 'KS', 'plan', 'T', '', '', '', 'd.txt', 'x', "
        "false, 1, 'sv', 1.0);"
        "INSERT INTO concepts VALUES ('c1', 'eccar', 'a', 'a', '', '', 0), "
        "('c2', 'eccar', 'b', 'b', '', '', 1), ('c3', 'eccar', 'c', 'c', '', '', 2), "
        "('c4', 'eccar', 'd', 'd', '', '', 3);"
        "INSERT INTO items VALUES ('i', 'd', 'Ort', 'component', 't', 't', 's', '', 0, 1, 'i', "
        "'', [], 0);"
        "INSERT INTO mappings VALUES ('i', 'c1', 90, 'fuzzy', 'a', 'accepted', 0, 1, 'alias', ''), "
        "('i', 'c2', 90, 'fuzzy', 'b', 'auto', 0, 1, 'alias', ''), "
        "('i', 'c3', 90, 'fuzzy', 'c', 'auto', 0, 1, 'alias', '');"
        "INSERT INTO cell_reviews VALUES ('Ort', 'c3', 'r', '', ''), ('Ort', 'c4', 'r', '', '');"
    )
    states = empty_db.execute("SELECT concept_id, state FROM coverage ORDER BY 1").fetchall()
    # A reviewer's "not covered" outranks a suggestion (c3), an acceptance outranks both.
    assert states == [
        ("c1", "confirmed"),
        ("c2", "suggested"),
        ("c3", "reviewed_not_covered"),
        ("c4", "reviewed_not_covered"),
    ]
    empty_db.execute("DELETE FROM cell_reviews")
    assert empty_db.execute("SELECT state FROM coverage WHERE concept_id = 'c4'").fetchall() == [
        ("not_found",)
    ]


def test_publish_check_names_the_bad_keys_values_and_references(
    empty_db: duckdb.DuckDBPyConnection,
) -> None:
    empty_db.execute(
        "INSERT INTO concepts VALUES ('c1', 'eccar', 'a', 'a', '', '', 0);"
        "INSERT INTO crosswalk VALUES ('c1', 'c1'), ('c1', 'c1'), ('c1', 'eccar.99');"
        "INSERT INTO mappings VALUES ('i9', 'c1', 50, 'guess', NULL, 'auto', -1, -1, 'alias', '');"
    )
    with pytest.raises(PublishCheckFailed) as error:
        check(empty_db)
    assert str(error.value).splitlines() == [
        "the built database breaks its own rules:",
        "crosswalk: key ('c1', 'c1') repeated 2 times or null",
        "crosswalk.eccar_id: 'eccar.99' not found in concepts",
        "mappings.item_id: 'i9' not found in items",
        "mappings.method: value 'guess' not allowed",
    ]


def test_frames_are_typed_by_the_schema_and_name_a_missing_column() -> None:
    bounds = dict.fromkeys(QUALITY_BOUNDS)
    row = {"concept_id": "all", "precision": 1, "recall": 0.5, "support": 2, **bounds}
    built = frame("quality", [row])
    assert dict(built.schema) == polars_schema("quality")
    assert frame("build_log", []).columns == ["topic", "message"]
    with pytest.raises(KeyError, match="build_log: rows lack column\\(s\\) message"):
        frame("build_log", [{"topic": "unmapped"}])


def test_column_frames_are_the_row_frames() -> None:
    """The large tables' frames are made from columns; a list column (tuples, as the records
    hold them) comes out as rows would give it, an empty one kept apart from values."""
    items = [
        Item("i1", "d", "Malmö", "activity", "Text 2024", "Text 2024", "A", 0, 9, years=(2024,)),
        Item("i2", "d", "Malmö", "component", "Mål", "Mål", "B", 10, 13),
    ]
    rows = [
        {**vars(item), "years": list(item.years), "position": n} for n, item in enumerate(items)
    ]
    by_columns = columns_frame("items", {**record_columns(items, Item), "position": [0, 1]})
    assert by_columns.equals(frame("items", rows))
    assert by_columns["years"].to_list() == [[2024], []]
    with pytest.raises(KeyError, match="skipped_blocks: rows lack column\\(s\\) reason"):
        columns_frame(
            "skipped_blocks",
            {"doc_id": ["d"], "char_start": [0], "char_end": [1], "text_raw": ["x"]},
        )


def test_contract_check_names_a_missing_column_and_missing_concepts(
    empty_db: duckdb.DuckDBPyConnection,
) -> None:
    assert contract_problems(empty_db) == [
        f"concepts: missing id {concept_id}" for concept_id in REQUIRED_CONCEPT_IDS
    ]
    empty_db.execute("DROP VIEW coverage; DROP VIEW live_links")
    empty_db.execute("ALTER TABLE mappings DROP COLUMN matched_alias")
    assert contract_problems(empty_db) == [
        "mappings: missing column matched_alias",
        "missing table or view: live_links",
        "missing table or view: coverage",
    ]


@pytest.mark.skipif(not OWNERS_CHECKER.exists(), reason="the owners' ../shared is not present")
def test_the_owners_contract_checker_passes_on_the_built_corpus(built_data: Paths) -> None:
    result = subprocess.run(
        [sys.executable, str(OWNERS_CHECKER), str(built_data.db)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("contract holds: documents=4, items=")


@pytest.mark.skipif(not OWNERS_CHECKER.exists(), reason="the owners' ../shared is not present")
def test_the_columns_marked_contract_are_the_ones_the_owners_require() -> None:
    spec = importlib.util.spec_from_file_location("owners_check_contract", OWNERS_CHECKER)
    assert spec is not None and spec.loader is not None
    owners = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(owners)
    marked = {
        t.name: [c.name for c in t.columns if c.contract]
        for t in TABLES
        if any(c.contract for c in t.columns)
    }
    assert marked == owners.REQUIRED
