"""The source manifest: validated on load, every bad entry named with how to fix it."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import corpus_snapshot

from etl.csvtext import read_text
from etl.errors import InputError
from etl.manifest import load_manifest, parse_manifest, read_cities, render_manifest
from etl.paths import Paths
from etl.pipeline import build

HEADER = "source_file,city,organ,doc_kind,title,date,dnr,relates_to\n"
CITIES = ("Stockholm", "Malmö")
FILES = ("a.txt", "b.txt")


def test_shipped_manifest_describes_the_four_documents() -> None:
    paths = Paths.from_env()
    documents = load_manifest(paths.manifest, paths.cities, paths.raw)
    assert [(d.doc_id[:3], d.city, d.doc_kind) for d in documents] == [
        ("000", "Stockholm", "response"),
        ("001", "Stockholm", "response"),
        ("003", "Stockholm", "response"),
        ("004", "Malmö", "report"),
    ]
    assert {d.relates_to for d in documents[:2]} == {"Handlingsplan mot rasism (KS 2024/1035)"}


def test_round_trip_through_render() -> None:
    paths = Paths.from_env()
    documents = load_manifest(paths.manifest, paths.cities, paths.raw)
    files = [d.source_file for d in documents]
    assert parse_manifest(render_manifest(documents), CITIES, files) == documents


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "a.txt,Stockholm,,response,T,,,",
            "manifest.csv line 2 (a.txt): missing organ; fill in the organ column",
        ),
        (
            "a.txt,Stokholm,Nämnd,response,T,,,",
            "manifest.csv line 2 (a.txt): unknown city 'Stokholm'; use one of Stockholm, "
            "Malmö exactly as spelled, or add the new city to cities.csv",
        ),
        (
            "c.txt,Malmö,Nämnd,response,T,,,",
            "manifest.csv line 2 (c.txt): file 'c.txt' is not in data/raw; "
            "copy it there or remove the entry",
        ),
        (
            "a.txt,Malmö,Nämnd,letter,T,,,",
            "manifest.csv line 2 (a.txt): unknown doc_kind 'letter'; use one of response, "
            "policy, plan, report, webpage, minutes, other",
        ),
        (
            "a.txt,Malmö,Nämnd,report,T,23/4/2024,,",
            "manifest.csv line 2 (a.txt): date '23/4/2024' is not YYYY, YYYY-MM or YYYY-MM-DD",
        ),
    ],
)
def test_bad_entry_is_named_with_its_fix(row: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        parse_manifest(HEADER + row + "\n", CITIES, FILES)
    assert str(error.value) == message


def test_two_entries_for_one_file_and_all_problems_at_once() -> None:
    text = HEADER + "a.txt,Malmö,Nämnd,report,T,,,\nb.txt,X,,report,T,,,\na.txt,Malmö,N,plan,U,,,\n"
    with pytest.raises(InputError) as error:
        parse_manifest(text, CITIES, FILES)
    assert str(error.value).splitlines() == [
        "manifest.csv line 3 (b.txt): missing organ; fill in the organ column",
        "manifest.csv line 3 (b.txt): unknown city 'X'; use one of Stockholm, Malmö exactly "
        "as spelled, or add the new city to cities.csv",
        "manifest.csv line 4 (a.txt): a second entry for a.txt; it is already described on line 2",
    ]


def test_missing_column_says_what_the_header_must_be() -> None:
    with pytest.raises(InputError) as error:
        parse_manifest("source_file,city\na.txt,Malmö\n", CITIES, FILES)
    assert str(error.value) == (
        "manifest.csv: missing column(s) organ, doc_kind, title, date, dnr, relates_to; "
        "the first line must be: source_file,city,organ,doc_kind,title,date,dnr,relates_to"
    )


def refusal(text: str | bytes, tmp_path: Path) -> str:
    path = tmp_path / "manifest.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        parse_manifest(read_text(path), CITIES, FILES)
    return str(error.value)


QUOTE_FIX = (
    'a value with a quote must be quoted whole, with the quote doubled: "Plan ""Trygg stad"""'
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER + 'a.txt,Malmö,"Nämnd,report,T,,,\nb.txt,Malmö,N,report,U,,,\n',
            f'manifest.csv line 2: a quote (") opens a field that is never closed; {QUOTE_FIX}',
        ),
        (
            HEADER + 'a.txt,Malmö,"Nämnd,report,T,,,\nb.txt,Malmö,N",report,U,,,\n',
            'manifest.csv line 2: a quote (") opens a field that runs on to line 3; '
            "close the quote, or remove it",
        ),
        (
            HEADER + 'a.txt,Malmö,"Nämnd" 2,report,T,,,\n',
            "manifest.csv line 2: a quote (\") in the wrong place (',' expected after '\"'); "
            + QUOTE_FIX,
        ),
        (
            HEADER + "a.txt,Malmö,Nämnd,report,T,,\n",
            "manifest.csv line 2: 7 fields where the first line names 8; check for a missing or "
            'extra comma (a comma inside a value needs quotes: "Plan, del 2")',
        ),
        (
            (HEADER + "a.txt,Malmö,Nämnd,report,T,,,\n").encode("cp1252"),
            "manifest.csv line 2: the file is not UTF-8 text (byte 0xf6 cannot be read); "
            "save it as CSV UTF-8 (in Excel: Save as → CSV UTF-8)",
        ),
        (
            HEADER.encode() + b"\x00\x01\x02PK",
            "manifest.csv line 2: the file contains binary data, not text; restore it from a "
            "copy, or save it again as CSV UTF-8",
        ),
    ],
)
def test_hand_edited_file_is_read_strictly(text: str | bytes, message: str, tmp_path: Path) -> None:
    assert refusal(text, tmp_path) == message


