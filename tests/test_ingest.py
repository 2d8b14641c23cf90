"""Ingest: every kind of bad input is refused with its exact message and changes nothing;
good txt, cp1252, PDF and Word files go in whole, from the API and from the command line.

Each test works on its own copy of a built corpus (with a review decision, so review.csv is
part of what must survive). Files are made here: a hand-written PDF (Helvetica, WinAnsi, so
å ä ö are single bytes), Word files from python-docx, pypdf's own encryption.
"""

from __future__ import annotations

import fcntl
import io
import os
import random
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import duckdb
import pypdf
import pytest
from conftest import copy_data, corpus_snapshot

import etl.ingest
import etl.load
from etl.errors import InputError
from etl.ingest import corpus_lock, ingest, ingest_bytes, safe_file_name
from etl.load import decode_text, docx_text
from etl.paths import ROOT, Paths
from etl.pipeline import Corpus, build

REVIEW = (
    "item_id,city,concept_id,decision,reviewer,decided_at,note\n"
    ",Stockholm,eccar.07,not_covered,anna,2026-11-01T10:00:00+00:00,checked by hand\n"
)
SWEDISH = """Tjänsteutlåtande

Remiss av handlingsplan mot rasism – svar från Kulturnämnden

Förslag till beslut
Kulturnämnden beslutar att remissen besvaras med förvaltningens tjänsteutlåtande.

Sammanfattning
Kulturförvaltningen ställer sig positiv till handlingsplanen. Förvaltningen föreslår att
stadens arbete med kompetensutveckling om afrofobi och antisemitism stärks, och att
uppföljningen görs med konkreta mätmetoder.

Förvaltningens synpunkter och förslag
Förvaltningen anser att bibliotekens arbete för mångfald och delaktighet bör lyftas fram.
Förvaltningen föreslår att samverkan med civilsamhället utvecklas.
"""
META = {"city": "Stockholm", "organ": "Kulturnämnden", "doc_kind": "response", "date": "2025-02-01"}


def quiet(_: str) -> None:
    """Build progress is not what these tests look at."""


# ---------------------------------------------------------------- the corpus and its snapshot


def reviewed_corpus(folder: Path) -> Paths:
    """A built copy of the shipped data with one review decision, so review.csv exists."""
    paths = copy_data(folder / "data")
    paths.review.write_text(REVIEW, encoding="utf-8")
    build(paths, quiet)
    return paths


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return reviewed_corpus(tmp_path_factory.mktemp("ingest"))


@pytest.fixture
def corpus(built_corpus: Paths, tmp_path: Path) -> Paths:
    """A private copy of the built corpus, database and review decisions for one test."""
    shutil.copytree(built_corpus.data, tmp_path / "data")
    return Paths(data=tmp_path / "data", db=tmp_path / "data" / built_corpus.db.name)


def refused(paths: Paths, attempt: Callable[[], object]) -> str:
    """Run an ingest that must fail; check it changed nothing; return its message."""
    before = corpus_snapshot(paths)
    with pytest.raises(InputError) as error:
        attempt()
    assert corpus_snapshot(paths) == before
    return str(error.value)


def add(paths: Paths, name: str, data: bytes, **meta: object) -> etl.ingest.IngestResult:
    return ingest_bytes(paths, name, data, **{**META, **meta}, progress=quiet)  # type: ignore[arg-type]


def document_row(paths: Paths, doc_id: str) -> tuple[object, ...]:
    with duckdb.connect(str(paths.db), read_only=True) as con:
        return con.execute(
            "SELECT city, organ, doc_kind, item_count, t.text_raw "
            "FROM documents JOIN document_texts t USING (doc_id) WHERE doc_id = ?",
            [doc_id],
        ).fetchall()[0]


# ---------------------------------------------------------------- files made in the test


