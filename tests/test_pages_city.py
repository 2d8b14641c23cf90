"""The City page under AppTest on the shipped corpus: one city's corpus, coverage with its
evidence, activities and silences, in both languages, reopened from the URL."""

from __future__ import annotations

import polars as pl
from comparison_pages import open_page

from etl.paths import Paths
from etl.read.query import Atlas, connect


def frames(at: object) -> list[pl.DataFrame]:
    return [pl.from_pandas(d.value) for d in at.dataframe]  # type: ignore[attr-defined]


def test_the_url_opens_one_city_with_its_documents_and_coverage(atlas_env: Paths) -> None:
    at = open_page("city", city="Malmö")
    assert at.title[0].value == "Stad"
    assert at.selectbox(key="city").value == "Malmö"
    atlas = Atlas(connect(atlas_env.db))
    summary = atlas.city_summary(["Malmö"]).row(0, named=True)
    expected = [str(summary[k]) for k in ("documents", "items", "units")]
    assert [m.value for m in at.metric] == expected
    documents, eccar, _, _, _, activities, _ = frames(at)
    assert documents["Typ"].to_list() == ["Rapport / återrapportering"]
    assert eccar.columns == [
        "Begrepp",
        "Täckning",
        "Enheter",
        "Direkt underlag",
        "Härlett, räknas inte",
    ]
    assert eccar.height == 10
    assert all(
        e == "Ingen passage" or e.startswith("Bara en passage ·") or " passager i " in e
        for e in eccar["Direkt underlag"]
    )
    assert [t.label for t in at.tabs] == [
        "ECCAR:s tiopunktsprogram",
        "Arbetssätt",
        "Fokus: vilka arbetet gäller",
        "Arena: var staden agerar",
    ]
    assert activities.height == atlas.activities(["Malmö"]).height > 0
    assert "Aktivitet" in activities.columns


def test_choosing_a_city_is_written_to_the_url(atlas_env: Paths) -> None:
    at = open_page("city")
    at.selectbox(key="city").set_value("Stockholm").run()
    assert at.query_params["city"] == "Stockholm"
    assert at.metric[0].value == "3"


def test_a_city_with_only_responses_says_why_it_has_no_activities(atlas_env: Paths) -> None:
    at = open_page("city", lang="en", city="Stockholm")
    assert at.title[0].value == "City"
    reason = "No activities: no document of a kind that holds them (Report) is loaded."
    assert reason in [i.value for i in at.info]
    assert any("3 × Consultation response" in c.value for c in at.caption)


def test_silences_name_who_covers_what_this_city_does_not(atlas_env: Paths) -> None:
    at = open_page("city", lang="en", city="Stockholm")
    assert at.subheader[-1].value == "Where the policies are silent"
    silences = frames(at)[-1]
    assert silences.columns == ["Dimension", "Concept", "Covered in", "Here", "Derived units"]
    expected = Atlas(connect(atlas_env.db)).silences("Stockholm")
    assert silences.height == expected.height > 0
    assert set(silences["Covered in"]) == {"Malmö"}
    education = silences.filter(pl.col("Concept").str.starts_with("8. "))
    assert education["Derived units"][0] > 0  # shown beside the silence, not counted
    assert education["Here"][0] == "Nothing found (not reviewed)"


def test_derived_units_are_named_apart_from_the_direct_evidence(atlas_env: Paths) -> None:
    """Each ECCAR row says plainly what each number is: the derived units through the
    crosswalk in a column of their own, the direct evidence in words beside it."""
    at = open_page("city", lang="en", city="Malmö")
    eccar = frames(at)[1]
    assert eccar.columns == [
        "Concept",
        "Coverage",
        "Units",
        "Direct evidence",
        "Derived, not counted",
    ]
    cells = Atlas(connect(atlas_env.db)).coverage("eccar", ["Malmö"])
    expected = [f"{n} units via the crosswalk" if n else "none" for n in cells["derived_units"]]
    assert eccar["Derived, not counted"].to_list() == expected
    assert eccar["Units"].to_list() == cells["units"].to_list()
    vigilance = eccar.filter(pl.col("Concept").str.starts_with("1. ")).row(0, named=True)
    assert vigilance["Derived, not counted"].endswith("units via the crosswalk")
    # The words follow the cell's own counts (eccar.01 in Malmö had one passage before the
    # guide's document rule, three in one document since): not a fixed number.
    cell = cells.filter(pl.col("concept_id") == "eccar.01").row(0, named=True)
    opening = {
        "single": "One passage only",
        "one_document": f"{cell['items']} passages in one document",
        "several_documents": f"{cell['items']} passages in {cell['sources']} documents",
    }[cell["strength"]]
    assert vigilance["Direct evidence"].startswith(f"{opening} · best score ")
    assert "crosswalk" not in " ".join(eccar["Direct evidence"])
