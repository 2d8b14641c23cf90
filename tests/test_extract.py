"""Extraction on the shipped corpus: the items an analyst expects, with exact offsets.

Runs parse → repair → extract on each document exactly as the build does.
"""

from __future__ import annotations

from functools import cache

import pytest

from etl.model import Item
from etl.paths import Paths
from etl.pipeline import lexicon_for, process_document, read_sources
from etl.text import fold


@cache
def corpus_items() -> dict[str, tuple[Item, ...]]:
    sources = read_sources(Paths.from_env())
    lexicon = lexicon_for(sources)
    return {s.meta.doc_id[:3]: process_document(s, lexicon)[2] for s in sources}


@cache
def source_texts() -> dict[str, str]:
    return {s.meta.doc_id[:3]: s.text for s in read_sources(Paths.from_env())}


def of_kind(doc: str, kind: str) -> list[str]:
    return [i.text for i in corpus_items()[doc] if i.kind == kind]


def has(texts: list[str], fragment: str) -> bool:
    return any(fragment in text for text in texts)


DEVELOPMENT_AREAS = [
    "Öka kunskapen om rasism och diskriminering",
    "Motverka att barn och unga utsätts för rasism",
    "Stärka samverkan med civilsamhället i arbetet mot rasism",
]


def test_stockholm_plan_development_areas_in_both_responses() -> None:
    for doc in ("000", "001"):
        components = of_kind(doc, "component")
        assert [c for c in components if c in DEVELOPMENT_AREAS] == DEVELOPMENT_AREAS


def test_stockholm_plan_five_focal_forms_of_racism() -> None:
    focal = [c.split(" – ")[0] for c in of_kind("001", "component") if " – " in c]
    assert focal == ["Afrofobi", "Antisemitism", "Antiziganism", "Islamofobi", "Rasism mot samer"]


def test_mr_programme_focus_areas_staircase_and_action_plans() -> None:
    components = of_kind("003", "component")
    for focus_area in (
        "Kunskap och information",
        "Välfärd och service",
        "Delaktighet och inflytande",
    ):
        assert focus_area in components
    staircase = [
        "Kompetenshöjande insatser sker regelbundet och till nyanställda.",
        "Styrdokument och rutiner inkluderar de mänskliga rättigheterna",
        "Metoder och arbetssätt för kartläggningar och analyser är anpassade",
        "Delaktighet och inflytande tillgodoses i frågor",
        "Systematiskt arbete - insatser tas fram utifrån mål",
        "Sammanhållen uppföljning av arbetet genomförs utifrån mål",
    ]
    for step in staircase:
        assert has(components, step), step
    plans = [
        "Att motverka rasism",
        "Barnets rättigheter och inflytande i Stockholms stad",
        "De nationella minoriteternas rättigheter",
        "Ett jämställt Stockholm",
        "Lika rättigheter och möjligheter oavsett sexuell läggning",
        "Romsk inkludering",
    ]
    for plan in plans:
        assert has(components, plan), plan


def test_malmo_seven_implementation_components() -> None:
    assert [c for c in of_kind("004", "component") if len(c) < 40] == [
        "Mål och styrning",
        "Kunskap och statistik",
        "Kompetenshöjande insatser",
        "Metodutveckling",
        "Samverkan internt och externt",
        "Kommunikation och spridning",
        "Uppföljning och utvärdering",
    ]


def test_malmo_efforts_are_activities_one_each() -> None:
    activities = of_kind("004", "activity")
    efforts = [
        "handlingsplan mot islamofobi",
        "nationella minoriteters rättigheter",
        "ECCAR",
        "Unesco LUCS",
        "Pedagogisk Inspiration Malmö",
        "Öppna Malmö",
        "Kulturförvaltningen bedriver sedan 2020",
        "uppdrag som arbetsgivare",
        "Förstärkning av rättighetsperspektivet i analys och uppföljning",
        "Förstärkning av arbetet med samordning och implementering",
        "Kunskapshöjning och påbörjan till metodutveckling",
        "stadsövergripande digital plattform",
        "Utveckling av samverkansforum",
        "spridningskonferens planeras under hösten 2024",
        "Fokuserat arbete med fokus på särskilt utsatta grupper",
    ]
    for effort in efforts:
        assert sum(effort in a for a in activities) >= 1, effort
    assert len(activities) == len(efforts)


def test_malmo_conclusions_are_recommendations() -> None:
    recommendations = of_kind("004", "recommendation")
    assert has(recommendations, "mäta ojämlikheten i staden")
    assert has(recommendations, "gemensam kompetensutveckling, forum för dialog")
    assert len(recommendations) == 11


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ("000", "budgetaktivitet"),
        ("000", "samla ihop MR-programmets handlingsplaner i en sammanhållen handlingsplan"),
        ("000", "lanseras samtidigt"),
        ("000", "konkreta mätmetoder"),
        ("000", "Kontaktcenter Stockholm"),
        ("000", "metodstöd till chefer"),
        ("001", "själva kan identifiera och formulera de aktiviteter"),
        ("003", "grundutbildning i mänskliga rättigheter"),
        ("003", "blir med konkreta och tydliga"),
        ("003", "harmonisera med varandra"),
        ("003", "minskat fokus"),
        ("003", "sammanhållet arbete även kring dessa frågor"),
    ],
)
def test_every_committee_proposal_is_a_recommendation(doc: str, fragment: str) -> None:
    assert has(of_kind(doc, "recommendation"), fragment)


def test_overall_positions_are_responses() -> None:
    assert of_kind("000", "response")[0].startswith(
        "Serviceförvaltningen anser att det är positivt"
    )
    assert of_kind("001", "response")[0].startswith("Miljöförvaltningen anser att förslaget")
    assert of_kind("003", "response")[0].startswith("Socialförvaltningen ser överlag positivt")


def test_procedure_is_never_an_item() -> None:
    every = " ".join(i.text for items in corpus_items().values() for i in items)
    for procedural in (
        "Justera beslutet omedelbart",
        "Godkänna förvaltningens tjänsteutlåtande",
        "Fritidsnämnden",
        "Kommunstyrelsens arbetsutskott 2024-04-29",
        "Ärendet har beretts",
        "Hur arbetar ni systematiskt",
    ):
        assert procedural not in every


@pytest.mark.parametrize("doc", ["000", "001", "003", "004"])
def test_offsets_locate_the_raw_text_of_each_item(doc: str) -> None:
    source = source_texts()[doc]
    for item in corpus_items()[doc]:
        assert source[item.char_start : item.char_end] == item.text_raw
        raw_words, words = fold(item.text_raw).split(), fold(item.text).split()
        assert raw_words[-1] == words[-1] or doc in ("000", "003")
        assert len(item.text_raw.split()) >= len(words) - 1


def test_item_ids_are_unique_and_stable() -> None:
    first = [i.item_id for items in corpus_items().values() for i in items]
    corpus_items.cache_clear()
    assert [i.item_id for items in corpus_items().values() for i in items] == first
    assert len(set(first)) == len(first)


def test_years_mentioned_by_activities() -> None:
    by_text = {i.text[:30]: i.years for i in corpus_items()["004"] if i.kind == "activity"}
    assert by_text["Malmö stad deltar sedan 2006 i"] == (2006,)
    assert (2023, 2026) == next(y for t, y in by_text.items() if t.startswith("En del av Malmö"))
