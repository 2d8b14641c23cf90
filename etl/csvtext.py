"""Human-edited CSV files (manifest, review decisions): header checked, values stripped.

People edit these in spreadsheets; a wrong header is reported once, naming the missing
columns and the header expected, and each row keeps its line number for later messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from etl.errors import InputError


def records(text: str, columns: Sequence[str], source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each row, after checking the header."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"the first line must be: {','.join(columns)}"
        )
    for line_no, row in enumerate(reader, start=2):
        yield line_no, {c: (row.get(c) or "").strip() for c in columns}
