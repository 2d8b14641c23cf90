"""The Responses page under AppTest on the shipped corpus: positions, concerns, URL, safety."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import polars as pl
import pytest
from comparison_pages import chart_data, charts, open_page
from streamlit.runtime.media_file_manager import MediaFileManager

from etl.paths import Paths
from etl.read.query import Atlas, connect

# `open_page(...).run()`: under AppTest the first run after switch_page draws a URL-bound
# widget with its URL value but returns its default; a browser opening the link does not.

ACTION_PLAN = "Handlingsplan mot rasism (KS 2024/1035)"
MR_PROGRAMME = "Program för de mänskliga rättigheterna (KS 2023/1159)"
HOSTILE = ("<script>alert(1)</script>", "'; DROP TABLE items; --", "%", "_")


def test_lists_who_answered_what_with_their_overall_position(atlas_env: Paths) -> None:
    at = open_page("responses")
    assert at.title[0].value == "Remissvar"
    table = at.dataframe[0].value
    assert sorted(table["Nämnd"]) == [
        "Miljö- och hälsoskyddsnämnden",
        "Servicenämnden",
        "Socialnämnden",
    ]
    assert set(table["Gäller"]) == {ACTION_PLAN, MR_PROGRAMME}
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("Serviceförvaltningen anser att det är positivt") for t in texts)
    assert any(t.startswith("Socialförvaltningen ser överlag positivt") for t in texts)
    assert "Inga remissvar från: Malmö." in [c.value for c in at.caption]


def test_chart_counts_proposals_by_concept_and_committee_shared_first(atlas_env: Paths) -> None:
    at = open_page("responses")
    (chart,) = charts(at)
    assert json.loads(chart.proto.spec)["title"]["text"] == "Förslag per begrepp och nämnd"
    data = chart_data(chart)
    followup = data.filter(dimension="function").filter(label_sv="Uppföljning och utvärdering")
    assert set(followup["committee"]) == {"Servicenämnden", "Socialnämnden"}
    assert set(data["city"]) == {"Stockholm"}
    shared = data.group_by("label_sv", maintain_order=True).agg(pl.col("committee").n_unique())
    counts = shared["committee"].to_list()
    assert counts == sorted(counts, reverse=True)
    assert any(":orange-background[" in m.value for m in at.markdown)


def test_the_concerns_downloads_hold_every_proposal_of_the_concerns_shown(
    atlas_env: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page lists three proposals a concern and keeps the chart built; its CSV, made when
    clicked on a thread of its own (as Streamlit runs it), still has all of them."""
    made: dict[str, Callable[[], object]] = {}
    register = MediaFileManager.add_deferred

    def recorded(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kw: Any) -> str:
        made[kw.get("file_name") or args[2]] = data
        return register(self, data, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recorded)
    at = open_page("responses")
    con = connect(atlas_env.db)
    try:
        every = Atlas(con).recommendation_concepts(concerns=10)
    finally:
        con.close()
    listed = sum(1 for m in at.markdown if ":orange-background[" in m.value)
    assert listed < every.height  # the page lists fewer than the download holds
    with ThreadPoolExecutor(1) as thread:
        csv = thread.submit(made["responses-concerns.csv"]).result()
        png = thread.submit(made["responses-concerns.png"]).result()
    downloaded = pl.read_csv(io.StringIO(str(csv)))
    assert downloaded.columns[0] == "label_sv"
    assert sorted(downloaded["text"]) == sorted(every["text"])
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")


def test_url_restores_policy_and_language(atlas_env: Paths) -> None:
    at = open_page("responses", policy=MR_PROGRAMME, lang="en").run()
    assert at.title[0].value == "Consultation responses"
    assert at.multiselect(key="policy").value == [MR_PROGRAMME]
    assert list(at.dataframe[0].value["Committee"]) == ["Socialnämnden"]
    (chart,) = charts(at)
    assert json.loads(chart.proto.spec)["title"]["text"] == "Proposals by concept and committee"
    assert set(chart_data(chart)["committee"]) == {"Socialnämnden"}


def test_a_city_without_responses_says_so(atlas_env: Paths) -> None:
    at = open_page("responses", cities="Malmö").run()
    assert [i.value for i in at.info] == [
        "Det finns inga remissvar från de valda städerna om de valda policyerna."
    ]
    assert not charts(at)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_url_values_are_ignored(atlas_env: Paths, hostile: str) -> None:
    at = open_page("responses", policy=hostile, cities=hostile).run()
    assert at.multiselect(key="policy").value == []
    assert len(at.dataframe[0].value) == 3
    with duckdb.connect(str(atlas_env.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM items").fetchall()[0][0] > 0


def test_responses_are_paged_in_the_database_with_their_own_counts(built_data: Paths) -> None:
    con = connect(built_data.db)
    try:
        atlas = Atlas(con)
        every = atlas.consultation_responses()
        page = atlas.consultation_responses(limit=2, offset=1)
        policies = atlas.response_policies()
        answered = atlas.response_policies(["Stockholm"])
    finally:
        con.close()
    assert every.height == 3
    assert page.rows() == every.slice(1, 2).rows()  # same order, same statement counts
    assert int(policies["responses"].sum()) == every.height
    assert set(policies["relates_to"]) == {ACTION_PLAN, MR_PROGRAMME}
    assert set(answered["city"]) == {"Stockholm"}


def test_every_source_link_opens_its_passage_on_the_evidence_page(atlas_env: Paths) -> None:
    at = open_page("responses")
    links = at.get("page_link")
    assert links
    for link in links:
        assert link.proto.page == "evidence"
        assert link.proto.query_string.startswith("item=")
        assert link.proto.label == "Visa i dokumentet"
        assert link.proto.page_script_hash  # the registered page, so a click navigates
