"""The general reader on one made-up document per genre: the items each must give, what is
skipped and why, language detection, and properties that hold for any input.

The fixtures in tests/fixtures/reader/ are written for these tests in the style of real
documents (a city web page with its boilerplate, a plan with goals and bullets, minutes, a page
flattened to one line by a document mirror, an English page, a case paper).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.extract import extract_items, skipped_blocks
from etl.language import LanguageDataError, detect_language, load_language
from etl.model import SKIP_REASONS, DocumentMeta, Item, ParsedDocument, SourceText
from etl.parse import parse_document
from etl.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "reader"


def read(name: str, doc_kind: str) -> tuple[ParsedDocument, tuple[Item, ...]]:
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    return reader(text, doc_kind, name)


def reader(text: str, doc_kind: str, name: str = "t") -> tuple[ParsedDocument, tuple[Item, ...]]:
    meta = DocumentMeta(name, f"{name}.txt", "Norrköping", "Nämnd", doc_kind, "Titel")
    parsed = parse_document(SourceText(meta=meta, text=text, sha256=""))
    return parsed, extract_items(parsed)


def kinds_and_texts(items: tuple[Item, ...]) -> list[tuple[str, str]]:
    return [(i.kind, i.text) for i in items]


def reasons(parsed: ParsedDocument) -> dict[str, str]:
    return {" ".join(s.text_raw.split()): s.reason for s in skipped_blocks(parsed)}


def test_web_page_gives_its_statements_and_bullets_and_no_boilerplate() -> None:
    parsed, items = read("webpage", "webpage")
    assert kinds_and_texts(items) == [
        (
            "component",
            "Norrköpings stad arbetar för att alla invånare ska behandlas med respekt och ha "
            "samma möjligheter.",
        ),
        (
            "activity",
            "Kulturförvaltningen arrangerar sedan 2021 en årlig festival mot rasism i "
            "stadsbiblioteket.",
        ),
        ("component", "alla förvaltningar ansvarar för likabehandling i sin verksamhet"),
        ("component", "invånarna ska kunna påverka beslut som rör dem"),
        ("component", "arbetet följs upp varje år"),
    ]
    skipped = reasons(parsed)
    for line in (
        "Till sidans huvudinnehåll",
        "$left",
        "Startsida > Kommun och politik > Mänskliga rättigheter",
        "Dela",
        "Skriv ut",
        "Kontakta oss",
        "Senast uppdaterad: 2024-03-12",
    ):
        assert skipped[line] == "boilerplate", line
    assert skipped["Stadens arbete bygger på tre principer:"] == "lead_in"
    assert skipped["Arbetet mot diskriminering"] == "heading"
    assert any(r == "boilerplate" and "kakor" in t for t, r in skipped.items())


def test_plan_gives_its_goal_sub_goals_and_efforts() -> None:
    parsed, items = read("plan", "plan")
    assert kinds_and_texts(items) == [
        (
            "component",
            "Planens övergripande mål är att staden ska vara fri från rasism och diskriminering.",
        ),
        ("component", "Staden synliggör rasism i alla verksamheter."),
        ("component", "Invånarna har tillgång till stöd när de utsätts för diskriminering."),
        ("component", "Utbildning för alla chefer om normmedvetet ledarskap"),
        ("component", "En årlig enkät om invånarnas erfarenheter av diskriminering"),
        ("component", "Ett samråd med civilsamhällets organisationer varje höst"),
    ]
    skipped = reasons(parsed)
    assert skipped["Planen har två delmål:"] == "lead_in"
    assert skipped["Övergripande mål"] == "heading"


def test_minutes_give_what_the_meeting_did_and_not_the_agenda_headings() -> None:
    parsed, items = read("minutes", "minutes")
    assert kinds_and_texts(items) == [
        ("activity", "Ordföranden hälsar välkomna och öppnar mötet."),
        (
            "activity",
            "Samordnaren presenterar programmet för Förintelsens minnesdag den 27 januari.",
        ),
        (
            "recommendation",
            "Rådets ledamöter lyfter vikten av att skolorna bjuds in till minnesstunden.",
        ),
    ]
    skipped = reasons(parsed)
    assert skipped["§ 3 Mötet avslutas"] == "heading"
    assert skipped["Hoppa över navigering"] == "boilerplate"


def test_flat_text_is_cut_into_sentences_inline_headings_and_points() -> None:
    parsed, items = read("flat", "other")
    assert kinds_and_texts(items) == [
        ("component", "Plan för mänskliga rättigheter antas."),
        ("component", "Samtliga nämnder ska beakta planen i sin verksamhetsplanering."),
        (
            "component",
            "Planen beskriver hur kommunen ska främja mänskliga rättigheter i alla verksamheter.",
        ),
        (
            "component",
            "Planen innehåller fyra målområden: utbildning, arbete, boende och trygghet.",
        ),
        (
            "component",
            "Kommunfullmäktige gav 2023 kommunstyrelsen i uppdrag att ta fram en plan för "
            "mänskliga rättigheter.",
        ),
        (
            "activity",
            "Kommunledningskontoret har genomfört en kartläggning av kommunens arbete under 2023.",
        ),
        (
            "activity",
            "Kartläggningen visar att arbetet bedrivs på olika sätt i olika förvaltningar.",
        ),
        ("recommendation", "Det saknas en gemensam uppföljning av arbetet."),
        (
            "recommendation",
            "Kommunledningskontoret föreslår därför att mätbara indikatorer tas fram för varje "
            "målområde.",
        ),
    ]
    assert parsed.sections[:3] == ("forslag", "sammanfattning", "arendet")
    skipped = reasons(parsed)
    assert skipped["Kommunstyrelsen föreslår att kommunfullmäktige beslutar följande."] == (
        "procedure"
    )
    assert skipped["Storlek: px"] == skipped["Transkript"] == "boilerplate"
    assert skipped["Sammanfattning"] == "heading"


def test_english_page_is_detected_and_read_like_a_swedish_one() -> None:
    parsed, items = read("english", "webpage")
    assert parsed.language == "en"
    assert kinds_and_texts(items) == [
        ("activity", "The city council adopted its first strategy against discrimination in 2019."),
        ("component", "All residents are treated equally in the city's services."),
        ("component", "Staff know their duties under the Discrimination Act."),
        ("component", "Residents take part in decisions that concern them."),
        ("activity", "The city organises a yearly conference with civil society on 21 March."),
        (
            "recommendation",
            "The council should publish indicators that show how the goals are met.",
        ),
    ]
    skipped = reasons(parsed)
    assert skipped["Skip to main content"] == skipped["Share this page"] == "boilerplate"
    assert skipped["Last updated: 12 March 2024"] == "boilerplate"
    assert skipped["The strategy has three goals:"] == "lead_in"


def test_case_paper_keeps_the_remissvar_rules() -> None:
    parsed, items = read("casepaper", "response")
    assert parsed.language == "sv"
    assert kinds_and_texts(items) == [
        (
            "component",
            "Programmet ska ge vägledning för stadens nämnder i arbetet med mänskliga rättigheter.",
        ),
        ("component", "Kunskap och information"),
        ("component", "Välfärd och service"),
        ("component", "Delaktighet och inflytande"),
        ("component", "Samverkan"),
        (
            "response",
            "Förvaltningen välkomnar programmet och ser positivt på den tydliga strukturen.",
        ),
        (
            "recommendation",
            "Förvaltningen föreslår att programmet kompletteras med mätbara indikatorer. "
            "Det saknas en plan för hur arbetet ska följas upp.",
        ),
    ]
    skipped = reasons(parsed)
    assert skipped["Programmet har fyra fokusområden:"] == "lead_in"
    assert skipped["Ärendet har beretts av förvaltningens avdelning för stöd och utveckling."] == (
        "procedure"
    )
    formula = (
        "Nämnden godkänner förvaltningens tjänsteutlåtande och överlämnar det till kommunstyrelsen."
    )
    assert skipped[formula] == "procedure"
    for furniture in ("Sida 2 (2)", "Dnr 2025-00417", "Anna Andersson", "Förvaltningschef"):
        assert skipped[furniture] == "furniture", furniture


def test_article_quotes_and_a_lone_bullet_say_their_own_piece() -> None:
    """A dash before a quote opens speech, not a list: the quote is one item, and neither it nor
    a lone bullet takes in the paragraphs after it."""
    parsed, items = read("article", "webpage")
    assert kinds_and_texts(items) == [
        (
            "component",
            "Sedan i höstas har Västerås stad ett nytt råd för de nationella minoriteterna.",
        ),
        (
            "activity",
            "Vi har startat ett arbete med tydligare samråd. Vi vill att fler ska kunna påverka, "
            "säger Karin Lind, strateg på stadsledningskontoret.",
        ),
        ("activity", "Rådet träffas fyra gånger om året och följer stadens arbete."),
        (
            "activity",
            "Stadsbiblioteket erbjuder sedan 2022 böcker på finska, meänkieli och romani.",
        ),
        (
            "recommendation",
            "Biblioteket står inför samma utmaningar som andra bibliotek, att hitta personal som "
            "kan språken.",
        ),
        (
            "activity",
            "Studien om minoriteternas villkor bygger på intervjuer med ett fyrtiotal personer.",
        ),
    ]
    assert reasons(parsed) == {"Västerås bygger nya samråd med minoriteterna": "heading"}


def test_remissvar_without_standard_headings_gives_goal_stance_and_proposals() -> None:
    parsed, items = read("yttrande", "response")
    assert kinds_and_texts(items) == [
        (
            "component",
            "Strategins målsättning är att romer ska ha samma möjligheter som andra invånare.",
        ),
        # the body's account of its own work is its position: a remissvar gives no activities
        ("response", "Kommunen har sedan 2019 arbetat med brobyggare i skolan."),
        (
            "response",
            "Kommunstyrelsen ställer sig bakom strategin. Förvaltningen anser att den ger en bra "
            "grund för arbetet.",
        ),
        ("recommendation", "Alla chefer får utbildning om minoriteternas rättigheter"),
        ("recommendation", "Rådet bjuds in till nämndens sammanträde"),
    ]
    skipped = reasons(parsed)
    assert skipped["Yttrande Datum Diarienummer 1 (2)"] == "furniture"
    assert skipped["Utredare 021-39 00 00 anna.berg@vasteras.se"] == "contact"
    letterhead = "Västerås stad, 721 87 Västerås • Orgnr: 212000-2080 • Besöksadress: Stadshuset"
    assert skipped[letterhead] == "contact"
    assert skipped["Kommunstyrelsen föreslår följande insatser:"] == "lead_in"
    referral = "Kommunstyrelsen har beretts möjlighet att lämna synpunkter på strategin."
    assert skipped[referral] == "procedure"


def test_each_point_of_a_proposed_decision_is_an_item() -> None:
    parsed, items = read("beslut", "other")
    assert kinds_and_texts(items) == [
        (
            "component",
            "Kommunstyrelsen föreslås besluta att anta handlingsplanen mot rasism enligt bilaga 1, "
            "samt",
        ),
        (
            "component",
            "att uppdra åt kommunledningskontoret att samordna och följa upp handlingsplanen.",
        ),
        (
            "activity",
            "Kommunfullmäktige beslutade 2023 att en handlingsplan mot rasism ska tas fram.",
        ),
        ("component", "Handlingsplanen har tre fokusområden: kunskap, bemötande och delaktighet."),
    ]
    formula = reader(
        "Förslag till beslut\nNämnden beslutar att godkänna förvaltningens tjänsteutlåtande.\n",
        "other",
    )
    assert formula[1] == ()
    assert "procedure" in reasons(formula[0]).values()


@pytest.mark.parametrize(
    ("sentence", "doc_kind", "kind"),
    [
        # a deed: perfect or past tense, also behind adverbials, in any genre
        (
            "Fritidsförvaltningen har under våren 2023 genomfört en enkät bland unga.",
            "webpage",
            "activity",
        ),
        ("Handlingsplanen reviderades 2022 tillsammans med föreningarna.", "webpage", "activity"),
        (
            "Åren 2018-2020 var Gävle en av tre kommuner som arbetade med romsk inkludering.",
            "webpage",
            "activity",
        ),
        ("Sedan 2019 har kommunen utbildat alla rektorer i normkritik.", "plan", "activity"),
        ("I samråd med föreningarna tog kommunen 2017 fram riktlinjerna.", "webpage", "activity"),
        # present doing, an effort as the subject: outside plans
        ("Ungdomsförvaltningen arrangerar varje höst en vecka mot rasism.", "webpage", "activity"),
        ("Kartläggningen bygger på enkäter till alla skolor i kommunen.", "webpage", "activity"),
        ("Kommunen har samarbete med tre föreningar på nationell nivå.", "webpage", "activity"),
        ("Ungdomsförvaltningen arrangerar varje höst en vecka mot rasism.", "plan", "component"),
        # what a policy is or says: goals, responsibilities, definitions, the document as subject
        (
            "Gävle ska vara en kommun där ingen diskrimineras för sin bakgrund.",
            "webpage",
            "component",
        ),
        (
            "Varje förvaltning ansvarar för att planen genomförs i den egna verksamheten.",
            "webpage",
            "component",
        ),
        ("Strategin innehåller fyra fokusområden och tolv insatser.", "webpage", "component"),
        ("Rådet har ett arbetsutskott med fem ledamöter.", "webpage", "component"),
        ("Gävle kommun arbetar för att alla invånare ska bemötas lika.", "webpage", "component"),
        # concerns and needs, stated as such
        (
            "Rasism i skolan är ett allvarligt problem som många elever vittnar om.",
            "webpage",
            "recommendation",
        ),
        (
            "Rådet är mycket oroat över de ökande hoten mot judiska församlingar.",
            "other",
            "recommendation",
        ),
        ("Planen tar upp problem med bäring på trygghet i bostadsområdet.", "webpage", "component"),
        # English
        ("The city has organised a festival against racism since 2019.", "webpage", "activity"),
        ("The action plan provides a framework for cities of every size.", "webpage", "component"),
        (
            "The strategy aims to give every resident the same opportunities.",
            "webpage",
            "component",
        ),
    ],
)
def test_kind_follows_the_wording_of_the_passage(sentence: str, doc_kind: str, kind: str) -> None:
    _, items = reader(f"Rubrik\n\n{sentence}\n", doc_kind)
    assert kinds_and_texts(items) == [(kind, sentence)]


def test_a_marker_may_be_a_list_of_commented_alternatives(tmp_path: pytest.TempPathFactory) -> None:
    source = (ROOT / "data" / "language" / "en.toml").read_text(encoding="utf-8")
    path = tmp_path / "en.toml"  # type: ignore[operator]
    path.write_text(
        source.replace(
            'conclusion_heading = "conclusions?"',
            'conclusion_heading = [\n  # a heading\n  "conclusions?",\n  "findings",\n]',
        )
    )
    assert load_language(path).marker("conclusion_heading", "our findings")
    path.write_text(
        source.replace('conclusion_heading = "conclusions?"', "conclusion_heading = [1]")
    )
    with pytest.raises(
        LanguageDataError, match="markers.conclusion_heading: must be a text or a list"
    ):
        load_language(path)


def test_a_stray_control_character_keeps_its_line_accounted_for() -> None:
    text = "\x00\nStaden arrangerar en festival mot rasism varje år.\n"
    parsed, items = reader(text, "webpage")
    covered = [(i.char_start, i.char_end) for i in items]
    covered += [(s.char_start, s.char_end) for s in skipped_blocks(parsed)]
    assert any(start <= 0 < end for start, end in covered)
    assert [i.text_raw for i in items] == [text.strip("\n")]


@pytest.mark.parametrize(
    "text",
    [
        "Staden arrangerar en festival mot rasism varje år.\n**\n",
        "**\nStaden arrangerar en festival mot rasism varje år.\n",
    ],
)
def test_a_line_of_bold_marks_alone_stays_inside_its_passage(text: str) -> None:
    """A line of markup alone gives the passage no text, yet it is covered (a property-test
    find: ':\n**' lost its second line)."""
    _, items = reader(text, "webpage")
    assert [i.text_raw for i in items] == [text.strip("\n")]
    assert [i.text for i in items] == ["Staden arrangerar en festival mot rasism varje år."]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Staden arbetar för att alla ska ha samma rättigheter och möjligheter.", "sv"),
        ("The city works to give every resident the same rights and opportunities.", "en"),
        ("", "sv"),
    ],
)
def test_language_is_detected(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_a_broken_language_file_is_refused_with_file_line_and_key(
    tmp_path: pytest.TempPathFactory,
) -> None:
    source = (ROOT / "data" / "language" / "sv.toml").read_text(encoding="utf-8")
    broken = tmp_path / "sv.toml"  # type: ignore[operator]
    broken.write_text(source.replace('pattern = "sammanfattning"', 'pattern = "(sammanfattning"'))
    with pytest.raises(LanguageDataError) as error:
        load_language(broken)
    line = next(
        n for n, text in enumerate(source.splitlines(), start=1) if '"sammanfattning"' in text
    )
    assert str(error.value).startswith(f"sv.toml line {line}, sections.sammanfattning: ")
    unfolded = source.replace(
        'conclusion_heading = "\\\\w*slutsats\\\\w*"', 'conclusion_heading = "Slutsats"'
    )
    broken.write_text(unfolded)
    with pytest.raises(
        LanguageDataError, match="markers.conclusion_heading: 'Slutsats' is not folded"
    ):
        load_language(broken)


# Pieces of the genres above, mixed with arbitrary text, for the properties below.
PIECES = (
    "Till sidans huvudinnehåll",
    "Startsida > Om oss > Rättigheter",
    "Senast uppdaterad: 2024-01-01",
    "Storlek: px",
    "$left",
    "Skip to main content",
    "Sammanfattning",
    "Ärendet",
    "Förvaltningens synpunkter och förslag",
    "§ 4 Övrigt",
    "4.2 En myndighet ska inrättas",
    "# Rubrik",
    "**Fetstil**",
    "PLANENS MÅL",
    "  • Utbildning för chefer",
    "o Samverkan med civilsamhället",
    "1. Planen antas.",
    "Planen har tre delmål:",
    "Förvaltningen föreslår att indikatorer tas fram. Det saknas uppföljning.",
    "The council should publish indicators.",
    "Kommunstyrelsen föreslår att kommunfullmäktige beslutar följande. 1. Planen antas. 2. "
    "Nämnderna ska beakta planen. Sammanfattning Planen beskriver arbetet i staden. " * 8,
    "Sida 2 (3)",
    "",
    "   ",
    "\f",
)
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=60)), max_size=30).map(
    "\n".join
)
PROPERTIES = settings(max_examples=150, deadline=None)


@PROPERTIES
@given(TEXTS, st.sampled_from(["response", "plan", "webpage", "minutes", "report", "other"]))
def test_no_input_crashes_the_reader_and_offsets_locate_each_passage(
    text: str, doc_kind: str
) -> None:
    parsed, items = reader(text, doc_kind)
    for item in items:
        assert text[item.char_start : item.char_end] == item.text_raw
    for block in skipped_blocks(parsed):
        assert text[block.char_start : block.char_end] == block.text_raw
        assert block.reason in SKIP_REASONS


@PROPERTIES
@given(TEXTS, st.sampled_from(["response", "plan", "webpage", "minutes", "other"]))
def test_every_line_is_part_of_an_item_or_skipped_with_a_reason(text: str, doc_kind: str) -> None:
    parsed, items = reader(text, doc_kind)
    spans = [(i.char_start, i.char_end) for i in items]
    spans += [(s.char_start, s.char_end) for s in skipped_blocks(parsed)]
    position = 0
    for line in text.splitlines(keepends=True):
        start, end = position, position + len(line.rstrip("\r\n"))
        position += len(line)
        if line.strip() and not any(s < end and start < e for s, e in spans):
            raise AssertionError(f"line dropped silently: {line!r}")