def make_pdf(pages: list[str], scanned: bool = False) -> bytes:
    """A minimal PDF: one text page per string, or pages that only draw an image (a scan)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
    ]
    for n, text in enumerate(pages):
        lines = [
            line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            for line in text.split("\n")
        ]
        ops = (
            "q 500 0 0 700 50 50 cm /Im1 Do Q"
            if scanned
            else "BT /F1 11 Tf 14 TL 50 800 Td\n"
            + "\n".join(f"({x}) Tj T*" for x in lines)
            + "\nET"
        ).encode("cp1252")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> >>" % (6 + 2 * n)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx() -> bytes:
    """A Word file with a heading, paragraphs, a bulleted list and a table."""
    document = docx.Document()
    document.add_heading("Remissvar om handlingsplan mot rasism", level=1)
    for section in SWEDISH.split("\n\n")[2:]:
        heading, body = section.split("\n", 1)
        document.add_heading(heading, level=2)
        document.add_paragraph(" ".join(body.split()))
    document.add_paragraph("Förvaltningen föreslår följande insatser:")
    for bullet in ("utbildning om antiziganism för skolans personal", "en årlig uppföljning"):
        document.add_paragraph(bullet, style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(
        table._cells, ("Insats", "Ansvar", "Mätmetoder", "Kulturförvaltningen"), strict=True
    ):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def encrypted(pdf: bytes) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt("hemligt")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return out.getvalue()


PDF = make_pdf(
    [
        SWEDISH.split("\n\n", 3)[3],
        "Förvaltningens synpunkter och förslag\nFörvaltningen föreslår att samverkan med "
        "civilsamhället utvecklas.",
    ]
)
DOCX = make_docx()
FORMAT_HINT = (
    "give the file the extension that matches its content (.txt, .pdf or .docx), "
    "or export it again if it is damaged"
)
BINARY = (
    "this is not a text file (it contains binary data); "
    "save the document as .txt (UTF-8), .pdf or .docx and try again"
)
NAME_HINT = "rename the file using letters, digits, spaces, '-' and '_'"

# ---------------------------------------------------------------- bad files

BAD_FILES = {
    "empty": ("empty.txt", b"", "empty.txt: the file is empty; nothing to read"),
    "blank": ("blank.txt", b" \n\r\n\t ", "blank.txt: the file is empty; nothing to read"),
    "random bytes": ("junk.txt", random.Random(6).randbytes(4096), f"junk.txt: {BINARY}"),
    "png as txt": (
        "bild.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        f"bild.txt: {BINARY}",
    ),
    "no words": (
        "siffror.txt",
        b"1234 5678\n-- 90 --\n",
        "siffror.txt: the file contains no words; check that it is the right file",
    ),
    "pdf named txt": (
        "rapport.txt",
        PDF,
        f"rapport.txt: the name says plain text but the content is a PDF; {FORMAT_HINT}",
    ),
    "txt named pdf": (
        "rapport.pdf",
        SWEDISH.encode(),
        f"rapport.pdf: the name says a PDF but the content is plain text; {FORMAT_HINT}",
    ),
    "txt named docx": (
        "rapport.docx",
        SWEDISH.encode(),
        "rapport.docx: the name says a ZIP package (a Word .docx) but the content is plain text; "
        f"{FORMAT_HINT}",
    ),
    "old doc": (
        "gammal.docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        "gammal.docx: this is an old Word 97-2003 (.doc) or other Office binary file; open it in "
        "Word and save it as .docx",
    ),
    "rtf": (
        "anteckning.rtf",
        b"{\\rtf1 hej}",
        "anteckning.rtf: .rtf files are not supported; save the document as .txt, .pdf or .docx",
    ),
    "no extension": (
        "README",
        SWEDISH.encode(),
        "README: a file without an extension is not supported; save the document as .txt, .pdf "
        "or .docx",
    ),
    "scanned pdf": (
        "skannad.pdf",
        make_pdf(["", ""], scanned=True),
        "skannad.pdf: the PDF has no text layer (its pages are scanned images); run text "
        "recognition (OCR, e.g. ocrmypdf) on it first, or add a text version",
    ),
    "encrypted pdf": (
        "last.pdf",
        encrypted(PDF),
        "last.pdf: the PDF is protected with a password; save or print it to a new PDF without a "
        "password and add that",
    ),
    "truncated pdf": (
        "avbruten.pdf",
        PDF[: len(PDF) // 2],
        "avbruten.pdf: the PDF is incomplete (it does not end with %%EOF, so it was cut off); "
        "download or export it again",
    ),
    "corrupt pdf": (
        "trasig.pdf",
        b"%PDF-1.4\n" + b"\x00garbage" * 64 + b"\n%%EOF\n",
        "trasig.pdf: the PDF is damaged and cannot be read; export it again from the program "
        "that made it",
    ),
    "truncated docx": (
        "avbruten.docx",
        DOCX[: len(DOCX) // 2],
        "avbruten.docx: the Word file is damaged or incomplete (cut off); open it in Word and "
        "save it again as .docx",
    ),
    "zip not word": (
        "tabell.docx",
        zipped({"xl/workbook.xml": b"<workbook/>"}),
        "tabell.docx: this ZIP package is not a Word document (no word/document.xml); save the "
        "document from Word as .docx",
    ),
    "corrupt docx": (
        "trasig.docx",
        zipped({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"}),
        "trasig.docx: the Word file is damaged and cannot be read; open it in Word and save it "
        "again as .docx",
    ),
}


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused(corpus: Paths, name: str, data: bytes, message: str) -> None:
    assert refused(corpus, lambda: add(corpus, name, data)) == message


def test_zip_bomb_is_refused(corpus: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.load, "MAX_UNPACKED_BYTES", 2**20)
    bomb = zipped({"word/document.xml": bytes(4 * 2**20)})
    assert refused(corpus, lambda: add(corpus, "bomb.docx", bomb)) == (
        "bomb.docx: the Word file unpacks to more than 1 MB; it is not an ordinary document — "
        "save its text as .txt and add that"
    )


def test_huge_file_is_refused_without_reading_it(corpus: Paths, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:  # sparse: costs no disk and no time
        handle.truncate(etl.ingest.MAX_FILE_BYTES + 1)
    assert refused(corpus, lambda: ingest(corpus, huge, **META, progress=quiet)) == (
        "huge.txt: the file is 20.0 MB, more than the 20 MB a document may have; "
        "split it, or add only the part that matters"
    )


def test_huge_upload_is_refused(corpus: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.ingest, "MAX_FILE_BYTES", 1000)
    assert refused(corpus, lambda: add(corpus, "lang.txt", SWEDISH.encode() * 3)) == (
        "lang.txt: the file is 0.0 MB, more than the 0 MB a document may have; "
        "split it, or add only the part that matters"
    )


def test_missing_file(corpus: Paths, tmp_path: Path) -> None:
    missing = tmp_path / "finns-inte.txt"
    assert refused(corpus, lambda: ingest(corpus, missing, **META)) == (
        f"{missing}: there is no such file; check the path"
    )


# ---------------------------------------------------------------- bad names

BAD_NAMES = {
    "climbs out": (
        "../../etc/passwd.txt",
        "'../../etc/passwd.txt': this is a path, not a file name; give the file's own name "
        "without folders, e.g. 'passwd.txt'",
    ),
    "folder": (
        "a/b.txt",
        "'a/b.txt': this is a path, not a file name; give the file's own name without folders, "
        "e.g. 'b.txt'",
    ),
    "windows folder": (
        "C:\\Users\\a\\b.txt",
        "'C:\\\\Users\\\\a\\\\b.txt': this is a path, not a file name; give the file's own name "
        "without folders, e.g. 'b.txt'",
    ),
    "nul byte": (
        "con\x00.txt",
        f"'con\\x00.txt': the file name contains control characters; {NAME_HINT}",
    ),
    "line break": (
        "svar\n.txt",
        f"'svar\\n.txt': the file name contains control characters; {NAME_HINT}",
    ),
    "only dots": (
        "...",
        "'...': the file name has no letters or digits; rename the file to say what it is, e.g. "
        "remissvar_socialnamnden.txt",
    ),
    "dot dot": (
        "..",
        "'..': the file name has no letters or digits; rename the file to say what it is, e.g. "
        "remissvar_socialnamnden.txt",
    ),
    "only symbols": (
        "***.txt",
        "'***.txt': the file name has no letters or digits; rename the file to say what it is, "
        "e.g. remissvar_socialnamnden.txt",
    ),
}


@pytest.mark.parametrize(("name", "message"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_name_is_refused(corpus: Paths, name: str, message: str) -> None:
    assert refused(corpus, lambda: add(corpus, name, SWEDISH.encode())) == message


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Remissvar – Malmö stad.TXT", "Remissvar_Malmö_stad.txt"),
        (".dold fil.txt", "dold_fil.txt"),
        ("svar (2).v2.pdf", "svar_(2).v2.pdf"),
        ("Ma\u0308lmo\u0308.txt", "Mälmö.txt"),
    ],
)
def test_odd_names_become_safe(name: str, stored: str) -> None:
    assert safe_file_name(name) == stored


# ---------------------------------------------------------------- duplicates


def test_duplicate_bytes_name_the_existing_document(corpus: Paths) -> None:
    copy = (corpus.raw / "000_c5242cab91dd5620.txt").read_bytes()
    assert refused(corpus, lambda: add(corpus, "kopia.txt", copy)) == (
        "kopia.txt: the same file is already in the corpus as 000_c5242cab91dd5620.txt "
        "('Remiss av handlingsplan för arbete mot rasism – svar från Servicenämnden', "
        "Stockholm); nothing to add"
    )


def test_same_document_id_is_refused(corpus: Paths) -> None:
    assert refused(corpus, lambda: add(corpus, "000_c5242cab91dd5620.pdf", PDF)) == (
        "000_c5242cab91dd5620.pdf: a different file named 000_c5242cab91dd5620.txt is already "
        "in the corpus (document id '000_c5242cab91dd5620'); rename the new file, "
        "e.g. 000_c5242cab91dd5620_2.pdf"
    )


# ---------------------------------------------------------------- bad descriptions

KINDS = "response, policy, plan, report, webpage, minutes, other"
BAD_META = {
    "city typo": (
        {"city": "Malmo"},
        "unknown city 'Malmo'; did you mean 'Malmö'? known cities: Stockholm, Malmö. To add a "
        "new city, ingest again with --new-city",
    ),
    "city case": (
        {"city": "stockholm"},
        "unknown city 'stockholm'; did you mean 'Stockholm'? known cities: Stockholm, Malmö. To "
        "add a new city, ingest again with --new-city",
    ),
    "unknown city": (
        {"city": "Göteborg"},
        "unknown city 'Göteborg'; known cities: Stockholm, Malmö. To add a new city, ingest "
        "again with --new-city",
    ),
    "kind": ({"doc_kind": "remissvar"}, f"unknown kind 'remissvar'; use one of {KINDS}"),
    "date format": (
        {"date": "21/01/2025"},
        "date '21/01/2025' is not a date written YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-01-21)",
    ),
    "no such day": (
        {"date": "2025-02-30"},
        "date '2025-02-30' is not a date written YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-01-21)",
    ),
    "no organ": ({"organ": "  "}, "missing organ; give it with --organ"),
    "organ and city missing": (
        {"organ": "", "city": ""},
        "missing city; give it with --city\nmissing organ; give it with --organ",
    ),
    "line break in title": (
        {"title": "Svar\npå remiss"},
        "title contains a line break or control character; write it on one line",
    ),
    "long title": ({"title": "x" * 501}, "title is longer than 500 characters; shorten it"),
}


@pytest.mark.parametrize(("meta", "message"), BAD_META.values(), ids=BAD_META.keys())
def test_bad_description_is_refused(corpus: Paths, meta: dict[str, str], message: str) -> None:
    assert refused(corpus, lambda: add(corpus, "svar.txt", SWEDISH.encode(), **meta)) == message


def test_broken_manifest_is_named_before_anything_is_added(corpus: Paths) -> None:
    text = corpus.manifest.read_text(encoding="utf-8").replace(",Malmö,", ",Malmoe,")
    corpus.manifest.write_text(text, encoding="utf-8")
    assert refused(corpus, lambda: add(corpus, "svar.txt", SWEDISH.encode())) == (
        "the corpus has a problem to fix before anything can be added:\n"
        "manifest.csv line 5 (004_42a1907bf947dec8.txt): unknown city 'Malmoe'; use one of "
        "Stockholm, Malmö exactly as spelled, or add the new city to cities.csv"
    )


# ---------------------------------------------------------------- failures after the start


def test_a_second_writer_gives_up_with_a_message(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(etl.ingest, "LOCK_TIMEOUT_SECONDS", 0.3)
    with corpus_lock(corpus):
        message = refused(corpus, lambda: add(corpus, "svar.txt", SWEDISH.encode()))
    assert message == (
        "another ingest is still running (it holds data/.ingest.lock); "
        "try again when it has finished"
    )


def test_ingest_waits_for_a_reviewer_updating_the_database(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Review page's reapply_decisions holds this lock while it swaps in a revised copy."""
    monkeypatch.setattr(etl.ingest, "LOCK_TIMEOUT_SECONDS", 0.3)
    with open(corpus.data / ".atlas.duckdb.lock", "a") as reviewer:
        fcntl.flock(reviewer, fcntl.LOCK_EX)
        message = refused(corpus, lambda: add(corpus, "svar.txt", SWEDISH.encode()))
    assert message == (
        "the database is being updated (a review decision holds .atlas.duckdb.lock); "
        "try again in a moment"
    )


