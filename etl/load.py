"""Load stage: a source file's bytes + its manifest entry → `SourceText`.

Decoding is the only thing that happens here; everything after works on the decoded text, and
every item offset points into it.

Documents arrive as plain text, PDF or Word (.docx). Which one a file is, is decided by its bytes
(a PDF starts with `%PDF-`, a .docx is a ZIP package holding `word/document.xml`) and must agree
with its extension, so that a renamed or damaged file is named as such instead of being read as
garbage. Every way a file can be unreadable ends in an `InputError` that says what to do; the
loader is fed files from strangers and must not fail in any other way.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import PurePath
from typing import TYPE_CHECKING

from etl.errors import InputError
from etl.model import DocumentMeta, SourceText

if TYPE_CHECKING:
    import pypdf
    from docx.table import Table
    from docx.text.paragraph import Paragraph

# What each accepted extension promises the bytes are.
FORMAT_BY_EXTENSION = {".txt": "text", ".pdf": "pdf", ".docx": "zip"}
FORMAT_LABELS = {
    "text": "plain text",
    "pdf": "a PDF",
    "zip": "a ZIP package (a Word .docx)",
    "ole": "an old Office 97-2003 file (.doc)",
}
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Windows tools save UTF-8 with or without a BOM, Notepad's "Unicode" is UTF-16 with a BOM, and
# older files are Windows-1252 (the Swedish Windows code page). Latin-1 decodes anything and
# differs from cp1252 only in 0x80-0x9F, where it yields control characters that the
# plausibility check then counts.
TEXT_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters other than tab, line and page breaks. Real text has next to none; binary
# data read as text has about one character in eight.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
MAX_CONTROL_SHARE = 0.01
# ISO 32000 puts `%%EOF` at the end of a PDF; readers look for it in the last kilobyte. Without
# it the file was cut off (an interrupted download or copy).
PDF_EOF_MARKER = b"%%EOF"
PDF_EOF_WINDOW = 1024
# A page of a text PDF has hundreds of letters; a scan has none, or a stamped page number.
MIN_LETTERS_PER_PDF_PAGE = 20
# A .docx expands to a few times its size; more than this unpacked is a ZIP bomb, not a document.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# Word marks list paragraphs by numbering properties or by a list style ("List Bullet",
# "Liststycke" in Swedish Word).
LIST_STYLE = re.compile(r"list", re.IGNORECASE)
LIST_ITEM = "- "


def sniff(data: bytes) -> str:
    """What the bytes are, by their first bytes: `pdf`, `zip`, `ole` or `text`."""
    for magic, kind in ((PDF_MAGIC, "pdf"), (ZIP_MAGIC, "zip"), (OLE_MAGIC, "ole")):
        if data.startswith(magic):
            return kind
    return "text"


def extract_text(name: str, data: bytes) -> str:
    """A file's bytes → its text (NFC), whatever supported format it is, or an `InputError`."""
    extension = PurePath(name).suffix.lower()
    expected = FORMAT_BY_EXTENSION.get(extension)
    if expected is None:
        kind = f"{extension} files are" if extension else "a file without an extension is"
        raise InputError(f"{name}: {kind} not supported; save the document as .txt, .pdf or .docx")
    if not data.strip():
        raise InputError(f"{name}: the file is empty; nothing to read")
    actual = sniff(data)
    if actual == "ole":
        raise InputError(
            f"{name}: this is an old Word 97-2003 (.doc) or other Office binary file; "
            "open it in Word and save it as .docx"
        )
    if actual != expected:
        raise InputError(
            f"{name}: the name says {FORMAT_LABELS[expected]} but the content is "
            f"{FORMAT_LABELS[actual]}; give the file the extension that matches its content "
            "(.txt, .pdf or .docx), or export it again if it is damaged"
        )
    reader = {"text": decode_text, "pdf": pdf_text, "zip": docx_text}[actual]
    text = unicodedata.normalize("NFC", reader(name, data))
    if not any(c.isalpha() for c in text):
        raise InputError(f"{name}: the file contains no words; check that it is the right file")
    return text


def decode_text(name: str, data: bytes) -> str:
    """Bytes of a text file → str, or an `InputError` that says why it cannot be read.

    UTF-8 is tried strictly first: Windows-1252 bytes for å ä ö are never valid UTF-8, so a
    file that decodes as UTF-8 is UTF-8. Only then the legacy Windows code page.
    """
    if not data.strip():
        raise InputError(f"{name}: the file is empty; nothing to read")
    encodings = ("utf-16",) if data.startswith(UTF16_BOMS) else TEXT_ENCODINGS
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text
        break
    raise InputError(
        f"{name}: this is not a text file (it contains binary data); "
        "save the document as .txt (UTF-8), .pdf or .docx and try again"
    )


