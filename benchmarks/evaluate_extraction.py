"""Measure the reader on the development corpus: items by kind, coverage, gold items found.

Run: .venv/bin/python benchmarks/evaluate_extraction.py [--quick]

The 35 documents of ../shared/corpus-dev are ingested one by one with the documented command
line (`python -m etl ingest FILE --city … --kind …`) into a scratch copy of data/ (the project's
own data is not touched), and the built database is read back. `--quick` skips the command line
and runs parse → extract in-process, for a fast look while developing (no repair, no database).

A gold snippet is *found* when an item of its document contains it: rapidfuzz `partial_ratio`
≥ 85 between the whitespace-normalised snippet and the item's text (raw or repaired), the item
being at least 90 % as long as the snippet (so a short heading cannot "contain" a paragraph).
Its kind is right when the best-matching such item has the gold kind. Results go to
benchmarks/results/extraction.md (`--quick`: extraction_quick.md). These documents were read
while writing the rules, so the figures are development figures, not a held-out measurement.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.manifest import doc_id_for  # noqa: E402
from etl.model import ITEM_KINDS  # noqa: E402
from etl.text import normalise_space  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus-dev"
REPORT = ROOT / "benchmarks" / "results" / "extraction.md"
QUICK_REPORT = ROOT / "benchmarks" / "results" / "extraction_quick.md"
FOUND_SCORE = 85  # the definition of "contains"
MIN_LENGTH_SHARE = 0.9


@dataclass(frozen=True)
class DocItems:
    """What the reader gave for one document."""

    doc: str
    genre: str
    language: str
    kinds: tuple[tuple[str, str, str], ...]  # (kind, raw text, repaired text) per item
    coverage: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="in-process parse → extract only")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (the development corpus is not on this machine)")
        return 0
    manifest = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8")))
    gold = list(csv.DictReader((CORPUS / "gold_items.tsv").open(encoding="utf-8"), delimiter="\t"))
    read = read_quick(manifest) if args.quick else read_ingested(manifest)
    report = render(read, gold, "in-process parse → extract" if args.quick else "CLI ingest")
    print(report)
    target = QUICK_REPORT if args.quick else REPORT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


def read_ingested(manifest: list[dict[str, str]]) -> dict[str, DocItems]:
    """Ingest every document with the CLI into a scratch data folder; read the database."""
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("atlas.duckdb*", ".*"))
        env = {**os.environ, "ATLAS_DATA": str(data), "ATLAS_DB": str(data / "atlas.duckdb")}
        for row in manifest:
            command = [sys.executable, "-m", "etl", "ingest", str(CORPUS / row["file"])]
            command += ["--city", row["city"], "--organ", row["organ"], "--kind", row["kind"]]
            command += ["--title", row["title"], "--date", row["date"], "--new-city"]
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"ingest of {row['file']} failed:\n{done.stderr}")
            print(done.stdout.strip().splitlines()[-1], file=sys.stderr)
        with duckdb.connect(env["ATLAS_DB"], read_only=True) as con:
            return {
                row["file"][:2]: _from_database(con, row, doc_id_for(row["file"]))
                for row in manifest
            }


def _from_database(con: duckdb.DuckDBPyConnection, row: dict[str, str], doc_id: str) -> DocItems:
    kinds = con.execute(
        "SELECT kind, text_raw, text FROM items WHERE doc_id = ? ORDER BY position", [doc_id]
    ).fetchall()
    language, coverage = con.execute(
        "SELECT language, coverage FROM documents WHERE doc_id = ?", [doc_id]
    ).fetchone() or ("", 0.0)
    return DocItems(row["file"][:2], row["kind"], language, tuple(kinds), coverage)


def read_quick(manifest: list[dict[str, str]]) -> dict[str, DocItems]:
    """parse → extract in this process, without repair or the database."""
    from etl.extract import extract_items
    from etl.model import DocumentMeta, SourceText
    from etl.parse import parse_document
    from etl.text import covered_share

    result = {}
    for row in manifest:
        text = (CORPUS / row["file"]).read_text(encoding="utf-8")
        meta = DocumentMeta(row["file"], row["file"], row["city"], row["organ"], row["kind"], "")
        parsed = parse_document(SourceText(meta, text, ""))
        items = extract_items(parsed)
        coverage = covered_share(text, [(i.char_start, i.char_end) for i in items])
        kinds = tuple((i.kind, i.text_raw, i.text) for i in items)
        result[row["file"][:2]] = DocItems(
            row["file"][:2], row["kind"], parsed.language, kinds, coverage
        )
    return result


def best_item(snippet: str, items: tuple[tuple[str, str, str], ...]) -> tuple[float, str]:
    """(score, kind) of the item that best contains the snippet; (0, '') when none does."""
    wanted = normalise_space(snippet)
    best: tuple[float, int, str] = (0.0, 0, "")
    for kind, raw, repaired in items:
        for text in {normalise_space(raw), normalise_space(repaired)}:
            if len(text) < MIN_LENGTH_SHARE * len(wanted):
                continue
            score = fuzz.partial_ratio(wanted, text)
            if (score, -len(text)) > (best[0], best[1]):
                best = (score, -len(text), kind)
    return best[0], best[2]


def render(read: dict[str, DocItems], gold: list[dict[str, str]], how: str) -> str:
    per_doc: dict[str, Counter[str]] = defaultdict(Counter)
    confusion: Counter[tuple[str, str, str]] = Counter()  # (genre, gold kind, read kind)
    misses: list[str] = []
    wrong: list[str] = []
    for row in gold:
        score, kind = best_item(row["snippet"], read[row["doc"]].kinds)
        tally = per_doc[row["doc"]]
        tally["gold"] += 1
        if score >= FOUND_SCORE:
            tally["found"] += 1
            tally["kind_right"] += kind == row["kind"]
            confusion[(read[row["doc"]].genre, row["kind"], kind)] += 1
            if kind != row["kind"]:
                wrong.append(f"{row['doc']} gold {row['kind']}, read {kind}: {row['snippet'][:90]}")
        else:
            misses.append(f"{row['doc']} ({row['kind']}, best {score:.0f}): {row['snippet'][:90]}")
    lines = [
        "# Extraction on the development corpus",
        "",
        f"Measured on the 35 documents of `../shared/corpus-dev` ({how}) against its 256 gold",
        "items. These documents were read while the reader's rules were written, so these are",
        "development figures; the unseen set kept apart is the real test. Run",
        "`.venv/bin/python benchmarks/evaluate_extraction.py` (part of `make bench`).",
        "",
    ]
    lines += _totals(read, per_doc)
    lines += ["", "## Per genre", "", *_table(read, per_doc, key=lambda d: d.genre)]
    lines += ["", "## Kinds: gold (rows) against read (columns), per genre", ""]
    lines += _confusion(confusion)
    lines += ["", "## Per document", "", *_table(read, per_doc, key=lambda d: d.doc)]
    lines += ["", f"## Gold items not found ({len(misses)})", ""] + [f"- {m}" for m in misses]
    lines += ["", f"## Found with another kind ({len(wrong)})", ""] + [f"- {w}" for w in wrong]
    return "\n".join(lines) + "\n"


def _totals(read: dict[str, DocItems], per_doc: dict[str, Counter[str]]) -> list[str]:
    gold = sum(t["gold"] for t in per_doc.values())
    found = sum(t["found"] for t in per_doc.values())
    right = sum(t["kind_right"] for t in per_doc.values())
    empty = [d for d, r in read.items() if not r.kinds]
    return [
        f"- documents with items: {len(read) - len(empty)} of {len(read)}"
        + (f" (none from {', '.join(empty)})" if empty else ""),
        f"- gold items found: {found} of {gold} = {found / gold:.3f} (target ≥ 0.95)",
        f"- kind accuracy on found items: {right} of {found} = {right / max(found, 1):.3f}"
        " (target ≥ 0.85)",
        f"- items: {sum(len(r.kinds) for r in read.values())}; mean share of text covered: "
        f"{sum(r.coverage for r in read.values()) / len(read):.2f}",
    ]


def _confusion(confusion: Counter[tuple[str, str, str]]) -> list[str]:
    """One row per genre and gold kind: how its found items were read."""
    rows = [
        "| genre | gold kind | " + " | ".join(ITEM_KINDS) + " |",
        "|" + "---|" * (2 + len(ITEM_KINDS)),
    ]
    for genre, gold_kind in sorted({(g, k) for g, k, _ in confusion}):
        cells = [str(confusion[(genre, gold_kind, read)] or "") for read in ITEM_KINDS]
        rows.append(f"| {genre} | {gold_kind} | " + " | ".join(cells) + " |")
    return rows


def _table(read: dict[str, DocItems], per_doc: dict[str, Counter[str]], key) -> list[str]:  # type: ignore[no-untyped-def]
    groups: dict[str, list[DocItems]] = defaultdict(list)
    for doc in read.values():
        groups[key(doc)].append(doc)
    head = "| group | docs | lang | " + " | ".join(ITEM_KINDS) + " | covered | found | kind right |"
    rows = [head, "|" + "---|" * (len(ITEM_KINDS) + 6)]
    for name in sorted(groups):
        docs = groups[name]
        counts = Counter(k for d in docs for k, _, _ in d.kinds)
        tally = sum((per_doc[d.doc] for d in docs), Counter())
        coverage = sum(d.coverage for d in docs) / len(docs)
        found = tally["found"]
        rows.append(
            f"| {name} | {len(docs)} | {','.join(sorted({d.language for d in docs}))} | "
            + " | ".join(str(counts[k]) for k in ITEM_KINDS)
            + f" | {coverage:.2f} | {found}/{tally['gold']} | {tally['kind_right']}/{found} |"
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
