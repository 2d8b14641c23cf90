"""The guide's document rule (LABELLING.md §2 eccar): an item of a plan against racism is
anti-racism work even when its own sentence does not repeat the word. Such an inference says
so in its evidence ("from the document's subject") and keeps its own record in the model."""

from __future__ import annotations

import tomllib

import pytest

from etl.errors import InputError
from etl.model import DocumentMeta, Item
from etl.paths import ROOT
from etl.rules import FROM_SUBJECT, InferenceRule, parse_rules
from etl.signals import compute_signals
from etl.taxonomy import load_taxonomy
from etl.vocabulary import Vocabulary

SHIPPED = load_taxonomy(ROOT / "data" / "taxonomy.toml")
RULES = parse_rules(
    tomllib.loads((ROOT / "data" / "rules.toml").read_text(encoding="utf-8")),
    SHIPPED,
    "rules.toml",
)


def inferred(texts: list[str], title: str) -> list[dict[str, InferenceRule]]:
    """Per passage of one document with this title: concept id → the rule that inferred it."""
    meta = DocumentMeta("d", "d.txt", "Malmö", "O", "plan", title)
    items = [
        Item(f"i{n}", "d", "Malmö", "component", t, t, "s", 0, len(t)) for n, t in enumerate(texts)
    ]
    vocabulary = Vocabulary(SHIPPED, RULES.compounds, RULES.document_words)
    return compute_signals(items, SHIPPED, vocabulary, RULES, {"d": meta}).rules


def test_a_rule_that_holds_through_the_document_says_so_and_names_it() -> None:
    title = "Handlingsplan mot rasism"
    (rule,) = inferred(["Invånarna bjuds in till samråd om arbetet."], title)[0].values()
    assert rule.rule_id == f"participation-against-racism ({FROM_SUBJECT})"
    assert rule.why.endswith(f"the document: «{title}»")


def test_a_passage_naming_racism_itself_keeps_the_plain_rule() -> None:
    title = "Handlingsplan mot rasism"
    (rule,) = inferred(["Invånarna bjuds in till samråd om rasism."], title)[0].values()
    assert rule.rule_id == "participation-against-racism"


def test_a_rule_without_the_racism_condition_is_never_marked_as_from_the_subject() -> None:
    tables = inferred(["Staden ska vara en öppen stad."], "Plan mot rasism")
    assert tables[0]["function.governance"].rule_id == "goal-statement"


def test_a_document_most_of_whose_items_name_racism_makes_its_other_items_anti_racist() -> None:
    """Guide §2: the document as a whole decides, even when its title does not say it."""
    texts = [
        "Romer utsätts för antiziganism i skolan.",
        "Staden arbetar mot antiziganism.",
        "Invånarna bjuds in till samråd om arbetet.",
    ]
    tables = inferred(texts, "Stan ska vara till för alla")
    rule = tables[2]["eccar.04"]
    assert rule.rule_id == f"participation-against-racism ({FROM_SUBJECT})"
    assert "eccar.04" not in inferred(texts[2:], "Stan ska vara till för alla")[0]


def test_a_document_where_racism_is_named_in_passing_is_not_about_racism() -> None:
    texts = [
        "Invånarna bjuds in till samråd om arbetet.",
        "Parken rustas upp under året.",
        "Ingen ska utsättas för rasism.",
    ]
    assert "eccar.04" not in inferred(texts, "Stan ska vara till för alla")[0]


def test_the_racism_focus_must_name_focus_concepts() -> None:
    document = tomllib.loads((ROOT / "data" / "rules.toml").read_text(encoding="utf-8"))
    context = {**document["context"], "racism_focus": ["arena.school"]}
    with pytest.raises(InputError, match="list focus concepts only"):
        parse_rules({**document, "context": context}, SHIPPED, "rules.toml")
    context = {**document["context"], "dominant_share": 2}
    with pytest.raises(InputError, match="share between 0 and 1"):
        parse_rules({**document, "context": context}, SHIPPED, "rules.toml")


def test_raising_knowledge_is_not_assessing_racism_but_a_survey_is() -> None:
    """Guide §2 eccar.02 is data, surveys, statistics, indicators: "öka kunskapen" is not."""
    title = "Handlingsplan mot rasism"
    texts = ["Staden ska öka kunskapen om rasism.", "Staden genomför en enkät om rasism."]
    first, second = inferred(texts, title)
    assert "eccar.02" not in first
    assert second["eccar.02"].rule_id == "knowledge-about-racism"


def test_civil_society_in_its_definite_form_counts() -> None:
    """Guide §2 eccar.01: networks with civil society; "civilsamhället" is not stemmed."""
    tables = inferred(["Stärka samverkan med civilsamhället i arbetet mot rasism."], "Plan")
    assert tables[0]["eccar.01"].rule_id == "civil-society-against-racism"
