"""Export: the published tables → files for people who work in other tools; the deck and the
ECCAR report draft → one file each.

csv and parquet write one file per table into a folder; xlsx writes one workbook with a sheet
per table. DuckDB's own COPY writes csv and parquet (built in, no extension download); the
workbook is written from Polars frames with xlsxwriter. pptx and eccar-docx are made by
etl/read/deck.py and etl/read/report.py from the query layer.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

from etl.errors import InputError
from etl.read.i18n import t

EXPORT_TABLES = ("documents", "items", "concepts", "mappings", "coverage", "crosswalk")
FORMATS = ("csv", "parquet", "xlsx")
DOCUMENT_FORMATS = ("pptx", "eccar-docx")  # made for people, in one language
# Document text that starts with "=" must stay text in Excel, never become a formula.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
# A CSV cell starting with one of these is a formula to Excel and LibreOffice (=HYPERLINK(…)
# sends the reader's data away); an apostrophe in front keeps it text (OWASP's CSV injection
# advice). Only text columns: a negative number stays a number.
FORMULA_START = r"^[=+\-@\t\r]"


def export(db: Path, fmt: str, out: Path) -> list[Path]:
    """Write the tables in `fmt` to `out`; returns the files written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not db.exists():
        raise InputError(f"no database at {db}: build it first (python -m etl build)")
    with duckdb.connect(str(db), read_only=True) as con:
        frames = {t: con.table(t).pl() for t in EXPORT_TABLES}
    if fmt == "xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        with xlsxwriter.Workbook(str(out), XLSX_OPTIONS) as workbook:
            for table, frame in frames.items():
                frame.with_columns(flat_lists(frame)).write_excel(workbook, worksheet=table)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table, frame in frames.items():
        path = out / f"{table}.{fmt}"
        if fmt == "csv":
            path.write_text(csv_text(frame), encoding="utf-8")
        else:
            frame.write_parquet(path)
        written.append(path)
    return written


def flat_lists(frame: pl.DataFrame) -> list[pl.Expr]:
    """List columns (item years, derived-from concepts) as 'a; b' text for csv and Excel."""
    return [
        pl.col(name).list.eval(pl.element().cast(pl.String)).list.join("; ")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List)
    ]


def csv_text(frame: pl.DataFrame) -> str:
    """A frame as CSV that a spreadsheet opens as data: lists flattened, formulas kept text."""
    flat = frame.with_columns(flat_lists(frame))
    return flat.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in flat.schema.items()
        if dtype == pl.String
    ).write_csv()


def export_bytes(db: Path, fmt: str) -> bytes:
    """`export` as one download: the xlsx workbook, or the csv/parquet files in a zip."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / ("tables.xlsx" if fmt == "xlsx" else "tables")
        written = export(db, fmt, out)
        if fmt == "xlsx":
            return out.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        return buffer.getvalue()


def export_document(
    db: Path, fmt: str, out: Path, lang: str, cities: Sequence[str], dimension: str
) -> Path:
    """Write the deck (`pptx`, for `cities`, all if empty) or the ECCAR report draft
    (`eccar-docx`, for the one city in `cities`) in `lang` to `out`; returns `out`.

    Unknown cities are refused in `lang` before anything is written.
    """
    # Imported here: the deck and report import the query layer, which imports this module.
    from etl.read.charts import built_on
    from etl.read.deck import forum_deck
    from etl.read.query import Atlas, connect
    from etl.read.report import eccar_report

    if fmt not in DOCUMENT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(DOCUMENT_FORMATS)}")
    if not db.exists():
        raise InputError(f"no database at {db}: build it first (python -m etl build)")
    with connect(db) as con:
        atlas = Atlas(con)
        known = atlas.cities()
        unknown = [c for c in cities if c not in known]
        if unknown:
            raise InputError(
                t("export.error.unknown_city", lang).format(
                    city=unknown[0], cities=", ".join(known)
                )
            )
        if fmt == "eccar-docx":
            if len(cities) != 1:
                raise InputError(t("export.error.needs_city", lang))
            data = eccar_report(atlas, cities[0], lang, built_on(db))
        else:
            chosen = [c for c in known if c in cities] or known
            data = forum_deck(atlas, lang, chosen, dimension, built_on(db))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
