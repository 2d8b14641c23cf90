"""The guide's document rule (LABELLING.md §2 eccar): an item of a plan against racism is
anti-racism work even when its own sentence does not repeat the word. Such an inference says
so in its evidence ("from the document's subject") and keeps its own record in the model."""

from __future__ import annotations

import tomllib

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
    assert rule.rule_id == f"participation-against-racism {FROM_SUBJECT}"
    assert rule.why.endswith(f"{FROM_SUBJECT}: {title}")


def test_a_passage_naming_racism_itself_keeps_the_plain_rule() -> None:
    title = "Handlingsplan mot rasism"
    (rule,) = inferred(["Invånarna bjuds in till samråd om rasism."], title)[0].values()
    assert rule.rule_id == "participation-against-racism"


def test_a_rule_without_the_racism_condition_is_never_marked_as_from_the_subject() -> None:
    tables = inferred(["Staden ska vara en öppen stad."], "Plan mot rasism")
    assert tables[0]["function.governance"].rule_id == "goal-statement"
