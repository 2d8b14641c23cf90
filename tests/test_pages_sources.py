"""The Sources page under AppTest: documents, passages by kind, URL state, safe display."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.paths import ROOT, Paths
from etl.pipeline import build

HOSTILE = (
    "Ärendet\n\nPlanen <script>alert(1)</script> ska stärka arbetet mot rasism "
    "![spår](http://example.invalid/x.png) och <b>öka</b> kunskapen om diskriminering.\n"
)


def sources_page(**query: str) -> AppTest:
    """Open the app with `query` in the URL (the first run reads it), then go to Sources."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/sources.py").run()


def test_lists_documents_and_passages_by_kind(atlas_env: Paths) -> None:
    at = sources_page(doc="003_5cd601967da3769b")
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
    at = sources_page(doc="004_42a1907bf947dec8", lang="en")
    assert at.title[0].value == "Sources"
    assert at.selectbox(key="doc").value == "004_42a1907bf947dec8"
    assert [tab.label for tab in at.tabs] == [
        "Policy component (11)",
        "Activity (15)",
        "Proposal or concern (11)",
    ]


def test_choosing_a_document_is_written_to_the_url(atlas_env: Paths) -> None:
    at = sources_page()
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
    at = sources_page(doc="hostile")
    assert not at.exception
    assert not at.get("html")
    shown = " ".join(m.value for m in at.markdown) + " ".join(e.label for e in at.expander)
    assert "<script>" not in shown and "![" not in shown
    assert r"\<script\>alert\(1\)\</script\>" in shown
    assert any("<script>alert(1)</script>" in c.value for c in at.code)


def test_missing_database_says_how_to_build_it(
    tmp_path: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_DB", str(tmp_path / "none.duckdb"))
    at = sources_page()
    assert not at.exception
    assert "python -m etl build" in at.warning[0].value
