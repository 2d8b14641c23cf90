"""The ECCAR report draft, opened with python-docx: ten sections holding the city's evidence."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest
from docx import Document

from etl.overrides import Decision, record_decision
from etl.paths import Paths
from etl.pipeline import reapply_decisions
from etl.read.charts import built_on
from etl.read.query import Atlas, connect
from etl.read.report import eccar_report

KINDS = {"Vad policyerna säger": ("component",), "Vad aktiviteterna gör": ("activity",)}
KINDS_EN = {"What the policies say": ("component",), "What the activities do": ("activity",)}


def sections(data: bytes) -> dict[str, dict[str, list[str]]]:
    """Heading 1 → heading 2 → the paragraphs under it ('' holds those before any heading 2)."""
    found: dict[str, dict[str, list[str]]] = {}
    top = sub = ""
    for paragraph in Document(io.BytesIO(data)).paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style == "Heading 1":
            top, sub = paragraph.text, ""
            found[top] = {"": []}
        elif style == "Heading 2" and top:
            sub = paragraph.text
            found[top][sub] = []
        elif top:
            found[top][sub].append(paragraph.text)
    return found


def report(paths: Paths, city: str, lang: str) -> bytes:
    with connect(paths.db) as con:
        return eccar_report(Atlas(con), city, lang, built_on(paths.db))


@pytest.mark.parametrize("city", ["Malmö", "Stockholm"])
def test_ten_sections_with_the_city_s_evidence_or_nothing_found(
    built_data: Paths, city: str
) -> None:
    shown = sections(report(built_data, city, "sv"))
    numbered = [h for h in shown if re.match(r"\d+\. ", h)]
    assert [int(h.split(".")[0]) for h in numbered] == list(range(1, 11))
    assert list(shown)[10:] == ["Metod", "Källor"]
    with connect(built_data.db) as con:
        atlas = Atlas(con)
        commitments = atlas.coverage("eccar", [city])
        for heading, cell in zip(numbered, commitments.iter_rows(named=True), strict=True):
            assert heading == cell["label_sv"]
            evidence = atlas.concept_evidence(cell["concept_id"], [city])
            for sub, kinds in KINDS.items():
                quoted = " ".join(shown[heading][sub])
                texts = evidence.filter(pl.col("kind").is_in(kinds))["text"].to_list()
                if texts:
                    assert all(f"”{text}”" in shown[heading][sub] for text in texts)
                    assert "Inget hittades i dokumenten." not in quoted
                else:
                    assert shown[heading][sub] == ["Inget hittades i dokumenten."]
            derived = shown[heading]["Vad remissvaren säger"][-1]
            assert derived.startswith("Härledd täckning, via korsreferensen")
    everything = " ".join(p for s in shown.values() for ps in s.values() for p in ps)
    assert "inte gjort" not in everything and "görs inte" not in everything
    with connect(built_data.db) as con:
        titles = Atlas(con).documents().filter(pl.col("city") == city)["title"].to_list()
    assert all(any(p.startswith(title) for p in shown["Källor"][""]) for title in titles)


def test_each_quote_says_where_it_is_in_its_document(built_data: Paths) -> None:
    shown = sections(report(built_data, "Malmö", "sv"))
    quoted = shown["6. Staden som arbetsgivare och tjänsteleverantör med lika möjligheter"]
    policies = quoted["Vad policyerna säger"]
    assert policies[0].startswith("”")
    source = policies[1]
    assert "Kommunstyrelsen / Stadskontoret · 23 april 2024 · avsnittet ”" in source
    assert re.search(r"passage \d+ av \d+ · föreslagen, ännu inte granskad$", source)
    assert not re.search(r"\b\d+:\d+\b", source)  # no character offsets


def test_in_english(built_data: Paths) -> None:
    shown = sections(report(built_data, "Stockholm", "en"))
    assert "7. Fair access to housing" in shown
    assert shown["7. Fair access to housing"]["What the policies say"] == [
        "Nothing found in the documents."
    ]
    assert list(shown)[10:] == ["Method", "Sources"]


def test_reviewed_decisions_count(fresh_built: Paths) -> None:
    """An accepted link is marked as confirmed, a rejected one is left out, a cell a reviewer
    marked as not covered says so, and the method note counts the decisions."""
    with connect(fresh_built.db) as con:
        atlas = Atlas(con)
        evidence = atlas.concept_evidence("eccar.06", ["Malmö"])
        first, second = evidence["item_id"].to_list()[:2]
        rejected_text = evidence["text"][1]
    for item_id, decision in ((first, "accept"), (second, "reject")):
        record_decision(fresh_built.review, Decision(item_id, "", "eccar.06", decision, "test"))
    record_decision(fresh_built.review, Decision("", "Malmö", "eccar.07", "not_covered", "Ann"))
    assert reapply_decisions(fresh_built) == ()
    shown = sections(report(fresh_built, "Malmö", "sv"))
    six = shown["6. Staden som arbetsgivare och tjänsteleverantör med lika möjligheter"]
    passages = [p for ps in six.values() for p in ps]
    assert f"”{rejected_text}”" not in passages
    assert any(p.endswith("bekräftad av en granskare") for p in passages)
    seven = shown["7. Rättvis tillgång till bostäder"][""]
    assert seven[0] == "Direkt täckning: granskad: saknas; antal enheter: 0 (ingen passage)."
    assert seven[1].startswith("En granskare har funnit att stadens dokument inte täcker")
    assert "(Ann, " in seven[1]
    method = shown["Metod"][""][0]
    assert "1 kopplingar är bekräftade och 1 avvisade" in method
