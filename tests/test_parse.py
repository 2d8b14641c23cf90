"""Parsing: sections by the standard headings, page furniture removed, text rejoined."""

from __future__ import annotations

import pytest

from etl.language import language
from etl.model import DocumentMeta, ParsedDocument, SourceText
from etl.parse import clean_with_map, parse_document
from etl.paths import ROOT
from etl.text import fold

RAW = ROOT / "data" / "raw"
DOCS = {
    "000": "000_c5242cab91dd5620.txt",
    "001": "001_1b10471eeb29dce3.txt",
    "003": "003_5cd601967da3769b.txt",
    "004": "004_42a1907bf947dec8.txt",
}
REMISSVAR_SECTIONS = (
    "forslag",
    "sammanfattning",
    "bakgrund",
    "arendet",
    "beredning",
    "synpunkter",
    "bilagor",
)


def parsed(text: str, kind: str = "response") -> ParsedDocument:
    meta = DocumentMeta("t", "t.txt", "Stockholm", "Nämnd", kind, "Titel")
    return parse_document(SourceText(meta=meta, text=text, sha256=""))


def parse_shipped(doc: str) -> ParsedDocument:
    return parsed(RAW.joinpath(DOCS[doc]).read_text(encoding="utf-8"))


def texts(doc: ParsedDocument, **where: str) -> list[str]:
    return [
        b.text for b in doc.blocks if all(getattr(b, key) == value for key, value in where.items())
    ]


@pytest.mark.parametrize("doc", ["000", "001", "003"])
def test_remissvar_sections_found_in_order_also_when_garbled(doc: str) -> None:
    assert parse_shipped(doc).sections == REMISSVAR_SECTIONS


def test_malmo_report_sections_include_its_own_headings() -> None:
    sections = parse_shipped("004").sections
    assert sections[:2] == ("referens", "sammanfattning")
    assert "uppdraget" in sections
    assert "other:Slutsatser av relevans för budgetuppdraget" in sections
    assert "other:Arbete specifikt mot rasism och diskriminering" in sections
    assert "other:Organisering och fortsatt arbete" in sections
    assert "other:Avslutande slutsatser" in sections


def test_subheadings_stay_inside_arendet() -> None:
    subsections = {b.subsection for b in parse_shipped("001").blocks if b.section == "arendet"}
    assert {"Genomförande", "Identifierade utvecklingsområden"} <= subsections
    assert "Programmets innehall" in {b.subsection for b in parse_shipped("003").blocks}


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_block_offsets_point_at_their_raw_text(doc: str) -> None:
    document = parse_shipped(doc)
    for block in document.blocks:
        raw = document.source.text[block.raw_start : block.raw_end]
        assert clean_with_map(raw)[0].split()[:3] == block.text.split()[:3]


def test_page_furniture_and_signatures_are_removed() -> None:
    every_text = " ".join(b.text for d in DOCS for b in parse_shipped(d).blocks)
    for furniture in ("Sida 5 (5)", "Dnr 2024-22672", "Charlotte Goliath", "Anna Hadenius"):
        assert furniture not in every_text
    assert "kajsa.magnusson@malmo.se" not in every_text


def test_ocr_bullets_and_leading_space_bullets_become_list_items() -> None:
    assert texts(parse_shipped("000"), section="arendet", form="bullet") == [
        "Oka kunskapen om rasism och diskriminering",
        "Motverka att barn och unga utsitts for rasism",
        "Stirka samverkan med civilsamhéllet i arbetet mot rasism",
    ]
    focal = texts(parse_shipped("001"), section="arendet", form="bullet")
    assert [t.split(" – ")[0] for t in focal] == [
        "Afrofobi",
        "Antisemitism",
        "Antiziganism",
        "Islamofobi",
        "Rasism mot samer",
    ]


def test_unmarked_list_after_a_lead_in_is_a_list() -> None:
    plans = texts(parse_shipped("003"), section="arendet", form="bullet")
    assert plans[:6] == [
        "Att motverka rasism",
        "Barnets réttigheter och inflytande 1 Stockholms stad",
        "De nationella minoriteternas réttigheter",
        "Ett jamstillt Stockholm",
        "Lika réttigheter och mdjligheter oavsett sexuell ldggning, konsidentitet och "
        "konsuttryck (hbtqi)",
        "Romsk inkludering",
    ]


def test_numbered_title_is_separated_from_its_description() -> None:
    document = parse_shipped("001")
    numbered = texts(document, section="arendet", form="numbered")
    assert numbered == [
        "Öka kunskapen om rasism och diskriminering",
        "Motverka att barn och unga utsätts för rasism",
        "Stärka samverkan med civilsamhället i arbetet mot rasism",
    ]


def test_hyphenation_and_page_breaks_are_rejoined() -> None:
    bakgrund = " ".join(texts(parse_shipped("001"), section="bakgrund"))
    assert "samhällsuppgifter" in bakgrund
    assert "MR-programmet" in " ".join(b.text for b in parse_shipped("001").blocks)
    synpunkter = " ".join(texts(parse_shipped("003"), section="synpunkter"))
    assert "behov av ett samlat stod 1 kompetenshdjande insatser" in synpunkter
    merged = texts(parse_shipped("004"), form="bullet")
    assert any("social jämlikhet och lika rättigheter och möjligheter" in t for t in merged)


def test_small_input_with_word_glyph_bullets_and_footer() -> None:
    text = (
        "Ärendet\n\nPlanen har tre delar:\n\uf0b7 Första delen\n\uf0b7 Andra delen som\n"
        "fortsätter här\n\nSida 2 (3)\n\nTjänsteutlåtande\nDnr 2024-1\n\nBilagor\n"
    )
    document = parsed(text)
    assert texts(document, form="bullet") == ["Första delen", "Andra delen som fortsätter här"]
    assert document.sections == ("arendet", "bilagor")


def test_fold_makes_garbled_and_clean_headings_alike() -> None:
    assert fold("Förvaltningens **förslag** till beslut") == "forvaltningens forslag till beslut"
    assert fold("Arendet") == fold("Ärendet")


def test_clean_with_map_locates_every_character() -> None:
    raw = "- Arbetet med samhälls-\nuppgifter och MR-\nprogrammet"
    clean, where = clean_with_map(raw)
    assert clean == "Arbetet med samhällsuppgifter och MR-programmet"
    assert all(raw[w] == c for c, w in zip(clean, where, strict=True) if c != " ")


@pytest.mark.parametrize("code", ["sv", "en"])
def test_a_heading_opens_the_first_section_in_file_order_whose_pattern_matches(code: str) -> None:
    """`heading_section` asks every section at one match; it must answer as asking them one by
    one in file order does, on every line of the shipped documents and every section label."""
    lang = language(code)
    lines = [ln for doc in DOCS.values() for ln in RAW.joinpath(doc).read_text().splitlines()]
    folded = {fold(t) for t in [*lines, *(s.label for s in lang.sections)]}
    found = 0
    for text in folded:
        one_by_one = next((s for s in lang.sections if s.pattern.match(text)), None)
        assert lang.heading_section(text) == one_by_one
        found += one_by_one is not None
    assert found >= len(lang.sections) // 2  # the comparison met real headings
