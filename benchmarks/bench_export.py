"""Export speed: the forum deck and the ECCAR report draft, on the shipped corpus.

Writes benchmarks/results/export.md. The first deck in a process pays for starting
vl-convert's renderer, so it is reported apart from the median of the later ones.
Usage: python benchmarks/bench_export.py (after python -m etl build).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from etl.paths import Paths
from etl.read.charts import built_on
from etl.read.deck import forum_deck
from etl.read.query import Atlas, connect
from etl.read.report import eccar_report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "export.md"
REPEATS = 3


def seconds(make: Callable[[], bytes]) -> tuple[float, int]:
    start = time.perf_counter()
    size = len(make())
    return time.perf_counter() - start, size


def main() -> None:
    db = Paths.from_env().db
    built = built_on(db)
    lines = [
        "# Export speed (shipped corpus)",
        "",
        f"{REPEATS} runs each in one process on this machine (2 shared cores); seconds.",
        "",
        "| file | first run | median of the rest | size |",
        "|---|---|---|---|",
    ]
    with connect(db) as con:
        atlas = Atlas(con)
        cities = atlas.cities()
        jobs: list[tuple[str, Callable[[], bytes]]] = [
            ("deck, sv, all cities", lambda: forum_deck(atlas, "sv", cities, "eccar", built)),
        ] + [
            (f"ECCAR report, sv, {c}", lambda c=c: eccar_report(atlas, c, "sv", built))
            for c in cities
        ]
        for name, make in jobs:
            runs = [seconds(make) for _ in range(REPEATS)]
            rest = statistics.median(t for t, _ in runs[1:])
            lines.append(f"| {name} | {runs[0][0]:.2f} | {rest:.2f} | {runs[0][1] // 1024} KB |")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
