"""Dedupe on the shipped corpus and on small inputs: one unit per policy component, never more.

Stockholm's three development areas are summarised by two committees (000 and 001); each must
be one unit with two sources. Nothing may join across cities, across policies or within one
document (001 lists five forms of racism that are distinct on purpose).
"""

from __future__ import annotations

import random

import duckdb
import pytest
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from etl.dedupe import MIN_LENGTH_RATIO, SAME_UNIT_SCORE, assign_units, character_counts
from etl.model import Item
from etl.parse import fold
from etl.paths import ROOT, Paths

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


def all_pairs_units(items: list[Item], policy: dict[str, str]) -> dict[str, str]:
    """The units every pair scored gives: the definition blocking must reproduce."""
    parent = {i.item_id: i.item_id for i in items}

    def root(item_id: str) -> str:
        while parent[item_id] != item_id:
            item_id = parent[item_id]
        return item_id

    for n, left in enumerate(items):
        for right in items[n + 1 :]:
            same_group = (left.city, policy[left.doc_id]) == (right.city, policy[right.doc_id])
            a, b = fold(left.text), fold(right.text)
            if (
                same_group
                and left.doc_id != right.doc_id
                and min(len(a), len(b)) >= MIN_LENGTH_RATIO * max(len(a), len(b))
                and fuzz.token_sort_ratio(a, b) >= SAME_UNIT_SCORE
            ):
                low, high = sorted((root(left.item_id), root(right.item_id)))
                parent[high] = low
    return {i.item_id: root(i.item_id) for i in items}


def test_blocking_finds_the_units_all_pairs_would() -> None:
    """Texts from the shipped corpus, copied into several documents with a few letters changed,
    dropped or swapped, some word order changed and some cut short: near and far pairs alike."""
    rng = random.Random(12)
    base = [
        line.strip()
        for path in sorted((ROOT / "data" / "raw").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if 10 <= len(line.strip()) <= 200
    ]
    texts = rng.sample(base, 60)
    items: list[Item] = []
    for doc in "abcdefgh":
        for n, text in enumerate(rng.sample(texts, 25)):
            chars = list(text)
            for _ in range(rng.choice((0, 1, 2, 4, 8, 16))):
                k = rng.randrange(len(chars))
                chars[k : k + 1] = rng.choice(([], ["x"], [chars[k], "e"]))
            words = "".join(chars).split()
            if rng.random() < 0.2:
                rng.shuffle(words)
            if rng.random() < 0.1:
                words = words[: max(1, len(words) * 3 // 4)]
            items.append(component(f"{doc}:{n}", doc, "Stockholm", " ".join(words) or text))
    policy = {doc: "plan" if doc < "g" else "other plan" for doc in "abcdefgh"}
    blocked = {i.item_id: i.unit_id for i in assign_units(items, policy)}
    expected = all_pairs_units(items, policy)
    assert blocked == expected
    assert len(items) - len(set(expected.values())) >= 20, "the sample must join many pairs"


def test_the_filters_are_lower_bounds_on_the_edits_between_two_texts() -> None:
    """Length and character-count differences never exceed the Indel distance blocking uses."""
    rng = random.Random(3)
    words = "öka kunskapen om rasism och diskriminering i staden 2024 – mot samer".split()
    for _ in range(500):
        a, b = (" ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(2))
        a, b = fold(a), fold(b)
        edits = Indel.distance(a, b)
        assert abs(len(a) - len(b)) <= edits
        assert abs(character_counts(a) - character_counts(b)).sum() <= edits
