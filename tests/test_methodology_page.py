"""The Methodology page renders in both languages and shows the out-of-sample figures honestly."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from etl.model import TOO_FEW_PAIRS
from etl.paths import ROOT, Paths
from etl.read.i18n import fmt_share, t

APP_TIMEOUT = 30  # seconds: the first run imports the data stack


def open_methodology(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.query_params.update(query)
    at.run()
    return at.switch_page("pages/methodology.py").run()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_methodology_shows_the_measured_precision_and_recall(atlas_env: Paths, lang: str) -> None:
    overall = json.loads(atlas_env.quality.read_text(encoding="utf-8"))["overall"]
    at = open_methodology(lang=lang)
    assert not at.exception
    shown = [metric.value for metric in at.metric]
    assert shown[:2] == [fmt_share(overall["precision"], lang), fmt_share(overall["recall"], lang)]
    low, high = overall["precision_interval"]
    assert any(f"{fmt_share(low, lang)}–{fmt_share(high, lang)}" in c.value for c in at.caption)
    by_dimension, per_concept = at.dataframe[0].value, at.dataframe[1].value
    assert len(by_dimension) == 4
    assert len(per_concept) > 20


def test_a_concept_with_few_labelled_pairs_shows_too_few_to_say(atlas_env: Paths) -> None:
    measured = json.loads(atlas_env.quality.read_text(encoding="utf-8"))["concepts"]
    few = sorted(cid for cid, figures in measured.items() if figures["pairs"] < TOO_FEW_PAIRS)
    assert few, "the sample has concepts with fewer than 10 pairs"
    at = open_methodology(lang="en")
    per_concept = at.dataframe[1].value
    precision = per_concept[per_concept.columns[1]].tolist()
    assert precision.count(t("method.too_few", "en")) == len(few)
    assert "100%" not in precision


def test_methodology_lists_the_concepts_of_the_dimension_in_the_url(atlas_env: Paths) -> None:
    at = open_methodology(dimension="arena", lang="en")
    assert not at.exception
    titles = [expander.label for expander in at.expander]
    assert "Housing" in titles and "Digital environments" in titles
    assert not any(title.startswith("7. Fair access") for title in titles)


@pytest.mark.parametrize(("lang", "interval"), [("sv", "95 %-intervall"), ("en", "95% interval")])
def test_methodology_names_no_basis_id_nor_file_and_writes_percent_the_locale_way(
    atlas_env: Paths, lang: str, interval: str
) -> None:
    """The matching is explained in words: no basis ids such as "(alias)", no project paths,
    and the interval written as the language writes a percentage."""
    at = open_methodology(lang=lang)
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert re.findall(r"\(\*?(?:alias|subject|rule|learned)\*?\)", text) == []
    assert re.findall(r"\b(?:data|benchmarks)/\S+|\b\w+\.(?:toml|py)\b", text) == []
    assert any(c.value.startswith(f"{interval}: ") for c in at.caption)
    if lang == "en":
        assert "95 %" not in text
    for basis in ("alias", "subject", "rule", "learned"):  # the words the how-to names
        assert t(f"method.basis.{basis}", lang) in " ".join(m.value for m in at.markdown)