def test_excel_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    path.write_bytes(codecs.BOM_UTF8 + (HEADER + "a.txt,Malmö,Nämnd,report,T,,,\n").encode())
    (document,) = parse_manifest(read_text(path), CITIES, FILES)
    assert (document.source_file, document.city) == ("a.txt", "Malmö")


def test_blank_lines_are_skipped_and_line_numbers_stay_true() -> None:
    text = HEADER + "\na.txt,Malmö,Nämnd,report,T,,,\n\nb.txt,X,N,report,T,,,\n"
    with pytest.raises(InputError) as error:
        parse_manifest(text, CITIES, FILES)
    assert str(error.value).startswith("manifest.csv line 5 (b.txt): unknown city 'X'")


def test_a_stray_quote_keeps_the_old_database(fresh_built: Paths) -> None:
    before = corpus_snapshot(fresh_built)
    lines = fresh_built.manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",Stockholm,", ',"Stockholm,', 1)
    fresh_built.manifest.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"^manifest.csv line 3: a quote"):
        build(fresh_built, progress=lambda _: None)
    after = corpus_snapshot(fresh_built)
    assert after.pop(str(fresh_built.manifest)) != before.pop(str(fresh_built.manifest))
    assert after == before


def test_a_file_without_a_manifest_row_is_reported(fresh_data: Paths) -> None:
    (fresh_data.raw / "extra.txt").write_text("Ärendet\n\nEn plan mot rasism.\n", encoding="utf-8")
    messages: list[str] = []
    report = build(fresh_data, progress=messages.append)
    assert report.documents == 4
    expected = "data/raw/extra.txt has no row in the manifest; describe it or remove it"
    assert ("undescribed file", expected) in report.messages
    assert f"warning: not in the database: {expected}" in messages


def test_city_colours_are_validated_all_at_once() -> None:
    cities = (
        "city,label_sv,label_en,country,colour\n"
        "Stockholm,Stockholm,Stockholm,SE,#009E73\n"
        "Malmö,Malmö,Malmö,SE,orange\n"
        "Lund,Lund,Lund,SE,#009e73\n"
        "Umeå,Umeå,Umeå,SE,\n"
    )
    with pytest.raises(InputError) as error:
        read_cities(cities)
    assert str(error.value).splitlines() == [
        "cities.csv line 3 (Malmö): colour 'orange' is not a hex colour like #E69F00; "
        "correct it or leave it empty for a default",
        "cities.csv line 4 (Lund): colour #009e73 is already Stockholm's; "
        "choose another so the cities can be told apart",
    ]


def test_a_city_without_a_colour_is_valid() -> None:
    cities = "city,label_sv,label_en,country,colour\nStockholm,S,S,SE,\nLund,Lund,Lund,SE,\n"
    assert read_cities(cities) == ("Stockholm", "Lund")
    assert read_cities("city,label_sv,label_en\nStockholm,S,S\n") == ("Stockholm",)
