"""Export: the tables as files for other tools, and a presentation deck in the chosen language."""

import datetime
from functools import partial

import polars as pl
import streamlit as st

from etl.paths import Paths
from etl.read.deck import ChartSlide, TableSlide, build_deck
from etl.read.export import EXPORT_TABLES, FORMATS, export_bytes
from pages._charts import FORMAT_LOCALES, localised
from pages._common import atlas, database_ready, date, escape, lang, localised_columns, t
from pages._comparison import (
    choose_cities,
    choose_dimension,
    dimension_name,
    eccar_chart,
    gap_table,
    headline_table,
    heatmap,
    units_plot,
)

MIME = {
    "csv": "application/zip",
    "parquet": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

st.title(t("page.export"))
st.caption(t("export.intro"))

if database_ready():
    st.subheader(t("export.tables"))
    st.markdown("\n".join(f"- **{name}**: {t(f'export.table.{name}')}" for name in EXPORT_TABLES))
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
    name = dimension_name(dimension)
    rows = atlas().comparison(dimension, cities)
    documents = atlas().documents().filter(pl.col("city").is_in(cities))
    heatmap_chart, _ = heatmap(rows, cities)
    units_chart, _ = units_plot(rows, cities)
    eccar, _ = eccar_chart(atlas().eccar_benchmark(cities), cities)
    slides: list[ChartSlide | TableSlide] = [
        TableSlide(
            t("overview.headline"),
            headline_table(atlas().city_summary(cities), atlas().covered_counts(cities)),
            t("overview.covered_note"),
        ),
        ChartSlide(
            t("export.deck.heatmap").format(dimension=name),
            localised(heatmap_chart).to_json(),
            t("overview.colour_note"),
        ),
        ChartSlide(
            t("export.deck.units").format(dimension=name),
            localised(units_chart).to_json(),
            t("overview.colour_note"),
        ),
        ChartSlide(t("page.eccar"), localised(eccar).to_json(), t("eccar.derived_note")),
        TableSlide(
            t("export.deck.gaps").format(dimension=name),
            gap_table(atlas().gaps(dimension, cities)),
            t("overview.state_help.not_found"),
        ),
        TableSlide(
            t("export.deck.sources"),
            localised_columns(
                documents.with_columns(pl.col("date").map_elements(date, pl.String)),
                {
                    "city": "col.city",
                    "organ": "col.organ",
                    "title": "col.title",
                    "date": "col.date",
                    "dnr": "col.dnr",
                },
            ),
        ),
    ]
    contents = [t("export.deck.title_slide"), *(s.title for s in slides)]
    st.markdown("\n".join(f"{n}. {escape(name)}" for n, name in enumerate(contents, start=1)))
    title = t("export.deck.title").format(cities=", ".join(cities))
    subtitle = t("export.deck.subtitle").format(today=date(datetime.date.today().isoformat()))
    locale = FORMAT_LOCALES[lang()]
    continued = t("export.deck.continued")
    st.download_button(
        t("export.deck_button"),
        data=lambda: build_deck(title, subtitle, slides, format_locale=locale, continued=continued),
        file_name=f"rights-atlas-{lang()}.pptx",
        mime=MIME["pptx"],
        key="deck",
        on_click="ignore",
        icon=":material/slideshow:",
        type="primary",
    )
