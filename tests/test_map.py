"""The matcher: vocabulary look-up, document context, the guide's rules, the learned model.

The small cases pin what a strategist relies on when editing data/taxonomy.toml and
data/rules.toml: exclude phrases silence an alias, compounds match by head and by modifier
with safeguards, derivations are not inflections, ECCAR points need a passage or a document
about racism, every rule fires on its own example, and every link says how it was found. The
corpus cases check the shipped build and that the evaluation never trains on the document it
scores.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

import benchmarks.evaluate_mapping as evaluation
from etl.errors import InputError
from etl.learn import Labelled, LinkModel, load_model, save_model, train
from etl.map import MODEL_FILE, RULES_FILE, Knowledge, load_knowledge, map_items, normalise
from etl.model import MAPPING_BASES, DocumentMeta, Item
from etl.paths import ROOT, Paths
from etl.rules import Example, InferenceRule, Rules, parse_rules
from etl.signals import Signals, compute_signals
from etl.taxonomy import DIMENSIONS, Concept, Taxonomy, load_taxonomy
from etl.vocabulary import Vocabulary, stems_of

SHIPPED = load_taxonomy(ROOT / "data" / "taxonomy.toml")
RULES_TOML = tomllib.loads((ROOT / "data" / RULES_FILE).read_text(encoding="utf-8"))
SHIPPED_RULES = parse_rules(RULES_TOML, SHIPPED, "rules.toml")


def concept(concept_id: str, aliases: list[str], exclude: tuple[str, ...] = ()) -> Concept:
    dimension = concept_id.split(".")[0]
    return Concept(concept_id, dimension, "L", "L", "S", "S", tuple(aliases), tuple(exclude))


def language_rules(taxonomy: Taxonomy) -> Rules:
    """data/rules.toml's language settings, without its inference rules and racism focus
    (they name concepts a small test taxonomy lacks)."""
    context = {**RULES_TOML["context"], "racism_focus": []}
    return parse_rules({**RULES_TOML, "context": context, "rule": []}, taxonomy, "rules.toml")


def item(text: str, item_id: str = "x", doc_id: str = "d") -> Item:
    return Item(item_id, doc_id, "Malmö", "component", text, text, "s", 0, len(text))


def links(
    text: str, *concepts: Concept, title: str = "", kind: str = "other"
) -> dict[str, tuple[str, str]]:
    """concept id → (matched alias, matched text) for one passage, aliases alone deciding."""
    taxonomy = Taxonomy(concepts, ())
    documents = {"d": DocumentMeta("d", "d.txt", "Malmö", "O", kind, title)}
    knowledge = Knowledge(language_rules(taxonomy), None)
    found = map_items([item(text)], taxonomy, documents, knowledge)
    return {m.concept_id: (m.matched_alias, text[m.match_start : m.match_end]) for m in found}


SCHOOL = concept("arena.school", ["utbildning"], ("digitala utbildningar",))


def test_exclude_phrase_silences_the_alias_inside_it() -> None:
    assert links("Staden erbjuder digitala utbildningar.", SCHOOL) == {}
    assert links("Staden satsar på utbildning.", SCHOOL) == {
        "arena.school": ("utbildning", "utbildning")
    }


def test_exclude_phrase_leaves_other_hits_in_the_same_passage() -> None:
    text = "Digitala utbildningar kompletterar utbildningen i skolan."
    assert links(text, SCHOOL) == {"arena.school": ("utbildning", "utbildningen")}


def test_compounds_match_by_head_and_by_modifier_unless_the_head_names_an_effort() -> None:
    stats = concept("function.knowledge", ["statistik"])
    consultation = concept("function.participation", ["samråd"])
    assert links("Vi tar fram lokalstatistik.", stats)["function.knowledge"][1] == "lokalstatistik"
    found = links("Samrådsgruppen träffas varje månad.", consultation)
    assert found["function.participation"][1] == "Samrådsgruppen"
    assert links("Nya utbildningsinsatser planeras.", SCHOOL) == {}


def test_a_short_alias_does_not_count_inside_a_compound() -> None:
    roma = concept("focus.antiziganism", ["romer"])
    assert links("Romer deltog i samrådet.", roma)
    assert links("Romantiken präglar romanen.", roma) == {}


def test_a_derivation_is_not_an_inflection() -> None:
    gender = concept("focus.gender_equality", ["jämställdhet"])
    assert links("Arbetet för jämställdheten fortsätter.", gender)
    assert links("En öppen, jämställd och demokratisk stad.", gender) == {}


def test_eccar_points_need_a_passage_or_a_document_about_racism() -> None:
    housing = concept("eccar.07", ["bostadsmarknaden"])
    assert links("Läget på bostadsmarknaden är svårt.", housing) == {}
    assert links("Diskriminering på bostadsmarknaden ska motverkas.", housing)
    assert links("Läget på bostadsmarknaden är svårt.", housing, title="Plan mot rasism")


def test_span_points_at_the_inflected_words_that_matched() -> None:
    training = concept("function.competence", ["kompetenshöjande insatser"])
    text = "Förvaltningen planerar kompetenshöjande insatsen för chefer."
    assert links(text, training)["function.competence"] == (
        "kompetenshöjande insatser",
        "kompetenshöjande insatsen",
    )


def test_the_document_subject_is_evidence_for_its_items() -> None:
    taxonomy = Taxonomy((concept("focus.antiziganism", ["romer", "romsk"]),), ())
    rules = language_rules(taxonomy)
    documents = {
        "d": DocumentMeta("d", "d.txt", "Malmö", "O", "plan", "Plan för romsk inkludering")
    }
    items = [item("Rådet sammanträder fyra gånger om året."), item("Romer deltar.", "y")]
    signals = compute_signals(
        items, taxonomy, Vocabulary(taxonomy, rules.compounds), rules, documents
    )
    assert signals.contexts[0].subject == {"focus.antiziganism": "romsk"}
    assert signals.pair["subject"][0, 0] == 1.0
    assert signals.pair["dominant"][0, 0] == 0.5
    assert signals.pair["alias_word"][0, 0] == 0.0


def signals_for(text: str, *concepts: Concept, title: str = "") -> Signals:
    """The evidence for one passage of a document with this title, under rules.toml's
    language settings (document words included)."""
    taxonomy = Taxonomy(concepts, ())
    rules = language_rules(taxonomy)
    documents = {"d": DocumentMeta("d", "d.txt", "Malmö", "O", "plan", title)}
    vocabulary = Vocabulary(taxonomy, rules.compounds, rules.document_words)
    return compute_signals([item(text)], taxonomy, vocabulary, rules, documents)


GOVERNANCE = concept("function.governance", ["handlingsplan", "programmet", "revidera"])


def test_naming_a_kind_of_document_in_passing_is_a_mention_and_no_link() -> None:
    passing = signals_for("Cheferna utbildas i enlighet med handlingsplanen.", GOVERNANCE)
    assert passing.pair["alias_mention"][0, 0] == 1.0
    assert passing.pair["alias_word"][0, 0] == 0.0
    assert not passing.may_link()[0, 0]
    revised = signals_for("Handlingsplanen ska revideras vart fjärde år.", GOVERNANCE)
    assert revised.pair["alias_word"][0, 0] == 1.0
    assert revised.hits[0]["function.governance"].alias == "revidera"
    opening = signals_for("Programmet gäller alla nämnder och bolag.", GOVERNANCE)
    assert opening.pair["alias_word"][0, 0] == 0.0
    assert opening.may_link()[0, 0], "a passage opening with the document is about it"


def test_an_everyday_steering_word_alone_is_a_mention() -> None:
    """rules.toml passing_words: "föräldrars ansvar" is no assignment of the rights work, but a
    verb alias ("ansvarar") or a second steering word carries the link (guide §2)."""
    governance = concept("function.governance", ["ansvar", "ansvarar", "handlingsplan"])
    passing = signals_for(
        "Broschyren beskriver barns rättigheter och föräldrars ansvar.", governance
    )
    assert passing.pair["alias_mention"][0, 0] == 1.0
    assert not passing.may_link()[0, 0]
    assigned = signals_for("Kommunstyrelsen ansvarar för samordningen av arbetet.", governance)
    assert assigned.pair["alias_word"][0, 0] == 1.0 and assigned.may_link()[0, 0]
    with_plan = signals_for("Nämnden har ansvar för att ta fram en handlingsplan.", governance)
    assert with_plan.may_link()[0, 0], "a second steering word makes it governance"


def test_each_rule_is_weighed_by_its_own_record() -> None:
    """Two rules infer the same dimension; labelled passages show one is right and the other
    wrong, and the learned reliability tells them apart (a single rule weight could not)."""
    training = concept("function.competence", ["utbildning"])
    service = concept("function.service", ["bemötande"])
    staff = concept("eccar.06", ["personalpolitik"])
    school = concept("eccar.08", ["läromedel"])
    taxonomy = Taxonomy((training, service, staff, school), ())
    base = language_rules(taxonomy)
    example = Example("x", "", "other")
    rules = replace(
        base,
        rules=(
            InferenceRule("good", "g", ("function.competence",), (), True, ("eccar.06",), example),
            InferenceRule("poor", "p", ("function.service",), (), True, ("eccar.08",), example),
        ),
    )
    texts = ["Personalen får utbildning mot rasism.", "Bemötandet ska vara fritt från rasism."]
    items = [item(text, f"i{n}{t}", f"d{n}") for n in range(4) for t, text in enumerate(texts)]
    documents = {
        f"d{n}": DocumentMeta(f"d{n}", "d.txt", "Malmö", "O", "plan", "") for n in range(4)
    }
    vocabulary = Vocabulary(taxonomy, rules.compounds, rules.document_words)
    signals = compute_signals(items, taxonomy, vocabulary, rules, documents)
    labels = [{"eccar.06": 1.0}, {"eccar.08": 0.0}] * 4
    examples = [Labelled(n, i.doc_id, labels[n]) for n, i in enumerate(items)]
    model = train(signals, examples, {})
    reliability = model.learned(signals)["rule_reliability"]
    assert model.rule_record == {"eccar.06 rule:good": (4, 4), "eccar.08 rule:poor": (4, 0)}
    assert reliability[0, 2] > 0 > reliability[1, 3]


def test_a_documents_subject_gives_whom_and_eccar_but_not_how_or_where() -> None:
    followup = concept("function.followup", ["uppföljning"])
    roma = concept("focus.antiziganism", ["romsk"])
    found = signals_for(
        "Rådet möts.", followup, roma, GOVERNANCE, title="Uppföljning av romsk plan"
    )
    assert found.contexts[0].subject == {"focus.antiziganism": "romsk"}
    own_kind = signals_for("Rådet möts.", GOVERNANCE, title="Handlingsplan mot rasism")
    assert own_kind.contexts[0].subject == {}


def test_a_direct_eccar_link_needs_the_passage_to_do_what_the_commitment_says() -> None:
    housing = concept("eccar.07", ["bostadsmarknaden"])
    title = "Plan mot diskriminering på bostadsmarknaden"
    elsewhere = signals_for("Rådet sammanträder fyra gånger om året.", housing, title=title)
    assert elsewhere.pair["subject"][0, 0] == 1.0
    assert not elsewhere.may_link()[0, 0]
    assert signals_for("Bostadsmarknaden granskas.", housing, title=title).may_link()[0, 0]


@pytest.mark.parametrize("rule", SHIPPED_RULES.rules, ids=lambda r: r.rule_id)
def test_every_rule_fires_on_its_own_example(rule: InferenceRule) -> None:
    alone = replace(SHIPPED_RULES, rules=(rule,))
    meta = DocumentMeta("d", "d.txt", "Malmö", "O", rule.example.kind, rule.example.title)
    vocabulary = Vocabulary(SHIPPED, alone.compounds)
    signals = compute_signals([item(rule.example.text)], SHIPPED, vocabulary, alone, {"d": meta})
    assert set(signals.rules[0]) == set(rule.then)


def test_an_eccar_rule_does_not_fire_outside_work_against_racism() -> None:
    rules = SHIPPED_RULES
    meta = DocumentMeta("d", "d.txt", "Malmö", "O", "plan", "Plan för idrott")
    text = "Invånarna bjuds in till samråd om hur staden ska arbeta."
    signals = compute_signals(
        [item(text)], SHIPPED, Vocabulary(SHIPPED, rules.compounds), rules, {"d": meta}
    )
    assert "eccar.04" not in signals.rules[0]


def fired_rules(text: str, title: str) -> dict[str, str]:
    """concept id → id of the shipped rule that inferred it, for one passage of a plan."""
    meta = DocumentMeta("d", "d.txt", "Malmö", "O", "plan", title)
    vocabulary = Vocabulary(SHIPPED, SHIPPED_RULES.compounds, SHIPPED_RULES.document_words)
    signals = compute_signals([item(text)], SHIPPED, vocabulary, SHIPPED_RULES, {"d": meta})
    return {concept_id: rule.rule_id for concept_id, rule in signals.rules[0].items()}


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        # Guide §2 eccar.04: participation *of residents or the groups concerned*.
        ("Invånarna bjuds in till dialog om planen.", True),
        ("Förvaltningarna för en dialog om planen.", False),
        # Guide §2 eccar.01: joining ECCAR, not a passing mention of its plan.
        ("Staden är sedan 2015 medlem i ECCAR.", True),
        ("ECCAR:s handlingsplan ger ett brett format.", False),
    ],
)
def test_a_rules_second_condition_needs_the_passages_own_words(text: str, fires: bool) -> None:
    inferred = fired_rules(text, "Handlingsplan mot rasism")
    assert bool({"eccar.01", "eccar.04"} & set(inferred)) is fires


def test_a_second_condition_is_not_met_by_the_documents_subject() -> None:
    """A plan against antiziganism concerns Roma, but its title does not say that residents
    take part: the `also` words must stand in the passage."""
    inferred = fired_rules("Förvaltningarna för en dialog om arbetet.", "Plan mot antiziganism")
    assert "eccar.04" not in inferred


def rule_error(**changes: object) -> str:
    rule = dict(RULES_TOML["rule"][0]) | changes
    with pytest.raises(InputError) as error:
        parse_rules({**RULES_TOML, "rule": [rule]}, SHIPPED, "rules.toml")
    return str(error.value)


def test_rules_file_errors_name_what_to_fix() -> None:
    assert "unknown concept 'eccar.99'" in rule_error(then=["eccar.99"])
    assert "set about_racism = true" in rule_error(about_racism=False)
    assert "has no example" in rule_error(example=None)
    assert "unknown key 'when'" in rule_error(when=["x"])
    assert "needs when_concepts or when_words" in rule_error(when_concepts=[], when_words=[])
    assert "unknown concept 'arena.moon'" in rule_error(also_concepts=["arena.moon"])
    assert "also_words must be a list" in rule_error(also_words="invånare")
    words = {**RULES_TOML, "context": {**RULES_TOML["context"], "racism_words": ["hat brott"]}}
    with pytest.raises(InputError, match="single word beginnings"):
        parse_rules(words, SHIPPED, "rules.toml")


def test_places_count_distinct_words_not_aliases() -> None:
    """Two aliases matching one word are one place; the same word again is a second."""
    collaboration = concept("function.collaboration", ["samverkan", "samverka"])
    taxonomy = Taxonomy((collaboration,), ())
    rules = language_rules(taxonomy)
    texts = ["Vi ökar samverkan med skolan.", "Samverkan sker i nätverk, och samverkan följs."]
    vocabulary = Vocabulary(taxonomy, rules.compounds, rules.document_words)
    signals = compute_signals(
        [item(t, f"i{n}") for n, t in enumerate(texts)], taxonomy, vocabulary, rules, {}
    )
    assert signals.places[:, 0].tolist() == [1, 2]
    assert signals.said_once()[:, 0].tolist() == [True, False]


def test_a_word_said_once_in_a_long_paragraph_needs_more_to_be_linked(tmp_path: Path) -> None:
    """Labelled passages show "samverkan" right in short passages and in long ones that say
    it twice, wrong in long ones that say it once in passing: training chooses a length limit
    for the function dimension, and a new long passage saying it once gets no link."""
    collaboration = concept("function.collaboration", ["samverkan"])
    taxonomy = Taxonomy((collaboration,), ())
    rules = language_rules(taxonomy)
    filler = " ".join(["Förvaltningen beskriver läget i staden och vad som har hänt."] * 6)
    # The same words in all three, so only how long the passage is and how often it says the
    # word tell them apart.
    short = "Det sker i samverkan med andra."
    once = f"{short} {filler} {filler}"
    twice = f"{short} {filler} {short} {filler}"
    texts = [(short, 1.0), (once, 0.0), (twice, 1.0)]
    items = [item(t, f"i{n}{k}", f"d{n}") for n in range(5) for k, (t, _) in enumerate(texts)]
    documents = {
        f"d{n}": DocumentMeta(f"d{n}", "d.txt", "Malmö", "O", "plan", "") for n in range(5)
    }
    vocabulary = Vocabulary(taxonomy, rules.compounds, rules.document_words)
    signals = compute_signals(items, taxonomy, vocabulary, rules, documents)
    labels = [{"function.collaboration": v} for _ in range(5) for _, v in texts]
    model = train(signals, [Labelled(n, i.doc_id, labels[n]) for n, i in enumerate(items)], {})
    function = list(DIMENSIONS).index("function")
    assert model.once_limits[function] < len(once.split())
    save_model(model, tmp_path / MODEL_FILE)
    assert (load_model(tmp_path / MODEL_FILE).once_limits == model.once_limits).all()
    new = [item(short, "n0", "e"), item(once, "n1", "e"), item(twice, "n2", "e")]
    meta = {"e": DocumentMeta("e", "e.txt", "Lund", "O", "plan", "")}
    found = map_items(new, taxonomy, meta, Knowledge(rules, model))
    assert sorted(m.item_id for m in found) == ["n0", "n2"]


def test_the_shipped_rules_and_model_load() -> None:
    knowledge = load_knowledge(ROOT / "data", SHIPPED)
    assert knowledge.rules.rules and knowledge.model is not None
    assert set(knowledge.model.concept_ids) <= {c.concept_id for c in SHIPPED.concepts}


def test_a_saved_model_gives_the_same_probabilities(tmp_path: Path) -> None:
    model = load_model(ROOT / "data" / MODEL_FILE)
    save_model(model, tmp_path / MODEL_FILE)
    again = load_model(tmp_path / MODEL_FILE)
    rules = language_rules(SHIPPED)
    items = [item("Staden genomför en kartläggning av diskriminering i skolan.")]
    signals = compute_signals(items, SHIPPED, Vocabulary(SHIPPED, rules.compounds), rules, {})
    first = model.probabilities(signals, model.learned(signals))
    assert (abs(first - again.probabilities(signals, again.learned(signals))) < 1e-3).all()


def test_a_model_from_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / MODEL_FILE
    path.write_text('{"format": 0}', encoding="utf-8")
    with pytest.raises(InputError, match="another version"):
        load_model(path)


def test_every_link_says_how_it_was_found(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT s.basis, s.evidence, s.matched_alias,
                   substr(i.text, s.match_start + 1, s.match_end - s.match_start)
            FROM suggestions s JOIN items i USING (item_id)
            """
        ).fetchall()
    assert rows
    for basis, evidence, alias, matched in rows:
        assert basis in MAPPING_BASES
        assert evidence
        if basis == "alias":
            alias_stems, found = stems_of(alias), stems_of(matched)
            assert found == alias_stems or (len(found) == 1 and len(alias_stems) == 1), (
                alias,
                matched,
            )


