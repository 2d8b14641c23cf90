"""Dedupe on the shipped corpus and on small inputs: one unit per policy component, never more.

Stockholm's three development areas are summarised by two committees (000 and 001); each must
be one unit with two sources. Nothing may join across cities, across policies or within one
document (001 lists five forms of racism that are distinct on purpose).
"""

from __future__ import annotations

import duckdb
import pytest

from etl.dedupe import assign_units
from etl.model import Item
from etl.paths import Paths

DEVELOPMENT_AREAS = (
    "Öka kunskapen om rasism och diskriminering",
    "Motverka att barn och unga utsätts för rasism",
    "Stärka samverkan med civilsamhället i arbetet mot rasism",
)
FOCAL_FORMS = ("Afrofobi", "Antisemitism", "Antiziganism", "Islamofobi", "Rasism mot samer")


@pytest.fixture(scope="module")
def units(built_data: Paths) -> list[tuple[str, str, str, str, str]]:
    """(unit_id, item_id, doc_id, city, relates_to) of every item."""
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        return con.execute(
            """
            SELECT i.unit_id, i.item_id, i.doc_id, i.city, d.relates_to
            FROM items i JOIN documents d USING (doc_id) ORDER BY i.unit_id
            """
        ).fetchall()


def test_the_development_areas_are_one_unit_each_with_two_sources(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        for title in DEVELOPMENT_AREAS:
            rows = con.execute(
                "SELECT DISTINCT unit_id, doc_id FROM items WHERE text = ?", [title]
            ).fetchall()
            assert len({unit for unit, _ in rows}) == 1, title
            assert sorted(doc[:3] for _, doc in rows) == ["000", "001"], title


def test_only_the_development_areas_are_merged(
    units: list[tuple[str, str, str, str, str]],
) -> None:
    members: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for row in units:
        members.setdefault(row[0], []).append(row)
    merged = [rows for rows in members.values() if len(rows) > 1]
    assert len(merged) == len(DEVELOPMENT_AREAS)
    for rows in merged:
        assert len({doc for _, _, doc, _, _ in rows}) == len(rows), "one document twice"
        assert len({city for _, _, _, city, _ in rows}) == 1, "across cities"
        assert len({policy for *_, policy in rows}) == 1, "across policies"


def test_the_five_focal_forms_stay_apart(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            "SELECT unit_id, text FROM items WHERE doc_id LIKE '001%' AND text LIKE '% – %'"
        ).fetchall()
    forms = [unit for unit, text in rows if text.startswith(FOCAL_FORMS)]
    assert len(forms) == len(FOCAL_FORMS) == len(set(forms))


def component(item_id: str, doc_id: str, city: str, text: str) -> Item:
    return Item(item_id, doc_id, city, "component", text, text, "Ärendet", 0, len(text))


def test_same_text_joins_only_within_one_city_and_policy() -> None:
    text = "Stärka samverkan med civilsamhället i arbetet mot rasism"
    items = [
        component("a:1", "a", "Stockholm", text),
        component("b:1", "b", "Stockholm", text),
        component("c:1", "c", "Malmö", text),
        component("d:1", "d", "Stockholm", text),
    ]
    policy = {"a": "plan", "b": "plan", "c": "plan", "d": "another plan"}
    unit = {item.item_id: item.unit_id for item in assign_units(items, policy)}
    assert unit["a:1"] == unit["b:1"] == "a:1"
    assert unit["c:1"] == "c:1", "another city"
    assert unit["d:1"] == "d:1", "another policy"


def test_two_passages_of_one_document_are_not_joined() -> None:
    text = "Motverka att barn och unga utsätts för rasism"
    items = [component("a:1", "a", "Stockholm", text), component("a:2", "a", "Stockholm", text)]
    assert [i.unit_id for i in assign_units(items, {"a": "plan"})] == ["a:1", "a:2"]
