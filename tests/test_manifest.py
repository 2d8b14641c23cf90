"""The source manifest: validated on load, every bad entry named with how to fix it."""

from __future__ import annotations

import pytest

from etl.errors import InputError
from etl.manifest import load_manifest, parse_manifest, read_cities, render_manifest
from etl.paths import Paths

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
