"""Time the repair stage on the corpus and report word accuracy on the hand-corrected gold lines.

Run: .venv/bin/python benchmarks/bench_repair.py — prints and rewrites benchmarks/results/repair.md.
When the owners' ../shared/corpus-dev is present it also measures, on those documents (never used
to set the rules), how many are flagged as garbled and how many words a forced repair changes.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from etl.repair import (  # noqa: E402
    OCR_RULES_FILE,
    Lexicon,
    build_lexicon,
    needs_repair,
    repair_if_needed,
    repair_text,
)

RAW = ROOT / "data" / "raw"
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS_DEV = ROOT.parent / "shared" / "corpus-dev"
RESULTS = ROOT / "benchmarks" / "results" / "repair.md"
RUNS = 3  # timings are the median of this many runs
GARBLED = {"000": "000_c5242cab91dd5620.txt", "003": "003_5cd601967da3769b.txt"}
CLEAN = ("001_1b10471eeb29dce3.txt", "004_42a1907bf947dec8.txt")


def read_gold(doc: str) -> list[tuple[int, str, str]]:
    """Hand-corrected lines: (1-based line number, garbled line, corrected line)."""
    rows = (FIXTURES / f"repair_gold_{doc}.tsv").read_text(encoding="utf-8").split("\n")[1:]
    return [
        (int(line_no), garbled, corrected)
        for line_no, garbled, corrected in (row.split("\t") for row in rows if row)
    ]


def word_scores(source: str, repaired: str, doc: str) -> tuple[int, int, int, int]:
    """(garbled words, restored, correct words, broken) over the gold lines of one document.

    Raises ValueError when the fixture no longer matches the source or repair changed the
    number of words on a line: then the counts would compare the wrong words.
    """
    source_lines, repaired_lines = source.split("\n"), repaired.split("\n")
    garbled = restored = correct = broken = 0
    for line_no, garbled_line, gold_line in read_gold(doc):
        if source_lines[line_no - 1] != garbled_line:
            raise ValueError(f"{doc}: gold fixture out of date at line {line_no}")
        got, want, was = (
            line.split() for line in (repaired_lines[line_no - 1], gold_line, garbled_line)
        )
        if not len(got) == len(want) == len(was):
            raise ValueError(f"{doc}: word count changed at line {line_no}")
        for g, w, o in zip(got, want, was, strict=True):
            if o == w:
                correct += 1
                broken += g != w
            else:
                garbled += 1
                restored += g == w
    return garbled, restored, correct, broken


def gold_rows(lexicon: Lexicon) -> list[str]:
    """One table row per garbled document: time, garbled words restored, clean words broken."""
    rows = []
    for doc, name in GARBLED.items():
        text = (RAW / name).read_text(encoding="utf-8")
        seconds = []
        for _ in range(RUNS):
            start = time.perf_counter()
            repaired = repair_if_needed(text, lexicon)
            seconds.append(time.perf_counter() - start)
        garbled, restored, correct, broken = word_scores(text, repaired, doc)
        rows.append(
            f"| {doc} | {statistics.median(seconds):.3f} | {garbled} | {restored} "
            f"({restored / garbled:.2%}) | {correct} | {broken} |"
        )
    return rows


def unseen_rows(lexicon: Lexicon) -> list[str]:
    """On corpus-dev (clean, unseen): documents flagged as garbled, and words a forced repair
    would change in the unflagged ones, per 1,000 words (what a wrong detection would cost)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DEV.glob("*.txt"))]
    flagged = [t for t in texts if needs_repair(t)]
    words = changed = 0
    for text in texts:
        if text in flagged:
            continue
        before, after = text.split(), repair_text(text, lexicon).split()
        words += len(before)
        changed += sum(a != b for a, b in zip(before, after, strict=True))
    return [
        f"| {len(texts)} | {len(flagged)} | {words} | {changed} | {1000 * changed / words:.2f} |"
    ]


def main() -> None:
    start = time.perf_counter()
    lexicon = build_lexicon((RAW / name).read_text(encoding="utf-8") for name in CLEAN)
    lexicon_seconds = time.perf_counter() - start
    lines = [
        "# Repair benchmark",
        "",
        "`python benchmarks/bench_repair.py` rewrites this file. Machine: 2 cores shared with "
        f"other work; times are the median of {RUNS} runs.",
        "",
        f"Lexicon built from the clean documents 001 and 004 in {lexicon_seconds:.2f} s.",
        "",
        "Word accuracy on the hand-corrected gold lines (tests/fixtures/repair_gold_*.tsv) of the",
        f"two garbled shipped documents. The confusions and costs in {OCR_RULES_FILE.name} were",
        "set on these same documents, so this is accuracy on the data that shaped the rules,",
        "not a held-out figure.",
        "",
        "| document | seconds | garbled words | restored | correct words | broken |",
        "|---|---|---|---|---|---|",
        *gold_rows(lexicon),
    ]
    if CORPUS_DEV.is_dir():
        lines += [
            "",
            "Clean documents never used to set the rules (../shared/corpus-dev): how many the",
            "detector flags as garbled, and how many words repair would change if it ran on the",
            "unflagged ones anyway (these texts kept their å/ä/ö, so a change is almost surely",
            "wrong).",
            "",
            "| documents | flagged | words | changed by forced repair | per 1,000 words |",
            "|---|---|---|---|---|",
            *unseen_rows(lexicon),
        ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
