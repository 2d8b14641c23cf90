"""The Sources page under AppTest: documents, passages by kind, URL state, safe display."""

from __future__ import annotations

from typing import Any

import pytest
from comparison_pages import open_page
from conftest import corpus_snapshot
from streamlit.testing.v1 import AppTest

from etl.paths import ROOT, Paths
from etl.pipeline import build

HOSTILE = (
    "Ärendet\n\nPlanen <script>alert(1)</script> ska stärka arbetet mot rasism "
    "![spår](http://example.invalid/x.png) och <b>öka</b> kunskapen om diskriminering.\n"
)


def test_lists_documents_and_passages_by_kind(atlas_env: Paths) -> None:
    at = open_page("sources", doc="003_5cd601967da3769b")
    assert not at.exception
    assert at.title[0].value == "Källor"
    assert len(at.dataframe[0].value) == 4
    labels = [tab.label for tab in at.tabs]
    assert labels[0].startswith("Policykomponent (")
    assert any(label.startswith("Förslag och synpunkt (") for label in labels)
    passages = [c.value for c in at.code]
    assert any(p.startswith("Kompetenshdjande insatser sker regelbundet") for p in passages)
    assert any("Kompetenshöjande insatser sker regelbundet" in m.value for m in at.markdown)


def test_query_parameters_restore_document_and_language(atlas_env: Paths) -> None:
    at = open_page("sources", doc="004_42a1907bf947dec8", lang="en")
    assert at.title[0].value == "Sources"
    assert at.selectbox(key="doc").value == "004_42a1907bf947dec8"
    assert [tab.label for tab in at.tabs] == [
        "Policy component (11)",
        "Activity (15)",
        "Proposal or concern (11)",
    ]


def test_choosing_a_document_is_written_to_the_url(atlas_env: Paths) -> None:
    at = open_page("sources")
    at.selectbox(key="doc").set_value("001_1b10471eeb29dce3").run()
    assert at.query_params["doc"] == "001_1b10471eeb29dce3"


