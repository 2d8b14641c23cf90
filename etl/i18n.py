"""Interface text in Swedish and English, and numbers and dates in each language's style.

Plain data and pure functions, no Streamlit: pages ask `t(key, lang)`; tests check that every
key has both languages. Swedish is the default: the documents and most users are Swedish.
"""

from __future__ import annotations

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

# key → (Swedish, English)
TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("Rights Atlas", "Rights Atlas"),
    "app.tagline": (
        "Hur Stockholm och Malmö arbetar mot rasism och för mänskliga rättigheter – "
        "jämfört utifrån städernas egna dokument.",
        "How Stockholm and Malmö work against racism and for human rights – "
        "compared from the cities' own documents.",
    ),
    "app.language": ("Språk / Language", "Språk / Language"),
    "app.no_database": (
        "Databasen är inte byggd än. Kör `make run` eller `python -m etl build`.",
        "The database has not been built yet. Run `make run` or `python -m etl build`.",
    ),
    "page.sources": ("Källor", "Sources"),
    "sources.intro": (
        "Dokumenten som jämförelsen bygger på, och de passager som hämtats ur varje dokument.",
        "The documents the comparison is built on, and the passages taken from each of them.",
    ),
    "sources.documents": ("Dokument", "Documents"),
    "sources.choose": ("Välj dokument", "Choose a document"),
    "sources.items_by_kind": ("Passager efter typ", "Passages by kind"),
    "sources.no_items": (
        "Inga passager hämtades ur detta dokument.",
        "No passages were taken from this document.",
    ),
    "sources.show_raw": (
        "Visa källtexten som den är (utan reparation)",
        "Show the source text as is (unrepaired)",
    ),
    "sources.passage": ("Källpassage", "Source passage"),
    "sources.full_text": ("Hela dokumentet", "The whole document"),
    "sources.repaired_note": (
        "OCR-texten har reparerats (å, ä, ö återställda). Originalet visas under Källpassage.",
        "The OCR text has been repaired (å, ä, ö restored). "
        "The original is shown under Source passage.",
    ),
    "col.city": ("Stad", "City"),
    "col.organ": ("Organ", "Body"),
    "col.doc_kind": ("Typ", "Kind"),
    "col.title": ("Titel", "Title"),
    "col.date": ("Datum", "Date"),
    "col.dnr": ("Diarienummer", "Registration no."),
    "col.relates_to": ("Gäller", "Concerns"),
    "col.items": ("Passager", "Passages"),
    "col.section": ("Avsnitt", "Section"),
    "col.text": ("Text", "Text"),
    "col.offsets": ("Tecken", "Characters"),
    "kind.component": ("Policykomponent", "Policy component"),
    "kind.activity": ("Aktivitet", "Activity"),
    "kind.response": ("Remissvar (ståndpunkt)", "Response (position)"),
    "kind.recommendation": ("Förslag och synpunkt", "Proposal or concern"),
    "doc_kind.response": ("Remissvar", "Consultation response"),
    "doc_kind.policy": ("Policy", "Policy"),
    "doc_kind.plan": ("Handlingsplan", "Action plan"),
    "doc_kind.report": ("Rapport / återrapportering", "Report"),
    "doc_kind.webpage": ("Webbsida", "Web page"),
    "doc_kind.minutes": ("Protokoll", "Minutes"),
    "doc_kind.other": ("Övrigt", "Other"),
    "state.confirmed": ("Bekräftad", "Confirmed"),
    "state.suggested": ("Föreslagen (ej granskad)", "Suggested (not reviewed)"),
    "state.reviewed_not_covered": ("Granskad: saknas", "Reviewed: not covered"),
    "state.not_found": ("Inget hittat (ej granskat)", "Nothing found (not reviewed)"),
    "chart.download_help": (
        "Ladda ner diagrammet eller dess data",
        "Download the chart or its data",
    ),
}

MONTHS = {
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "en": "January February March April May June July August September October November December",
}


def t(key: str, lang: str) -> str:
    """The text for `key` in `lang`; the key itself if missing, so a gap shows, not crashes."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def fmt_number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """1 234,5 in Swedish (narrow no-break space, decimal comma); 1,234.5 in English."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_share(value: float | None, lang: str) -> str:
    """A share 0-1 as a percentage: 87 % (Swedish puts a space before %), 87% in English."""
    if value is None:
        return "–"
    return fmt_number(value * 100, lang) + ("\u00a0%" if lang == "sv" else "%")


def fmt_date(value: str | None, lang: str) -> str:
    """ISO date, month or year → '23 april 2024' / '23 April 2024'; empty stays empty."""
    if not value:
        return ""
    parts = value.split("-")
    months = MONTHS["sv" if lang == "sv" else "en"].split()
    if len(parts) == 1:
        return parts[0]
    month = months[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{int(parts[2])} {month} {parts[0]}"
