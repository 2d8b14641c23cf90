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
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET  # noqa: N817

from etl.errors import InputError
from etl.model import DocumentMeta, SourceText

if TYPE_CHECKING:
    import pypdf

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
# Any bytes decode as a legacy code page, so what decodes so must also look like text. Swedish
# documents have at most 5.4 % non-ASCII letters (data/raw and ../shared/corpus-dev, measured)
# and a short line dense with å ä ö and typographic quotes about a third; random bytes have
# half, and a control byte among the rest. Small binary files (under ~32 bytes) passed before.
LEGACY_ENCODINGS = ("cp1252", "latin-1", "utf-16")
MAX_LEGACY_NON_ASCII_SHARE = 0.45
# ISO 32000 puts `%%EOF` at the end of a PDF; readers look for it in the last kilobyte. Without
# it the file was cut off (an interrupted download or copy).
PDF_EOF_MARKER = b"%%EOF"
PDF_EOF_WINDOW = 1024
# A page of a text PDF has hundreds of letters; a scan has none, or a stamped page number.
MIN_LETTERS_PER_PDF_PAGE = 20
# The most XML read from one part of a .docx (document.xml, styles.xml). In the Word-like files
# of benchmarks/bench_docx.py a character of text takes 2.2 bytes of XML (Word's own, with
# formatting on every run, take more), so 32 MB holds millions of characters — a 1,000-page
# report at 3,000 a page. Reading 31 MB took 1.4 CPU s and 76 MB of memory, linear in the size
# (benchmarks/results/docx.md); anything bigger is a ZIP bomb or a generated file.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
DOCX_DOCUMENT = "word/document.xml"
DOCX_STYLES = "word/styles.xml"
READ_PARTS = {DOCX_DOCUMENT, DOCX_STYLES}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY_DEPTH = 2  # w:document > w:body: the body's children are the blocks
# Run content that stands for a character; w:br is a line break only when it wraps text.
RUN_CHARACTERS = {f"{W}tab": "\t", f"{W}ptab": "\t", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
# Not part of the reading text: deleted revisions, field codes, drawings and text boxes (whose
# paragraphs Word stores twice, once as a fallback), and formatting.
HIDDEN_ELEMENTS = {
    f"{W}{tag}"
    for tag in ("del", "delText", "instrText", "drawing", "pict", "object", "pPr", "rPr")
} | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
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
        if _plausible(text, encoding):
            return text
        break
    raise InputError(
        f"{name}: this is not a text file (it contains binary data); "
        "save the document as .txt (UTF-8), .pdf or .docx and try again"
    )


def _plausible(text: str, encoding: str) -> bool:
    controls = len(CONTROL_CHARACTERS.findall(text))
    if "\x00" in text or controls > MAX_CONTROL_SHARE * len(text):
        return False
    if encoding in LEGACY_ENCODINGS:
        non_ascii = sum(not c.isascii() for c in text)
        return non_ascii <= MAX_LEGACY_NON_ASCII_SHARE * len(text)
    return True


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
        if reader.is_encrypted:
            _decrypt(name, reader)
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


def _decrypt(name: str, reader: pypdf.PdfReader) -> None:
    """Open an encrypted PDF that needs no password to read (only to edit), as any reader does.

    AES encryption needs the `cryptography` package (pypdf's "crypto" extra).
    """
    try:
        opened = reader.decrypt("")
    # pypdf raises its own errors, NotImplementedError or ValueError for encryption it cannot undo.
    except Exception:
        raise InputError(
            f"{name}: the PDF is encrypted in a way this program cannot open; "
            "save or print it to a new PDF without protection and add that"
        ) from None
    if not opened:
        raise InputError(
            f"{name}: the PDF is protected with a password; "
            "save or print it to a new PDF without a password and add that"
        )


def _has_image(page: pypdf.PageObject) -> bool:
    """Whether a page draws an image: without a text layer, that is what a scan looks like."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return False
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())


def docx_text(name: str, data: bytes) -> str:
    """A Word document's text in reading order: paragraphs, list items as "- " lines, tables.

    The XML is streamed (`iterparse`) after a check of its unpacked size, and each body element
    is dropped once read, so time and memory grow linearly with the document and stop at the
    cap. python-docx is not used here: it looks each paragraph's style up by scanning the style
    sheet (issue 15's battery: 134 s of CPU for a 75 KB file holding 10 MB of XML;
    benchmarks/results/docx.md compares the two).
    """
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(
            f"{name}: the Word file is damaged or incomplete (cut off); "
            "open it in Word and save it again as .docx"
        ) from None
    with package:
        names = set(package.namelist())
        if DOCX_DOCUMENT not in names:
            raise InputError(
                f"{name}: this ZIP package is not a Word document (no {DOCX_DOCUMENT}); "
                "save the document from Word as .docx"
            )
        # Checked on what the headers declare, before any work: Python's zipfile never returns
        # more than a member's declared size (it cuts the stream there and then fails the CRC
        # check), so a header that lies gets a "damaged" refusal after at most the cap.
        if any(package.getinfo(part).file_size > MAX_UNPACKED_BYTES for part in READ_PARTS & names):
            raise _too_big(name)
        try:
            list_styles = _list_styles(package) if DOCX_STYLES in names else set()
            blocks = list(_body_blocks(package, list_styles))
        except InputError:
            raise
        # A damaged package fails in zlib, the ZIP reader or the XML parser in many ways (a
        # bad CRC, a cut-off stream, malformed XML, nesting deep enough to exhaust the stack).
        except (zipfile.BadZipFile, ET.ParseError, EOFError, OSError, ValueError, RecursionError):
            raise InputError(
                f"{name}: the Word file is damaged and cannot be read; "
                "open it in Word and save it again as .docx"
            ) from None
    return _join_blocks([b for b in blocks if b.strip()])


def _too_big(name: str) -> InputError:
    return InputError(
        f"{name}: the Word file unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; "
        "it is not an ordinary document — save its text as .txt and add that"
    )


def _list_styles(package: zipfile.ZipFile) -> set[str]:
    """The ids of paragraph styles whose name says list ("List Bullet", "Liststycke")."""
    found = set()
    with package.open(DOCX_STYLES) as part:
        for _, element in ET.iterparse(part):
            if element.tag == f"{W}style":
                style_name = element.find(f"{W}name")
                label = style_name.get(f"{W}val", "") if style_name is not None else ""
                if LIST_STYLE.search(label):
                    found.add(element.get(f"{W}styleId", ""))
                element.clear()
    return found


def _body_blocks(package: zipfile.ZipFile, list_styles: set[str]) -> Iterator[str]:
    """Each top-level paragraph, table or content control of the body, as text, in order."""
    depth = 0
    body: ET.Element | None = None
    with package.open(DOCX_DOCUMENT) as part:
        for event, element in ET.iterparse(part, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == BODY_DEPTH and element.tag == f"{W}body":
                    body = element
                continue
            depth -= 1
            if body is None or depth != BODY_DEPTH:
                continue
            if element.tag == f"{W}p":
                yield _paragraph_block(element, list_styles)
            elif element.tag == f"{W}tbl":
                yield _table_block(element)
            else:  # content controls and the like: their paragraphs, in order
                for paragraph in element.iter(f"{W}p"):
                    yield _paragraph_block(paragraph, list_styles)
            body.remove(element)  # read: let it go, so memory stays flat


def _paragraph_block(paragraph: ET.Element, list_styles: set[str]) -> str:
    text = _paragraph_text(paragraph)
    properties = paragraph.find(f"{W}pPr")
    is_list = False
    if properties is not None:
        style = properties.find(f"{W}pStyle")
        is_list = properties.find(f"{W}numPr") is not None or (
            style is not None and style.get(f"{W}val") in list_styles
        )
    return f"{LIST_ITEM}{text.strip()}" if is_list and text.strip() else text


def _table_block(table: ET.Element) -> str:
    """A table row per line, its cells apart by " | " (a merged cell once)."""
    rows = []
    for row in table.findall(f"{W}tr"):
        cells = [
            "\n".join(_paragraph_text(p) for p in cell.iter(f"{W}p")).strip()
            for cell in row.findall(f"{W}tc")
        ]
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def _paragraph_text(paragraph: ET.Element) -> str:
    parts: list[str] = []
    _run_text(paragraph, parts)
    return "".join(parts)


def _run_text(element: ET.Element, parts: list[str]) -> None:
    """The visible text under `element`, as Word shows it (tabs, line breaks, hyphens)."""
    for child in element:
        tag = child.tag
        if tag == f"{W}t":
            parts.append(child.text or "")
        elif tag in RUN_CHARACTERS:
            parts.append(RUN_CHARACTERS[tag])
        elif tag == f"{W}br":
            parts.append("\n" if child.get(f"{W}type", "textWrapping") == "textWrapping" else "")
        elif tag not in HIDDEN_ELEMENTS and tag != f"{W}p":
            _run_text(child, parts)


def _join_blocks(blocks: list[str]) -> str:
    """Paragraphs apart by a blank line, as in the text files; a list's items line by line."""
    out = blocks[:1]
    for previous, block in zip(blocks, blocks[1:], strict=False):
        both_items = previous.startswith(LIST_ITEM) and block.startswith(LIST_ITEM)
        out.append(("\n" if both_items else "\n\n") + block)
    return "".join(out)


def load_source(meta: DocumentMeta, data: bytes) -> SourceText:
    """Read a document and fingerprint its bytes (sha256 identifies a file across renames)."""
    return SourceText(
        meta=meta,
        text=extract_text(meta.source_file, data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
