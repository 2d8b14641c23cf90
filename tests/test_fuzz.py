"""Fuzzing: whatever text or bytes a stranger's file holds, the loader, parser, repair and
extraction either work or raise `InputError`, and every item's offsets point at its own text.

Texts are drawn from the pieces real case papers are made of (standard headings, page
furniture, bullets, hyphenation, OCR-garbled letters, form feeds, CRLF) mixed with arbitrary
Unicode, so that the parser's rules are exercised and not only its fallbacks.
"""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.errors import InputError
from etl.extract import extract_items
from etl.load import decode_text, extract_text, load_source
from etl.model import DOC_KINDS, DocumentMeta, ParsedDocument, SourceText
from etl.parse import parse_document
from etl.pipeline import process_document
from etl.repair import Lexicon, build_lexicon, repair_text

# Enough to find the cases seen so far; keeps this file to about ten seconds.
FUZZ = settings(max_examples=200, deadline=None)

PIECES = (
    "Förslag till beslut",
    "Forvaltningens forslag till beslut",
    "Sammanfattning",
    "Bakgrund",
    "Ärendet",
    "Arendet",
    "Förvaltningens synpunkter och förslag",
    "Ärendets beredning",
    "Bilagor",
    "Beslutet skickas till",
    "Sida 2 (5)",
    "3 (3)",
    "Dnr 2024-22672",
    "Tjänsteutlåtande",
    "• Utbildning om rasism för chefer",
    "- ett stärkt arbete mot afrofobi",
    "e Samverkan med civilsamhället",
    "1. Förvaltningen föreslår att mätmetoder tas fram.",
    "Förvaltningen anser att handlingsplanen är ett bra kom-",
    "plement till MR-programmet.",
    "Servicenamnden beslutar att stirka arbetet mot rasism 2024-2026.",
    "Förvaltningen föreslår att uppföljningen stärks.",
    "Nämnden ställer sig positiv till programmet.",
    "Malmö stad ska arbeta för mänskliga rättigheter.",
    "<script>alert(1)</script>",
    "\f",
    "\r",
    "",
    "   ",
)
LINES = st.one_of(st.sampled_from(PIECES), st.text(max_size=80))
DOCUMENT_TEXT = st.lists(LINES, max_size=40).map("\n".join)
NEWLINES = st.sampled_from(["\n", "\r\n", "\n\n"])


@functools.cache
def lexicon() -> Lexicon:
    """The repair lexicon (general Swedish, about a second to build: once per session)."""
    return build_lexicon(["Förvaltningen föreslår att arbetet mot rasism stärks."])


def source(text: str, doc_kind: str) -> SourceText:
    meta = DocumentMeta("fuzz", "fuzz.txt", "Stockholm", "Nämnd", doc_kind, "Fuzz")
    return SourceText(meta=meta, text=text, sha256="0" * 64)


def assert_offsets_hold(parsed: ParsedDocument) -> None:
    text = parsed.source.text
    for item in extract_items(parsed):
        assert text[item.char_start : item.char_end] == item.text_raw
        assert 0 <= item.char_start <= item.char_end <= len(text)
    for block in parsed.blocks:
        assert 0 <= block.raw_start <= block.raw_end <= len(text)


@FUZZ
@given(DOCUMENT_TEXT, NEWLINES, st.sampled_from(DOC_KINDS))
def test_parse_and_extract_keep_offsets(text: str, newline: str, doc_kind: str) -> None:
    assert_offsets_hold(parse_document(source(text.replace("\n", newline), doc_kind)))


@FUZZ
@given(DOCUMENT_TEXT, st.sampled_from(DOC_KINDS))
def test_whole_document_processing_keeps_offsets(text: str, doc_kind: str) -> None:
    """The build's own path: parse → repair (if garbled) → extract, offsets into the source."""
    document = source(text, doc_kind)
    _, repaired, items = process_document(document, lexicon())
    assert isinstance(repaired, str)
    for item in items:
        assert text[item.char_start : item.char_end] == item.text_raw


@FUZZ
@given(DOCUMENT_TEXT)
def test_repair_returns_text(text: str) -> None:
    assert isinstance(repair_text(text, lexicon()), str)


@FUZZ
@given(st.binary(max_size=2000))
def test_decode_text_reads_or_refuses(data: bytes) -> None:
    try:
        text = decode_text("fuzz.txt", data)
    except InputError:
        return
    assert isinstance(text, str)


@FUZZ
@given(
    st.sampled_from(["fuzz.txt", "fuzz.pdf", "fuzz.docx", "fuzz.TXT", "fuzz", "fuzz.doc"]),
    st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
    st.binary(max_size=2000),
    st.sampled_from([b"", b"\n%%EOF\n"]),
)
def test_loader_reads_or_refuses_any_file(name: str, magic: bytes, body: bytes, end: bytes) -> None:
    try:
        text = extract_text(name, magic + body + end)
    except InputError:
        return
    assert any(c.isalpha() for c in text)


@FUZZ
@given(st.text(max_size=500).map(str.encode), st.sampled_from(DOC_KINDS))
def test_loaded_text_parses_with_offsets(data: bytes, doc_kind: str) -> None:
    """What the loader accepts, the parser and extraction handle."""
    meta = DocumentMeta("fuzz", "fuzz.txt", "Malmö", "Nämnd", doc_kind, "Fuzz")
    try:
        loaded = load_source(meta, data)
    except InputError:
        return
    assert_offsets_hold(parse_document(loaded))
