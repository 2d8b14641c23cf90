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
    "upload.title": ("Lägg till ett dokument", "Add a document"),
    "upload.file": (
        "Fil: text (.txt), PDF med textlager eller Word (.docx), högst 20 MB",
        "File: text (.txt), PDF with a text layer or Word (.docx), at most 20 MB",
    ),
    "upload.new_city": (
        "Staden är ny i korpusen (lägg till den)",
        "The city is new to the corpus (add it)",
    ),
    "upload.submit": ("Lägg till och bygg om", "Add and rebuild"),
    "upload.working": ("Läser dokumentet och bygger om databasen …", "Reading and rebuilding …"),
    "upload.done": (
        "{name} är tillagt: {items} passager hämtades.",
        "{name} was added: {items} passages were taken from it.",
    ),
    "upload.locked": (
        "Att lägga till dokument kräver inloggning eller lösenord.",
        "Adding documents needs a sign-in or the password.",
    ),
    "access.password": ("Lösenord för ändringar", "Password for changes"),
    "access.login": ("Logga in", "Sign in"),
    "chart.download_help": (
        "Ladda ner diagrammet eller dess data",
        "Download the chart or its data",
    ),
    # Responses, Activities and Evidence pages.
    "page.responses": ("Remissvar", "Consultation responses"),
    "page.activities": ("Aktiviteter", "Activities"),
    "page.evidence": ("Sök belägg", "Evidence explorer"),
    "responses.intro": (
        "Vad nämnderna svarade på remisserna: vem som svarade på vilken policy, den "
        "övergripande ståndpunkten och förslagen grupperade per begrepp – så syns vilka "
        "synpunkter flera nämnder delar.",
        "What the committees said in their consultation responses: who answered which policy, "
        "their overall position, and their proposals grouped by concept – so the concerns "
        "several committees share stand out.",
    ),
    "responses.policies": ("Remitterad policy", "Policy referred for consultation"),
    "responses.all_policies": ("Alla policyer", "All policies"),
    "responses.none": (
        "Det finns inga remissvar från de valda städerna om de valda policyerna.",
        "There are no consultation responses from the chosen cities on the chosen policies.",
    ),
    "responses.none_from": (
        "Inga remissvar från: {cities}.",
        "No consultation responses from: {cities}.",
    ),
    "responses.who": ("Vem svarade på vad", "Who answered what"),
    "responses.col.committee": ("Nämnd", "Committee"),
    "responses.col.statements": ("Ställningstaganden", "Statements"),
    "responses.col.recommendations": ("Förslag", "Proposals"),
    "responses.positions": ("Övergripande ståndpunkt", "Overall position"),
    "responses.positions_note": (
        "Det första ställningstagandet under ”Förvaltningens synpunkter och förslag”, där ett "
        "remissvar brukar ge sin samlade bedömning.",
        "The first statement under “the administration's views and proposals”, where a "
        "response usually gives its overall verdict.",
    ),
    "responses.answers": ("Svar på", "Response to"),
    "responses.no_position": (
        "Inget ställningstagande hittades i detta remissvar.",
        "No statement was found in this response.",
    ),
    "responses.more_statements": ("Övriga ställningstaganden ({n})", "Other statements ({n})"),
    "responses.concerns": (
        "Förslag och synpunkter per begrepp",
        "Proposals and concerns by concept",
    ),
    "responses.no_recommendations": (
        "De valda remissvaren innehåller inga förslag som kopplats till något begrepp.",
        "The chosen responses contain no proposals linked to a concept.",
    ),
    "responses.chart.title": (
        "Förslag per begrepp och nämnd",
        "Proposals by concept and committee",
    ),
    "responses.chart.subtitle": (
        "Antal förslag i remissvaren som kopplats till begreppet; synpunkter som flera nämnder "
        "delar står överst",
        "Number of proposals in the responses linked to the concept; concerns several "
        "committees share come first",
    ),
    "responses.chart.concept": ("Begrepp", "Concept"),
    "responses.chart.committee": ("Nämnd", "Committee"),
    "responses.chart.count": ("Förslag", "Proposals"),
    "responses.group": (
        "{concept} · nämnder: {committees} · förslag: {proposals}",
        "{concept} · committees: {committees} · proposals: {proposals}",
    ),
    "responses.show_source": ("Visa i dokumentet", "Show in the document"),
    "activities.intro": (
        "Städernas konkreta insatser som dokumenten beskriver dem, med begrepp, organ och de år "
        "de nämner.",
        "Each city's concrete efforts as the documents describe them, with their concepts, body "
        "and the years they mention.",
    ),
    "activities.none": (
        "Inga aktiviteter hittades i de valda städernas dokument.",
        "No activities were found in the chosen cities' documents.",
    ),
    "activities.none_from": (
        "Inga aktiviteter hittades i dokumenten från: {cities}.",
        "No activities were found in the documents from: {cities}.",
    ),
    "activities.timeline": ("Tidslinje", "Timeline"),
    "activities.chart.title": (
        "Aktiviteter och de år de nämner",
        "Activities and the years they mention",
    ),
    "activities.chart.subtitle": (
        "En linje går från första till sista år som aktiviteten nämner; färg efter stad",
        "A line runs from the first to the last year the activity mentions; colour by city",
    ),
    "activities.chart.year": ("År", "Year"),
    "activities.chart.activity": ("Aktivitet", "Activity"),
    "activities.no_years": (
        "Ingen av de valda aktiviteterna nämner något år, så tidslinjen är tom.",
        "None of the chosen activities mentions a year, so the timeline is empty.",
    ),
    "activities.undated": (
        "Aktiviteter som inte nämner något år ({n}) – de finns inte i tidslinjen:",
        "Activities that mention no year ({n}) – they are not in the timeline:",
    ),
    "activities.table": ("Alla aktiviteter", "All activities"),
    "activities.col.number": ("Nr", "No."),
    "activities.col.text": ("Aktivitet", "Activity"),
    "activities.col.years": ("År", "Years"),
    "activities.col.concepts": ("Begrepp", "Concepts"),
    "activities.col.organ": ("Rapporterat av", "Reported by"),
    "activities.col.source": ("Källa", "Source"),
    "activities.open_source": ("Visa i källan", "Show in source"),
    "evidence.intro": (
        "Sök i alla passager – i den reparerade texten och i källtexten – och se varje passage "
        "i sitt dokument.",
        "Search all passages – in the repaired text and in the source text – and see each "
        "passage in its document.",
    ),
    "evidence.search": ("Sök i texten", "Search the text"),
    "evidence.search_help": (
        "Hittar passager som innehåller exakt denna text, med stora eller små bokstäver.",
        "Finds passages that contain exactly this text, in upper or lower case.",
    ),
    "evidence.document": ("Dokument", "Document"),
    "evidence.all_documents": ("Alla dokument", "All documents"),
    "evidence.kinds": ("Typ av passage", "Kind of passage"),
    "evidence.all_kinds": ("Alla typer", "All kinds"),
    "evidence.concept": ("Begrepp", "Concept"),
    "evidence.all_concepts": ("Alla begrepp", "All concepts"),
    "evidence.count": ("Passager som matchar: {n}", "Passages that match: {n}"),
    "evidence.count_search": (
        "Passager som innehåller ”{q}”: {n}",
        "Passages that contain “{q}”: {n}",
    ),
    "evidence.shown": (
        "Visar de första {shown}. Förfina sökningen för att se fler.",
        "Showing the first {shown}. Narrow the search to see more.",
    ),
    "evidence.none": (
        "Inga passager matchar sökningen och filtren. Pröva ett kortare sökord eller färre filter.",
        "No passages match the search and filters. Try a shorter search or fewer filters.",
    ),
    "evidence.none_search": (
        "Ingen passage innehåller ”{q}” med de valda filtren. Pröva ett kortare sökord eller "
        "färre filter.",
        "No passage contains “{q}” with the chosen filters. Try a shorter search or fewer filters.",
    ),
    "evidence.matched": ("Markerat: ”{alias}” → {concept}", "Marked: “{alias}” → {concept}"),
    "evidence.no_concept": ("Inte kopplad till något begrepp.", "Not linked to any concept."),
    "evidence.show": ("Visa i källan", "Show in source"),
    "evidence.viewer": ("Källvisare", "Source viewer"),
    "evidence.item": ("Passage som visas", "Passage shown"),
    "evidence.choose_item": (
        "Välj en passage bland träffarna (”Visa i källan”) för att se den i sitt dokument.",
        "Choose a passage among the results (“Show in source”) to see it in its document.",
    ),
    "evidence.passage": ("Passagen (reparerad text)", "The passage (repaired text)"),
    "evidence.context": (
        "I dokumentet – källtexten som den är, med texten runt omkring:",
        "In the document – the source text as it is, with the text around it:",
    ),
    "evidence.links": ("Kopplingar till begrepp", "Links to concepts"),
    "evidence.link": (
        "**{concept}** · ”{alias}” · likhet {score} · {method} · {status}",
        "**{concept}** · “{alias}” · similarity {score} · {method} · {status}",
    ),
    "evidence.method.fuzzy": ("Textlikhet", "Text similarity"),
    "evidence.method.stated": ("Anges i dokumentet", "Stated in the document"),
    "evidence.method.manual": ("Manuell", "Manual"),
    "evidence.status.auto": ("Ej granskad", "Not reviewed"),
    "evidence.status.accepted": ("Godkänd", "Accepted"),
    "evidence.status.rejected": ("Avvisad (räknas inte)", "Rejected (not counted)"),
    # Overview, Coverage and gaps, ECCAR benchmark, Export (the comparison pages).
    "page.overview": ("Översikt", "Overview"),
    "page.coverage": ("Täckning och luckor", "Coverage and gaps"),
    "page.eccar": ("ECCAR-jämförelse", "ECCAR benchmark"),
    "page.export": ("Export", "Export"),
    "overview.cities": ("Städer att jämföra", "Cities to compare"),
    "overview.no_cities": (
        "Välj minst en stad att jämföra.",
        "Choose at least one city to compare.",
    ),
    "overview.dimension": ("Dimension", "Dimension"),
    "overview.dimension.eccar": ("ECCAR:s tiopunktsprogram", "ECCAR Ten-Point Plan"),
    "overview.dimension.function": ("Arbetssätt", "How the work is done"),
    "overview.dimension.focus": ("Fokus: vilka arbetet gäller", "Focus: whom the work concerns"),
    "overview.dimension.arena": ("Arena: var staden agerar", "Arena: where the city acts"),
    "overview.headline": ("Nyckeltal per stad", "Headline figures per city"),
    "overview.documents": ("Dokument", "Documents"),
    "overview.items": ("Passager", "Passages"),
    "overview.units": ("Enheter", "Units"),
    "overview.units_help": (
        "En enhet är en policykomponent, aktivitet eller synpunkt. Beskrivs samma "
        "komponent i flera dokument räknas den en gång.",
        "A unit is a policy component, activity or comment. When several documents "
        "describe the same component it counts once.",
    ),
    "overview.covered_line": (
        "{dimension}: **{covered} av {concepts}** begrepp täcks ({confirmed} bekräftade)",
        "{dimension}: **{covered} of {concepts}** concepts covered ({confirmed} confirmed)",
    ),
    "overview.covered_of": ("{covered} av {concepts}", "{covered} of {concepts}"),
    "overview.covered_note": (
        "Täckt = bekräftad eller föreslagen. Föreslagna kopplingar har hittats automatiskt i "
        "texten men ännu inte granskats av någon.",
        "Covered = confirmed or suggested. Suggested links were found automatically in the "
        "text but nobody has reviewed them yet.",
    ),
    "overview.heatmap": ("Täckning per begrepp", "Coverage per concept"),
    "overview.heatmap_title": (
        "{dimension}: täckning per stad och begrepp",
        "{dimension}: coverage per city and concept",
    ),
    "overview.heatmap_subtitle": (
        "Begrepp som färre städer täcker står överst. Siffran är antal enheter.",
        "Concepts fewer cities cover come first. The number is the count of units.",
    ),
    "overview.no_concepts": (
        "Taxonomin har inga begrepp i denna dimension.",
        "The taxonomy has no concepts in this dimension.",
    ),
    "overview.axis.concept": ("Begrepp", "Concept"),
    "overview.axis.state": ("Täckning", "Coverage"),
    "overview.col.concept_id": ("Begrepps-id", "Concept id"),
    "overview.state_help.confirmed": (
        "en granskare har godkänt minst en koppling i stadens dokument.",
        "a reviewer accepted at least one link in the city's documents.",
    ),
    "overview.state_help.suggested": (
        "texten matchar begreppet, men ingen har granskat kopplingen än.",
        "the text matches the concept, but nobody has reviewed the link yet.",
    ),
    "overview.state_help.reviewed_not_covered": (
        "en granskare har konstaterat att stadens dokument saknar begreppet.",
        "a reviewer found that the city's documents do not cover the concept.",
    ),
    "overview.state_help.not_found": (
        "inget i dokumenten matchade och ingen har granskat: ingen bevisad lucka, bara "
        "ingen träff.",
        "nothing in the documents matched and nobody has reviewed it: not a proven gap, "
        "just no match.",
    ),
    "overview.colour_note": (
        "Färgerna visar vad som har hittats i dokumenten, inte om arbetet är bra eller dåligt.",
        "The colours show what was found in the documents, not whether the work is good or bad.",
    ),
    "coverage.intro": (
        "Städerna sida vid sida per begrepp, luckorna, och underlaget bakom varje rad.",
        "The cities side by side per concept, the gaps, and the evidence behind each row.",
    ),
    "coverage.units_title": (
        "{dimension}: antal enheter per begrepp och stad",
        "{dimension}: units per concept and city",
    ),
    "coverage.units_subtitle": (
        "Färgen visar staden, formen täckningen. Begrepp som färre städer täcker står överst.",
        "Colour shows the city, shape the coverage. Concepts fewer cities cover come first.",
    ),
    "coverage.gaps": ("Luckor", "Gaps"),
    "coverage.show_all": (
        "Visa även begrepp som alla valda städer täcker",
        "Also show concepts every chosen city covers",
    ),
    "coverage.no_gaps": (
        "Alla valda städer täcker varje begrepp i denna dimension; tabellen visar alla.",
        "Every chosen city covers every concept in this dimension; the table shows them all.",
    ),
    "coverage.col.gap": ("Täcks av", "Covered by"),
    "coverage.col.covered_in": ("Täckt i", "Covered in"),
    "coverage.col.reviewed_not_in": ("Granskat: saknas i", "Reviewed: not in"),
    "coverage.col.not_found_in": ("Inget hittat i", "Nothing found in"),
    "coverage.gap.none": ("Ingen av städerna", "None of the cities"),
    "coverage.gap.some": ("Bara {cities}", "Only {cities}"),
    "coverage.gap.all": ("Alla valda städer", "All chosen cities"),
    "coverage.pick_hint": (
        "Välj en rad i tabellen (eller ett begrepp nedan) för att se underlaget.",
        "Choose a row in the table (or a concept below) to see the evidence.",
    ),
    "coverage.choose_concept": ("Begrepp", "Concept"),
    "coverage.evidence": ("Underlaget: {concept}", "The evidence: {concept}"),
    "coverage.says_does_title": (
        "{concept}: vad städerna har skrivit fram och vad de gör",
        "{concept}: what the cities have written down and what they do",
    ),
    "coverage.kind.component": ("Har: policykomponenter", "Has: policy components"),
    "coverage.kind.activity": ("Gör: aktiviteter", "Does: activities"),
    "coverage.says_does_empty": (
        "Inga policykomponenter eller aktiviteter i de valda städerna matchar begreppet, "
        "så det finns inget att jämföra mellan vad som står och vad som görs.",
        "No policy components or activities of the chosen cities match the concept, so there "
        "is nothing to compare between what is written down and what is done.",
    ),
    "coverage.no_passages.not_found": (
        "Inga passager matchar begreppet. Det är ingen bevisad lucka: ingen har granskat.",
        "No passage matches the concept. That is not a proven gap: nobody has reviewed it.",
    ),
    "coverage.no_passages.reviewed_not_covered": (
        "En granskare har konstaterat att stadens dokument saknar begreppet.",
        "A reviewer found that the city's documents do not cover the concept.",
    ),
    "coverage.no_passages.suggested": ("Inga passager.", "No passages."),
    "coverage.no_passages.confirmed": ("Inga passager.", "No passages."),
    "eccar.intro": (
        "ECCAR:s tiopunktsprogram (Nürnberg 2004) som gemensam måttstock. Direkt täckning: "
        "passager som kopplats till åtagandet. Härledd täckning: passager om ett närliggande "
        "begrepp som korsreferensen räknar till åtagandet.",
        "The ECCAR Ten-Point Plan of Action (Nuremberg 2004) as the common yardstick. Direct "
        "coverage: passages linked to the commitment. Derived coverage: passages on a related "
        "concept that the crosswalk counts towards the commitment.",
    ),
    "eccar.chart_title": (
        "ECCAR:s tio åtaganden: enheter per stad, direkt och härlett",
        "The ten ECCAR commitments: units per city, direct and derived",
    ),
    "eccar.chart_subtitle": (
        "Härledda enheter (blekare) kommer via korsreferensen och räknas aldrig som direkta.",
        "Derived units (paler) come through the crosswalk and never count as direct.",
    ),
    "eccar.route.direct": ("Direkt", "Direct"),
    "eccar.route.derived": ("Härledd (via korsreferens)", "Derived (via crosswalk)"),
    "eccar.route_help.direct": (
        "Passager som kopplats direkt till åtagandet.",
        "Passages linked to the commitment itself.",
    ),
    "eccar.route_help.derived": (
        "Passager om ett begrepp som korsreferensen räknar till åtagandet; begreppet anges "
        "under varje passage.",
        "Passages on a concept the crosswalk counts towards the commitment; the concept is "
        "named under each passage.",
    ),
    "eccar.derived_note": (
        "Härledd = via korsreferens från arbetssätt, fokus och arenor (t.ex. Bostäder → "
        "åtagande 7). Det visar närliggande arbete, inte att staden själv kopplat det till "
        "ECCAR.",
        "Derived = through the crosswalk from functions, focus and arenas (e.g. Housing → "
        "commitment 7). It shows related work, not that the city itself tied it to ECCAR.",
    ),
    "eccar.cells": ("Åtagande × stad", "Commitment × city"),
    "eccar.pick_hint": (
        "Välj en rad (eller ett åtagande och en stad nedan) för att se passagerna bakom.",
        "Choose a row (or a commitment and a city below) to see the passages behind it.",
    ),
    "eccar.col.commitment": ("Åtagande", "Commitment"),
    "eccar.col.route": ("Täckningsväg", "Route"),
    "eccar.col.direct_state": ("Direkt täckning", "Direct coverage"),
    "eccar.col.direct_units": ("Direkta enheter", "Direct units"),
    "eccar.col.derived_units": ("Härledda enheter", "Derived units"),
    "eccar.col.derived_from": ("Härledd från", "Derived from"),
    "eccar.choose_commitment": ("Åtagande", "Commitment"),
    "eccar.items_title": ("{commitment} – {city}", "{commitment} – {city}"),
    "eccar.via": ("Härledd via: {concepts}", "Derived via: {concepts}"),
    "eccar.no_items.direct": (
        "Ingen passage är direkt kopplad till åtagandet.",
        "No passage is linked to the commitment itself.",
    ),
    "eccar.no_items.derived": (
        "Ingen passage når åtagandet via korsreferensen.",
        "No passage reaches the commitment through the crosswalk.",
    ),
    "export.intro": (
        "Tabellerna som filer för andra verktyg, och en presentation att visa på ett möte.",
        "The tables as files for other tools, and a presentation to show at a meeting.",
    ),
    "export.tables": ("Tabellerna", "The tables"),
    "export.table.documents": ("ett dokument per rad", "one document per row"),
    "export.table.items": (
        "en passage per rad, med dess plats i källan",
        "one passage per row, with its place in the source",
    ),
    "export.table.concepts": ("taxonomins begrepp", "the taxonomy's concepts"),
    "export.table.mappings": (
        "en koppling passage × begrepp per rad, med likhet och granskningsstatus",
        "one passage × concept link per row, with similarity and review status",
    ),
    "export.table.coverage": (
        "en rad per stad × begrepp: enheter, källor och täckning",
        "one row per city × concept: units, sources and coverage",
    ),
    "export.table.crosswalk": (
        "vilka begrepp som räknas till vilket ECCAR-åtagande",
        "which concepts count towards which ECCAR commitment",
    ),
    "export.format.csv": ("CSV (zip)", "CSV (zip)"),
    "export.format.parquet": ("Parquet (zip)", "Parquet (zip)"),
    "export.format.xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "export.deck": ("Presentation", "Presentation"),
    "export.deck_intro": (
        "En PowerPoint-fil på valt språk med diagrammen och tabellerna för valda städer "
        "och dimension.",
        "A PowerPoint file in the chosen language with the charts and tables for the chosen "
        "cities and dimension.",
    ),
    "export.deck_button": ("Ladda ner presentationen (.pptx)", "Download the presentation (.pptx)"),
    "export.deck.title_slide": ("Titelsida", "Title slide"),
    "export.deck.title": ("Rights Atlas: {cities}", "Rights Atlas: {cities}"),
    "export.deck.subtitle": (
        "Arbetet mot rasism och för mänskliga rättigheter, jämfört utifrån städernas egna "
        "dokument · {today}",
        "Work against racism and for human rights, compared from the cities' own documents "
        "· {today}",
    ),
    "export.deck.gaps": ("Luckor: {dimension}", "Gaps: {dimension}"),
    "export.deck.heatmap": (
        "Täckning per begrepp: {dimension}",
        "Coverage per concept: {dimension}",
    ),
    "export.deck.units": ("Enheter per begrepp: {dimension}", "Units per concept: {dimension}"),
    "export.deck.sources": ("Källor", "Sources"),
    "export.deck.continued": ("(forts.)", "(cont.)"),
    # Review (mapping curation) and Methodology pages.
    "page.review": ("Granskning", "Review"),
    "page.methodology": ("Metod", "Methodology"),
    "review.intro": (
        "Granska de kopplingar som matchningen föreslagit, med lägst poäng först: de är de "
        "troligaste felen. Varje beslut sparas i granskningsfilen och finns kvar när "
        "databasen byggs om.",
        "Review the links the matcher suggested, lowest score first: those are the likeliest "
        "mistakes. Every decision is saved in the review file and survives a rebuild.",
    ),
    "review.filter_city": ("Städer", "Cities"),
    "review.filter_concept": ("Begrepp", "Concepts"),
    "review.filter_status": ("Status", "Status"),
    "review.status.auto": ("Föreslagen", "Suggested"),
    "review.status.accepted": ("Godkänd", "Accepted"),
    "review.status.rejected": ("Avvisad", "Rejected"),
    "review.method.fuzzy": ("nyckelord", "keyword"),
    "review.method.stated": ("angiven i dokumentet", "stated by the document"),
    "review.method.manual": ("tillagd av granskare", "added by a reviewer"),
    "review.count": (
        "{shown} av {total} kopplingar visas, lägst poäng först.",
        "Showing {shown} of {total} links, lowest score first.",
    ),
    "review.none": ("Inga kopplingar matchar urvalet.", "No links match the selection."),
    "review.evidence": (
        "Poäng {score} · {method} · matchade ”{alias}”",
        "Score {score} · {method} · matched “{alias}”",
    ),
    "review.no_span": (
        "Kopplingen anges i en underordnad passage; inget att markera här.",
        "The link is stated in a sub-passage; nothing to highlight here.",
    ),
    "review.accept": ("Godkänn", "Accept"),
    "review.reject": ("Avvisa", "Reject"),
    "review.locked": (
        "Du kan läsa men inte ändra. Logga in eller ange lösenordet för att granska.",
        "You can read but not change anything. Sign in or give the password to review.",
    ),
    "review.reviewer": ("Ditt namn (sparas med beslutet)", "Your name (saved with the decision)"),
    "review.add_title": ("Lägg till ett begrepp för en passage", "Add a concept to a passage"),
    "review.add_item": ("Passage", "Passage"),
    "review.add_concept": ("Begrepp", "Concept"),
    "review.add_button": ("Lägg till", "Add"),
    "review.cell_title": (
        "Markera att en stad saknar ett begrepp",
        "Mark that a city does not cover a concept",
    ),
    "review.cell_help": (
        "Ett granskat ”saknas” skiljer en bekräftad lucka från ett tomt resultat.",
        "A reviewed “not covered” tells a confirmed gap from an empty result.",
    ),
    "review.cell_city": ("Stad", "City"),
    "review.note": ("Anteckning (valfri)", "Note (optional)"),
    "review.cell_button": ("Markera som granskad: saknas", "Mark as reviewed: not covered"),
    "review.cells": ("Granskat som saknas", "Reviewed as not covered"),
    "review.saved": ("Beslutet är sparat.", "The decision is saved."),
    "review.refused": ("Beslutet sparades inte: {reason}", "The decision was not saved: {reason}"),
    "review.stale_title": ("Beslut som inte längre gäller", "Decisions that no longer apply"),
    "review.stale_help": (
        "Passagen eller begreppet finns inte längre (texten eller taxonomin har ändrats). "
        "Besluten finns kvar i granskningsfilen.",
        "The passage or concept is gone (the text or the taxonomy changed). The decisions "
        "stay in the review file.",
    ),
    "review.stale_none": ("Alla beslut gäller.", "Every decision applies."),
    "method.intro": (
        "Hur passagerna i städernas dokument kopplas till den gemensamma taxonomin, och hur "
        "väl det fungerar.",
        "How the passages of the cities' documents are linked to the shared taxonomy, and how "
        "well that works.",
    ),
    "method.how_title": ("Så fungerar matchningen", "How the matching works"),
    "method.how_body": (
        "1. Dokumenten delas upp i passager: policykomponenter, aktiviteter, ståndpunkter och "
        "förslag.\n"
        "2. Varje begrepp i taxonomin har en lista med uttryck som dokumenten använder för det. "
        "Passagen och uttrycken jämförs ord för ord efter att böjningsändelser tagits bort, så "
        "att ”kartläggningar” hittar ”kartläggning”. Små stavningsskillnader tolereras.\n"
        "3. Vissa uttryck räknas inte i ett visst sammanhang (t.ex. ”utbildning” i "
        "”utbildningsinsatser”). ECCAR-punkterna kopplas direkt bara när passagen handlar om "
        "rasism eller diskriminering; annars ger andra begrepp *härledd* ECCAR-täckning.\n"
        "4. Där dokumentet självt säger vilket fokusområde en passage svarar mot blir det en "
        "*angiven* koppling, som väger tyngre än ett nyckelord.\n"
        "5. Alla kopplingar är förslag tills en granskare godkänner eller avvisar dem på sidan "
        "Granskning.",
        "1. The documents are cut into passages: policy components, activities, positions and "
        "proposals.\n"
        "2. Every concept in the taxonomy has a list of phrases the documents use for it. The "
        "passage and the phrases are compared word by word with inflections removed, so "
        "“kartläggningar” finds “kartläggning”. Small spelling differences are tolerated.\n"
        "3. Some phrases do not count in some contexts (e.g. “utbildning” inside "
        "“utbildningsinsatser”). ECCAR points are linked directly only where the passage is "
        "about racism or discrimination; elsewhere other concepts give *derived* ECCAR "
        "coverage.\n"
        "4. Where a document itself says which focus area a passage answers to, the link is "
        "*stated*, and outweighs any keyword.\n"
        "5. Every link is a suggestion until a reviewer accepts or rejects it on the Review page.",
    ),
    "method.caveat": (
        "Nyckelord hittar inte allt: en stad kan arbeta med något utan att använda de ord "
        "taxonomin känner till. En tom cell betyder därför ”inget hittat”, inte en bevisad "
        "lucka – bara ”granskad: saknas” är en bekräftad lucka.",
        "Keywords do not find everything: a city may work on something without using the "
        "words the taxonomy knows. An empty cell therefore means “nothing found”, not a proven "
        "gap – only “reviewed: not covered” is a confirmed gap.",
    ),
    "method.quality_title": ("Uppmätt träffsäkerhet", "Measured accuracy"),
    "method.quality_body": (
        "Mätt mot ett handmärkt urval av passager ur de fyra dokumenten. Precision: hur stor "
        "andel av de föreslagna kopplingarna som är rätt. Täckning (recall): hur stor andel av "
        "de rätta kopplingarna som hittas.",
        "Measured against a hand-labelled sample of passages from the four documents. "
        "Precision: the share of suggested links that are right. Recall: the share of the "
        "right links that are found.",
    ),
    "method.precision": ("Precision", "Precision"),
    "method.recall": ("Täckning (recall)", "Recall"),
    "method.pairs": ("Handmärkta par", "Hand-labelled pairs"),
    "method.support": ("Par i urvalet", "Pairs in the sample"),
    "method.no_quality": (
        "Ingen mätning finns ännu. Kör `benchmarks/evaluate_mapping.py` och bygg om.",
        "No measurement yet. Run `benchmarks/evaluate_mapping.py` and rebuild.",
    ),
    "method.small_sample": (
        "Begrepp med få par i urvalet har osäkra siffror.",
        "Concepts with few pairs in the sample have uncertain numbers.",
    ),
    "method.concepts_title": ("Begreppen", "The concepts"),
    "method.concept": ("Begrepp", "Concept"),
    "method.scope": ("Omfattning", "Scope"),
    "method.aliases": ("Uttryck som matchas", "Phrases matched"),
    "method.crosswalk": ("Räknas mot ECCAR", "Counts towards ECCAR"),
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
