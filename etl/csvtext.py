"""Human-edited CSV files (manifest, cities, review decisions): read strictly, every row counted.

People edit these in spreadsheets and text editors, and a quietly misread file costs their work:
one stray quote used to fold the rows after it into one field, dropping documents or review
decisions without a word. So the reading is strict, and every refusal names the file and line:

- the bytes must be UTF-8; the byte-order mark Excel's "CSV UTF-8" writes is accepted;
- every record must be on one line, with exactly the header's number of fields; a field that
  runs over a line break is an unbalanced quote, not data (none of these files has multi-line
  values: the forms that write them refuse line breaks);
- the header must hold the expected columns (more columns are allowed: other tools add some).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from etl.errors import InputError


def read_text(path: Path) -> str:
    """A hand-edited file's text (UTF-8, BOM or not), or an `InputError` naming the line."""
    data = path.read_bytes()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            f"{path.name} line {line}: the file contains binary data, not text; "
            "restore it from a copy, or save it again as CSV UTF-8"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{path.name} line {line}: the file is not UTF-8 text (byte "
            f"0x{data[error.start]:02x} cannot be read); save it as CSV UTF-8 "
            "(in Excel: Save as → CSV UTF-8)"
        ) from None


def records(
    text: str, columns: Sequence[str], source: str, optional: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each row, after checking the header.

    `optional` columns may be missing from an older file; their value is then "".
    """
    reader = csv.reader(io.StringIO(text.removeprefix(codecs.BOM_UTF8.decode())), strict=True)
    header = [name.strip() for name in _next_row(reader, source, 1) or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"the first line must be: {','.join(columns)}"
        )
    while True:
        line_no = reader.line_num + 1
        row = _next_row(reader, source, line_no)
        if row is None:
            return
        if reader.line_num != line_no:
            raise InputError(
                f'{source} line {line_no}: a quote (") opens a field that runs on to line '
                f"{reader.line_num}; close the quote, or remove it"
            )
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            raise InputError(
                f"{source} line {line_no}: {len(row)} fields where the first line names "
                f"{len(header)}; check for a missing or extra comma (a comma inside a value "
                'needs quotes: "Plan, del 2")'
            )
        values = dict(zip(header, row, strict=True))
        # NFC: "Malmö" typed on a Mac (o + combining diaeresis) is the same name as on Windows.
        wanted = (*columns, *optional)
        yield line_no, {c: unicodedata.normalize("NFC", values.get(c, "").strip()) for c in wanted}


def _next_row(reader: Iterator[list[str]], source: str, line_no: int) -> list[str] | None:
    """The next record, None at the end, or an `InputError` naming the line of a bad quote."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            problem = 'a quote (") opens a field that is never closed'
        else:
            problem = f'a quote (") in the wrong place ({error})'
        raise InputError(
            f"{source} line {line_no}: {problem}; a value with a quote must be quoted whole, "
            'with the quote doubled: "Plan ""Trygg stad"""'
        ) from None