def _plausible(text: str) -> bool:
    controls = len(CONTROL_CHARACTERS.findall(text))
    return "\x00" not in text and controls <= MAX_CONTROL_SHARE * len(text)


def pdf_text(name: str, data: bytes) -> str:
    """A PDF's text layer, page after page (pages apart as paragraphs are)."""
    if PDF_EOF_MARKER not in data[-PDF_EOF_WINDOW:]:
        raise InputError(
            f"{name}: the PDF is incomplete (it does not end with %%EOF, so it was cut off); "
            "download or export it again"
        )
    damaged = (
        f"{name}: the PDF is damaged and cannot be read; "
        "export it again from the program that made it"
    )
    import pypdf  # here, not at the top: it costs 0.25 s and most builds read only text files

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{name}: the PDF is protected with a password; "
                "save or print it to a new PDF without a password and add that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        scanned = any(_has_image(page) for page in reader.pages)
    except InputError:
        raise
    # pypdf raises many kinds of error on damaged files (its own, ValueError, KeyError,
    # RecursionError...); for a person they all mean the same thing.
    except Exception:
        raise InputError(damaged) from None
    text = "\n\n".join(page.strip("\n") for page in pages)
    if sum(c.isalpha() for c in text) >= MIN_LETTERS_PER_PDF_PAGE * max(len(pages), 1):
        return text
    if scanned:
        raise InputError(
            f"{name}: the PDF has no text layer (its pages are scanned images); "
            "run text recognition (OCR, e.g. ocrmypdf) on it first, or add a text version"
        )
    raise InputError(damaged)


def _has_image(page: pypdf.PageObject) -> bool:
    """Whether a page draws an image: without a text layer, that is what a scan looks like."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return False
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())


def docx_text(name: str, data: bytes) -> str:
    """A Word document's text in reading order: paragraphs, list items as "- " lines, tables."""
    import docx  # here, not at the top: it costs 0.15 s and most builds read only text files

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = {info.filename: info.file_size for info in package.infolist()}
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(
            f"{name}: the Word file is damaged or incomplete (cut off); "
            "open it in Word and save it again as .docx"
        ) from None
    if "word/document.xml" not in parts:
        raise InputError(
            f"{name}: this ZIP package is not a Word document (no word/document.xml); "
            "save the document from Word as .docx"
        )
    if sum(parts.values()) > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{name}: the Word file unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; "
            "it is not an ordinary document — save its text as .txt and add that"
        )
    try:
        blocks = [_block_text(b) for b in docx.Document(io.BytesIO(data)).iter_inner_content()]
    # python-docx and lxml raise many kinds of error on damaged packages; one message for all.
    except Exception:
        raise InputError(
            f"{name}: the Word file is damaged and cannot be read; "
            "open it in Word and save it again as .docx"
        ) from None
    return _join_blocks([b for b in blocks if b.strip()])


def _join_blocks(blocks: list[str]) -> str:
    """Paragraphs apart by a blank line, as in the text files; a list's items line by line."""
    out = blocks[:1]
    for previous, block in zip(blocks, blocks[1:], strict=False):
        both_items = previous.startswith(LIST_ITEM) and block.startswith(LIST_ITEM)
        out.append(("\n" if both_items else "\n\n") + block)
    return "".join(out)


def _block_text(block: Paragraph | Table) -> str:
    from docx.table import Table

    if isinstance(block, Table):
        rows = []
        for row in block.rows:
            cells = [cell.text.strip() for cell in row.cells]
            # A merged cell is returned once per grid column it spans.
            rows.append(" | ".join(c for n, c in enumerate(cells) if n == 0 or c != cells[n - 1]))
        return "\n".join(rows)
    # python-docx has no public word for numbering; the paragraph's numPr element is it.
    is_list = block._p.pPr is not None and block._p.pPr.numPr is not None
    style = block.style.name if block.style is not None else ""
    if (is_list or LIST_STYLE.search(style or "")) and block.text.strip():
        return f"{LIST_ITEM}{block.text.strip()}"
    return block.text


def load_source(meta: DocumentMeta, data: bytes) -> SourceText:
    """Read a document and fingerprint its bytes (sha256 identifies a file across renames)."""
    return SourceText(
        meta=meta,
        text=extract_text(meta.source_file, data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
