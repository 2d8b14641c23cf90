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


def main() -> None:
    start = time.perf_counter()
    lexicon = build_lexicon((RAW / name).read_text(encoding="utf-8") for name in CLEAN)
    print(f"build_lexicon: {time.perf_counter() - start:.2f} s")
    for doc, name in GARBLED.items():
        text = (RAW / name).read_text(encoding="utf-8")
        start = time.perf_counter()
        lines = repair_if_needed(text, lexicon).split("\n")
        elapsed = time.perf_counter() - start
        garbled = restored = correct = broken = 0
        rows = (FIXTURES / f"repair_gold_{doc}.tsv").read_text(encoding="utf-8").split("\n")[1:]
        for row in filter(None, rows):
            line_no, was, want = row.split("\t")
            got = lines[int(line_no) - 1].split()
            for g, w, o in zip(got, want.split(), was.split(), strict=True):
                if o == w:
                    correct += 1
                    broken += g != w
                else:
                    garbled += 1
                    restored += g == w
        print(
            f"{doc}: {elapsed:.3f} s, garbled {garbled}, restored {restored} "
            f"({restored / garbled:.2%}), correct {correct}, broken {broken}"
        )


if __name__ == "__main__":
    main()
