"""Word loading: time and memory against the size of the XML, up to and past the cap.

A .docx is generated the way Word writes one (a style sheet of ~160 styles, every paragraph
naming its style, runs carrying revision ids), at several sizes of word/document.xml; each is
loaded by `etl.load.extract_text` in a fresh process, so peak memory (max RSS) is its own. The
python-docx approach it replaced (a style look-up per paragraph) is timed on the smallest size
for comparison. Writes benchmarks/results/docx.md. Usage: python benchmarks/bench_docx.py
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "docx.md"
SIZES_MB = (1, 4, 16, 31, 40)  # XML in word/document.xml; the cap is 32 MB
STYLES = 160  # about what Word's Normal template defines
HOSTILE_STYLES, HOSTILE_MB = 20_000, 4  # a crafted file: python-docx's cost is styles × paragraphs
NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
PARAGRAPH = (
    '<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00D4E5F6"><w:pPr><w:pStyle w:val="Style{n}"/>'
    '</w:pPr><w:r w:rsidRPr="00112233"><w:rPr><w:lang w:val="sv-SE"/></w:rPr><w:t xml:space='
    '"preserve">Nämnden ska stärka arbetet mot rasism och diskriminering i stadens verksamheter '
    "genom kompetensutveckling, uppföljning och samverkan med civilsamhället. </w:t></w:r></w:p>"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    'formats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)

MEASURE = r"""
import json, sys, time
from pathlib import Path
from etl.errors import InputError
from etl.load import extract_text
def peak_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
data = Path(sys.argv[1]).read_bytes()
start = time.process_time()
try:
    text, refused = extract_text("bench.docx", data), ""
except InputError as error:
    text, refused = "", str(error)
print(json.dumps({"cpu_s": time.process_time() - start, "chars": len(text), "refused": refused,
                  "max_rss_mb": peak_mb()}))
"""

PYTHON_DOCX = r"""
import io, json, sys, time
from pathlib import Path
import docx
data = Path(sys.argv[1]).read_bytes()
start = time.process_time()
names = [p.style.name for p in docx.Document(io.BytesIO(data)).paragraphs]
print(json.dumps({"cpu_s": time.process_time() - start, "paragraphs": len(names)}))
"""


def make_docx(xml_mb: int, style_count: int = STYLES) -> bytes:
    """A Word-like package whose document.xml is about `xml_mb` MB."""
    styles = "".join(
        f'<w:style w:type="paragraph" w:styleId="Style{n}"><w:name w:val="Style {n}"/></w:style>'
        for n in range(style_count)
    )
    count = xml_mb * 2**20 // len(PARAGRAPH.format(n=0).encode())
    # Each paragraph names one of the last styles: python-docx finds it at the end of its scan.
    body = "".join(PARAGRAPH.format(n=style_count - 1 - n % 10) for n in range(count))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", RELS)
        package.writestr("word/styles.xml", f"<w:styles {NS}>{styles}</w:styles>")
        package.writestr(
            "word/document.xml", f"<w:document {NS}><w:body>{body}</w:body></w:document>"
        )
    return out.getvalue()


def run(script: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES_MB:
            path = Path(folder) / f"{size}.docx"
            path.write_bytes(make_docx(size))
            result = run(MEASURE, path)
            rows.append((size, path.stat().st_size, result))
            print(size, result, flush=True)
        reference = run(PYTHON_DOCX, Path(folder) / f"{SIZES_MB[0]}.docx")
        print("python-docx", reference, flush=True)
        hostile = Path(folder) / "hostile.docx"
        hostile.write_bytes(make_docx(HOSTILE_MB, HOSTILE_STYLES))
        attack = (run(MEASURE, hostile), run(PYTHON_DOCX, hostile), hostile.stat().st_size)
        print("hostile", attack, flush=True)
    lines = [
        "# Word (.docx) loading benchmark",
        "",
        f"Machine: 2 cores, shared with other work (expect ±20 % noise). Generated Word-like "
        f"packages ({STYLES} styles, every paragraph naming one); CPU seconds and peak memory "
        "of `etl.load.extract_text` in a fresh process. The cap on unpacked XML is 32 MB. "
        "`python benchmarks/bench_docx.py` rewrites this file.",
        "",
        "| document.xml MB | .docx KB | characters read | CPU s | s per MB | peak MB | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, packed, result in rows:
        cpu = float(result["cpu_s"])  # type: ignore[arg-type]
        outcome = "refused (over the cap)" if result["refused"] else "read"
        lines.append(
            f"| {size} | {packed // 1024} | {result['chars']:,} | {cpu:.2f} | {cpu / size:.2f} "
            f"| {float(result['max_rss_mb']):.0f} | {outcome} |"  # type: ignore[arg-type]
        )
    lines += [
        "",
        f"For comparison, python-docx (which loading used before) took "
        f"{float(reference['cpu_s']):.1f} CPU s for the {SIZES_MB[0]} MB document "  # type: ignore[arg-type]
        f"({reference['paragraphs']:,} paragraphs) just to open it and name each paragraph's "
        "style: it scans every style for each look-up.",
        "",
        f"A crafted file ({attack[2] // 1024} KB packed, {HOSTILE_MB} MB of XML, "
        f"{HOSTILE_STYLES:,} styles, {attack[1]['paragraphs']:,} paragraphs): "
        f"python-docx {float(attack[1]['cpu_s']):.1f} CPU s, "  # type: ignore[arg-type]
        f"this loader {float(attack[0]['cpu_s']):.2f} CPU s "  # type: ignore[arg-type]
        f"and {float(attack[0]['max_rss_mb']):.0f} MB.",  # type: ignore[arg-type]
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
