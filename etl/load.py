"""Load stage: a source file's bytes + its manifest entry → `SourceText`.

Decoding is the only thing that happens here; everything after works on the decoded text, and
every item offset points into it.
"""

from __future__ import annotations

import hashlib

from etl.errors import InputError
from etl.model import DocumentMeta, SourceText


def decode_text(name: str, data: bytes) -> str:
    """Bytes of a text file → str, or an `InputError` that says why it cannot be read."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty; nothing to read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def load_source(meta: DocumentMeta, data: bytes) -> SourceText:
    """Decode a document and fingerprint its bytes (sha256 identifies a file across renames)."""
    return SourceText(
        meta=meta, text=decode_text(meta.source_file, data), sha256=hashlib.sha256(data).hexdigest()
    )