def test_normalise_folds_inflection_and_diacritics() -> None:
    assert normalise("Kartläggningar") == normalise("kartlaggning")


def test_leave_one_document_out_never_trains_on_the_scored_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = evaluation.Corpus()
    evaluation.shipped_corpus(corpus, Paths.from_env(), SHIPPED)
    trained_without: list[set[str]] = []
    real_train = evaluation.train

    def spy(signals, examples, trained_on) -> LinkModel:  # type: ignore[no-untyped-def]
        trained_without.append({e.doc_id for e in examples})
        return real_train(signals, examples, trained_on)

    monkeypatch.setattr(evaluation, "train", spy)
    predictions = evaluation.leave_one_document_out(corpus, SHIPPED, SHIPPED_RULES)
    documents = {i.doc_id for i in corpus.items}
    assert len(trained_without) == len(documents) == 4
    assert all(len(seen) == 3 for seen in trained_without)
    scores = evaluation.score(corpus, predictions, SHIPPED)
    assert scores.overall.pairs == sum(
        1 for labels in corpus.labels for v in labels.values() if v == 1.0
    )
    assert 0 < scores.overall.tp < scores.overall.pairs


def test_wilson_interval_is_wide_for_few_pairs() -> None:
    assert evaluation.wilson(5, 5) == [0.566, 1.0]
    assert evaluation.wilson(0, 0) is None
    low, high = evaluation.wilson(80, 100) or [0, 0]
    assert low < 0.8 < high and high - low < 0.2


