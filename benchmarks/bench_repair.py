"""Time the repair stage on the corpus and report word accuracy on the hand-corrected gold lines.

Run: .venv/bin/python benchmarks/bench_repair.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from etl.repair import build_lexicon, repair_if_needed  # noqa: E402

RAW = ROOT / "data" / "raw"
FIXTURES = ROOT / "tests" / "fixtures"
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


def main() -> None:
    start = time.perf_counter()
    lexicon = build_lexicon((RAW / name).read_text(encoding="utf-8") for name in CLEAN)
    print(f"build_lexicon: {time.perf_counter() - start:.2f} s")
    for doc, name in GARBLED.items():
        text = (RAW / name).read_text(encoding="utf-8")
        start = time.perf_counter()
        repaired = repair_if_needed(text, lexicon)
        elapsed = time.perf_counter() - start
        garbled, restored, correct, broken = word_scores(text, repaired, doc)
        print(
            f"{doc}: {elapsed:.3f} s, garbled {garbled}, restored {restored} "
            f"({restored / garbled:.2%}), correct {correct}, broken {broken}"
        )


if __name__ == "__main__":
    main()