def test_document_text_with_html_is_shown_as_text(
    fresh_data: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    (fresh_data.raw / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    with fresh_data.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write("hostile.txt,Malmö,Testnämnden,plan,<i>Titel</i>,2024,,\n")
    build(fresh_data, progress=lambda _: None)
    monkeypatch.setenv("ATLAS_DATA", str(fresh_data.data))
    monkeypatch.setenv("ATLAS_DB", str(fresh_data.db))
    at = open_page("sources", doc="hostile")
    assert not at.exception
    # No document text in HTML (app.py's style sheet with our own words is not in this tree).
    assert not any("Titel" in h.proto.body or "rasism" in h.proto.body for h in at.get("html"))
    shown = " ".join(m.value for m in at.markdown) + " ".join(e.label for e in at.expander)
    assert "<script>" not in shown and "![" not in shown
    assert r"\<script\>alert\(1\)\<\/script\>" in shown
    assert any("<script>alert(1)</script>" in c.value for c in at.code)


def test_missing_database_says_how_to_build_it(
    tmp_path: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_DB", str(tmp_path / "none.duckdb"))
    at = open_page("sources")
    assert not at.exception
    assert "python -m etl build" in at.warning[0].value


GOOD_TEXT = (
    "Ärendet\n\nPlanen ska stärka arbetet mot rasism och öka kunskapen om diskriminering "
    "i stadens skolor.\n"
).encode()


def upload_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.form_id == "upload")


def upload(at: AppTest, name: str, data: bytes, **fields: str) -> AppTest:
    """Fill the upload form (text fields by their Swedish label) and submit it."""
    at.file_uploader[0].set_value((name, data, "text/plain"))
    texts = {t.label: t for t in at.text_input if t.form_id == "upload"}
    for label, value in fields.items():
        if label in texts:
            texts[label].set_value(value)
    return upload_button(at).click().run()


def test_upload_form_adds_a_document_and_rebuilds(fresh_built: Paths) -> None:
    at = upload(
        open_page("sources"),
        "Ny plan.txt",
        GOOD_TEXT,
        **{"Stad": "Malmö", "Organ": "Kulturnämnden", "Titel": "Ny plan"},
    )
    assert not at.exception
    assert at.success[0].value == (
        "Ny\\_plan\\.txt är tillagt: 1 passager hämtades (policykomponent: 1)."
    )
    assert (fresh_built.raw / "Ny_plan.txt").read_bytes() == GOOD_TEXT
    assert len(at.dataframe[0].value) == 5


def test_refused_upload_shows_the_reason_and_changes_nothing(fresh_built: Paths) -> None:
    before = corpus_snapshot(fresh_built)
    at = upload(open_page("sources"), "tom.txt", b"   \n", **{"Stad": "Malmö", "Organ": "Nämnd"})
    assert not at.exception
    assert "empty" in at.error[0].value
    assert corpus_snapshot(fresh_built) == before


def test_upload_needs_the_password_when_one_is_set(fresh_built: Paths) -> None:
    before = corpus_snapshot(fresh_built)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.secrets["access"] = {"password": "hemligt"}
    at.run()
    at.switch_page("pages/sources.py").run()
    assert at.info[-1].value == "Att lägga till dokument kräver inloggning eller lösenord."
    assert upload_button(at).disabled
    at.text_input(key="password").set_value("fel").run()
    assert upload_button(at).disabled
    at.text_input(key="password").set_value("hemligt").run()
    assert not upload_button(at).disabled
    assert corpus_snapshot(fresh_built) == before


# A page that is almost all furniture: one short statement among links and notices.
THIN_PAGE = (
    "Till sidans huvudinnehåll\nDela\nSkriv ut\nLyssna\n"
    + "Vi använder kakor för att ge dig en bättre upplevelse av webbplatsen och för statistik.\n"
    * 3
    + "\nStaden arbetar mot rasism i skolan.\n\nSenast uppdaterad: 2024-01-01\n"
).encode()
NOTHING = "Till sidans huvudinnehåll\nDela\nSkriv ut\nKontakta oss\n".encode()


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (NOTHING, "Tunn\\_sida\\.txt är tillagt, men ingen passage kunde hämtas ur det."),
        (
            THIN_PAGE,
            "Tunn\\_sida\\.txt är tillagt med 1 passager (remissvar (ståndpunkt): 1), men de "
            "täcker bara 9\u00a0% av texten.",
        ),
    ],
)
def test_an_upload_that_gives_little_or_nothing_ends_with_a_warning(
    fresh_built: Paths, data: bytes, warning: str
) -> None:
    at = upload(open_page("sources"), "Tunn sida.txt", data, Stad="Malmö", Organ="Kulturnämnden")
    assert not at.exception
    assert not at.success
    assert at.warning[0].value.startswith(warning)


def test_coverage_and_skipped_blocks_with_their_reasons(atlas_env: Paths) -> None:
    at = open_page("sources", doc="004_42a1907bf947dec8")
    assert at.metric[0].label == "Andel av texten i passager"
    assert at.metric[0].value.endswith("\u00a0%")
    at.toggle(key="skipped").set_value(True).run()
    assert not at.exception
    skipped = at.dataframe[1].value
    assert list(skipped.columns) == ["Varför", "Text"]
    assert "Procedur (beslutsformel, beredning, bilagor, sändlista)" in set(skipped["Varför"])
    assert "Rubrik eller titel" in set(skipped["Varför"])
    english = open_page("sources", doc="004_42a1907bf947dec8", lang="en", skipped="true")
    assert "Heading or title" in set(english.dataframe[1].value["Why"])


def test_english_page_shows_kinds_and_dates_in_english(atlas_env: Paths) -> None:
    """The document table's kinds and dates come from the English locale (they were made in
    Polars' own threads, where the page's language is unknown, and came out Swedish)."""
    at = open_page("sources", lang="en")
    documents = at.dataframe[0].value
    assert sorted(set(documents["Kind"])) == ["Consultation response", "Report"]
    assert "23 April 2024" in set(documents["Date"])
    swedish = open_page("sources").dataframe[0].value
    assert sorted(set(swedish["Typ"])) == ["Rapport / återrapportering", "Remissvar"]
    assert "23 april 2024" in set(swedish["Datum"])