@pytest.mark.parametrize(
    ("title", "stated"),
    [
        ("Öka kunskapen om rasism och diskriminering", {"knowledge", "communication"}),
        (
            "Motverka att barn och unga utsätts för rasism",
            {"knowledge", "communication", "service", "participation"},
        ),
        (
            "Stärka samverkan med civilsamhället i arbetet mot rasism",
            {"knowledge", "communication", "participation"},
        ),
    ],
)
def test_stated_links_reach_001s_development_areas(
    built_data: Paths, title: str, stated: set[str]
) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT m.concept_id, c.item_id IS NOT NULL
            FROM items i JOIN mappings m USING (item_id)
            LEFT JOIN items c ON c.parent_id = i.item_id AND c.text LIKE 'Det här%'
                 AND EXISTS (SELECT 1 FROM mappings x WHERE x.item_id = c.item_id
                             AND x.concept_id = m.concept_id AND x.method = 'stated')
            WHERE i.doc_id LIKE '001%' AND i.text = ? AND m.method = 'stated'
            """,
            [title],
        ).fetchall()
    assert {cid.removeprefix("function.") for cid, _ in rows} == stated
    assert all(child_states_it for _, child_states_it in rows)


def test_a_stated_link_replaces_the_fuzzy_one(built_data: Paths) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        rows = con.execute(
            """
            SELECT DISTINCT m.method, m.basis FROM mappings m JOIN items i USING (item_id)
            WHERE i.text LIKE 'Handlingsplanen utgår från de fokusområden%'
              AND m.concept_id = 'function.service'
            """
        ).fetchall()
    assert rows == [("stated", "stated")]
