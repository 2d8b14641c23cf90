"""Export: the tables as files for other tools, a presentation deck and an ECCAR report draft.

The deck and the report are made by etl/read/deck.py and etl/read/report.py (the command line
makes the same files), only when their button is clicked.
"""

from collections import Counter
from functools import partial

import streamlit as st

from etl.paths import Paths
from etl.read import i18n
from etl.read.charts import built_on
from etl.read.deck import forum_deck, forum_slides
from etl.read.export import EXPORT_TABLES, FORMATS, export_bytes
from etl.read.query import version
from etl.read.report import eccar_report
from pages._common import atlas, database_ready, escape, lang, t
from pages._comparison import choose_cities, choose_dimension

MIME = {
    "csv": "application/zip",
    "parquet": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@st.cache_data(show_spinner=False, max_entries=32)
def slide_titles(
    db_version: float, language: str, cities: tuple[str, ...], dimension: str
) -> list[str]:
    """The deck's slide titles, to list its contents (nothing is rendered); a slide title the
    deck repeats over several slides (a chart in parts) is numbered "part 1 of 2". `db_version`
    renews the list after a rebuild."""
    forum = forum_slides(atlas(), language, cities, dimension, built_on(Paths.from_env().db))
    titles = [s.title for s in forum.slides]
    total = Counter(titles)
    seen: Counter[str] = Counter()
    numbered = []
    for title in titles:
        seen[title] += 1
        numbered.append(
            i18n.t("export.deck.part", language).format(
                title=title,
                n=i18n.fmt_number(seen[title], language),
                total=i18n.fmt_number(total[title], language),
            )
            if total[title] > 1
            else title
        )
    return numbered


def deck(language: str, cities: list[str], dimension: str) -> bytes:
    return forum_deck(atlas(), language, cities, dimension, built_on(Paths.from_env().db))


def report(language: str, city: str) -> bytes:
    return eccar_report(atlas(), city, language, built_on(Paths.from_env().db))


st.title(t("page.export"))
st.caption(t("export.intro"))

if database_ready():
    st.subheader(t("export.tables"))
    st.markdown(
        "\n".join(
            f"- **{t(f'export.table_name.{name}')}**: {t(f'export.table.{name}')}"
            for name in EXPORT_TABLES
        )
    )
    st.caption(t("export.tables_note"))
    db = Paths.from_env().db
    for column, fmt in zip(st.columns(len(FORMATS), width=560), FORMATS, strict=True):
        column.download_button(
            t(f"export.format.{fmt}"),
            data=partial(export_bytes, db, fmt),
            file_name=f"rights-atlas.{'xlsx' if fmt == 'xlsx' else f'{fmt}.zip'}",
            mime=MIME[fmt],
            key=f"export-{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )

    st.subheader(t("export.deck"))
    st.caption(t("export.deck_intro"))
    cities = choose_cities()
    dimension = choose_dimension()
    language = lang()
    titles = slide_titles(version(db), language, tuple(cities), dimension)
    contents = [t("export.deck.title_slide"), *titles]
    st.markdown("\n".join(f"{n}. {escape(name)}" for n, name in enumerate(contents, start=1)))
    st.download_button(
        t("export.deck_button"),
        data=lambda: deck(language, cities, dimension),
        file_name=f"rights-atlas-{language}.pptx",
        mime=MIME["pptx"],
        key="deck",
        on_click="ignore",
        icon=":material/slideshow:",
        type="primary",
    )

    st.subheader(t("export.report"))
    st.caption(t("export.report_intro"))
    city = st.selectbox(t("export.report_city"), atlas().cities(), key="report_city")
    st.download_button(
        t("export.report_button"),
        data=lambda: report(language, city),
        file_name=f"eccar-{city}-{language}.docx",
        mime=MIME["docx"],
        key="report",
        on_click="ignore",
        icon=":material/description:",
    )