def test_failing_rebuild_restores_everything(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment: the new database is already published when something fails."""

    def build_then_fail(
        paths: Paths, progress: Callable[[str], None], corpus: Corpus | None = None
    ) -> None:
        build(paths, progress, corpus=corpus)
        raise RuntimeError("disk full")

    monkeypatch.setattr(etl.ingest, "build", build_then_fail)
    before = corpus_snapshot(corpus)
    with pytest.raises(RuntimeError, match="disk full") as error:
        add(corpus, "svar.txt", SWEDISH.encode(), city="Lund", new_city=True)
    assert corpus_snapshot(corpus) == before
    assert error.value.__notes__ == [
        "The corpus and the database were left as they were before this ingest."
    ]
    hidden = sorted(p.name for p in corpus.data.iterdir() if p.name.startswith("."))
    assert hidden == [".atlas.duckdb.lock", ".cache", ".ingest.lock"]


def test_bad_review_file_fails_the_rebuild_and_restores_everything(corpus: Paths) -> None:
    with open(corpus.review, "a", encoding="utf-8") as handle:
        handle.write(",Malmö,eccar.01,maybe,bo,,\n")
    assert refused(corpus, lambda: add(corpus, "svar.txt", SWEDISH.encode())) == (
        "review.csv line 3: unknown decision 'maybe'; "
        "use one of accept, reject, add, not_covered, clear"
    )


def die_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next ingest, removal or replacement die as a killed process would: after its
    files are changed and before the build, leaving its journal for the next writer."""

    def die(paths: Paths, progress: Callable[[str], None], corpus: Corpus | None = None) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(etl.ingest, "build", die)
    monkeypatch.setattr(etl.ingest, "_roll_back", lambda paths, journal: None)


def test_an_interrupted_ingest_is_rolled_back_by_the_next(
    corpus: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that dies after copying the file leaves its journal; the next ingest undoes it."""
    before = corpus_snapshot(corpus)

    die_before_building(monkeypatch)
    with pytest.raises(SystemExit):
        add(corpus, "svar.txt", SWEDISH.encode())
    assert corpus_snapshot(corpus) != before
    monkeypatch.undo()
    assert etl.ingest.recover(corpus) is True
    assert corpus_snapshot(corpus) == before


# ---------------------------------------------------------------- good files


def test_swedish_utf8_text_is_ingested(corpus: Paths) -> None:
    result = add(corpus, "kulturnamnden.txt", "\ufeff".encode() + SWEDISH.encode())
    city, organ, kind, items, text = document_row(corpus, "kulturnamnden")
    assert (city, organ, kind) == ("Stockholm", "Kulturnämnden", "response")
    assert items == result.items > 0
    assert text == SWEDISH
    assert (corpus.raw / "kulturnamnden.txt").read_bytes() == "\ufeff".encode() + SWEDISH.encode()
    assert "kulturnamnden.txt,Stockholm,Kulturnämnden,response,kulturnamnden,2025-02-01,," in (
        corpus.manifest.read_text(encoding="utf-8")
    )


def test_windows_1252_text_is_ingested(corpus: Paths) -> None:
    result = add(corpus, "ansi.txt", SWEDISH.replace("\n", "\r\n").encode("cp1252"), city="Malmö")
    city, _, _, items, text = document_row(corpus, "ansi")
    assert city == "Malmö" and items == result.items > 0
    assert text == SWEDISH.replace("\n", "\r\n")
    with duckdb.connect(str(corpus.db), read_only=True) as con:
        passages = con.execute("SELECT text_raw FROM items WHERE doc_id = 'ansi'").fetchall()
    assert any("stärks" in p for (p,) in passages)


def test_pdf_is_ingested(corpus: Paths) -> None:
    result = add(corpus, "remissvar.pdf", PDF, doc_kind="response", organ="Kulturnämnden")
    _, organ, kind, items, text = document_row(corpus, "remissvar")
    assert (organ, kind) == ("Kulturnämnden", "response") and items == result.items > 0
    assert "Förvaltningen föreslår att samverkan med civilsamhället utvecklas." in str(text)


def test_docx_is_ingested_in_reading_order(corpus: Paths) -> None:
    assert docx_text("svar.docx", DOCX).endswith(
        "Förvaltningen föreslår följande insatser:\n\n"
        "- utbildning om antiziganism för skolans personal\n"
        "- en årlig uppföljning\n\n"
        "Insats | Ansvar\n"
        "Mätmetoder | Kulturförvaltningen"
    )
    result = add(corpus, "svar.docx", DOCX, doc_kind="response", city="Malmö")
    city, _, kind, items, _ = document_row(corpus, "svar")
    assert (city, kind) == ("Malmö", "response") and items == result.items > 0


def test_new_city_is_added(corpus: Paths) -> None:
    result = add(corpus, "lund.txt", SWEDISH.encode(), city="Lund", new_city=True)
    assert result.city_added
    assert corpus.cities.read_text(encoding="utf-8").endswith("\nLund,Lund,Lund,,\n")
    assert document_row(corpus, "lund")[0] == "Lund"


def test_html_and_script_are_stored_as_text(corpus: Paths) -> None:
    hostile = SWEDISH + '\n<script>alert(1)</script>\n<b onclick="x()">fet</b> &amp; <!-- -->\n'
    add(corpus, "webb.txt", hostile.encode(), doc_kind="webpage")
    assert document_row(corpus, "webb")[4] == hostile


def test_text_encodings_decode() -> None:
    assert decode_text("a.txt", "Åsa på ön".encode("utf-16")) == "Åsa på ön"
    assert decode_text("a.txt", "Åsa på ön – ”citat”".encode("cp1252")) == "Åsa på ön – ”citat”"
    assert decode_text("a.txt", "\ufeffÅsa".encode()) == "Åsa"


# ---------------------------------------------------------------- the command line and two at once


ETL = [sys.executable, "-m", "etl"]


def cli_env(paths: Paths) -> dict[str, str]:
    """The environment that points `python -m etl` at a private copy."""
    return {**os.environ, "ATLAS_DATA": str(paths.data), "ATLAS_DB": str(paths.db)}


def ingest_arguments(source: Path, city: str = "Malmö", organ: str = "Kulturnämnden") -> list[str]:
    return ["ingest", str(source), "--city", city, "--organ", organ, "--kind", "response"]


def run_cli(paths: Paths, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ETL, *args], cwd=ROOT, env=cli_env(paths), capture_output=True, text=True, timeout=120
    )


def test_cli_ingests_a_good_file(corpus: Paths, tmp_path: Path) -> None:
    (tmp_path / "svar.txt").write_text(SWEDISH, encoding="utf-8")
    done = run_cli(corpus, *ingest_arguments(tmp_path / "svar.txt"))
    assert done.returncode == 0, done.stderr
    assert document_row(corpus, "svar")[0] == "Malmö"


def test_cli_refuses_bad_input_with_status_2(corpus: Paths, tmp_path: Path) -> None:
    (tmp_path / "svar.txt").write_text(SWEDISH, encoding="utf-8")
    before = corpus_snapshot(corpus)
    done = run_cli(corpus, *ingest_arguments(tmp_path / "svar.txt", city="Malmo", organ="K"))
    assert (done.returncode, done.stderr) == (
        2,
        "error: unknown city 'Malmo'; did you mean 'Malmö'? known cities: Stockholm, Malmö. "
        "To add a new city, ingest again with --new-city\n",
    )
    assert corpus_snapshot(corpus) == before


def test_two_ingests_at_once_both_land(corpus: Paths, tmp_path: Path) -> None:
    runs = []
    for n in (1, 2):
        source = tmp_path / f"samtidig{n}.txt"
        source.write_text(SWEDISH + f"\nBilaga {n}\n", encoding="utf-8")
        command = [*ETL, *ingest_arguments(source, organ=f"Nämnd {n}")]
        runs.append(
            subprocess.Popen(command, cwd=ROOT, env=cli_env(corpus), stdout=subprocess.DEVNULL)
        )
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    with duckdb.connect(str(corpus.db), read_only=True) as con:
        added = con.execute(
            "SELECT doc_id FROM documents WHERE doc_id LIKE 'samtidig%' ORDER BY 1"
        ).fetchall()
    assert added == [("samtidig1",), ("samtidig2",)]
    manifest = corpus.manifest.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("samtidig") for line in manifest) == 2
