"""Query speed: the comparison queries the pages run, on the shipped corpus.

A page's first visit after a build runs its queries on a fresh cursor (the helpers in
`etl.read.query.HELPERS` are created then); later visits read the page cache. This measures the
first kind, per query: the median of REPEATS runs, each on a new cursor. Writes
benchmarks/results/queries.md. Usage: python benchmarks/bench_queries.py
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from etl.paths import ROOT, Paths
from etl.pipeline import build
from etl.read.query import Atlas, connect

RESULTS = ROOT / "benchmarks" / "results" / "queries.md"
REPEATS = 7

QUERIES: dict[str, Callable[[Atlas], object]] = {
    "coverage (all cells)": lambda a: a.coverage(),
    "covered_counts": lambda a: a.covered_counts(),
    "comparison('eccar')": lambda a: a.comparison("eccar"),
    "gaps('function')": lambda a: a.gaps("function"),
    "eccar_benchmark": lambda a: a.eccar_benchmark(),
    "silences('Stockholm')": lambda a: a.silences("Stockholm"),
    "corpus + kind_presence": lambda a: (a.corpus(), a.kind_presence()),
    "cities (needs no helpers)": lambda a: a.cities(),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.duckdb*", ".*"))
        paths = Paths(data=data, db=data / "atlas.duckdb")
        build(paths, progress=lambda _: None)
        con = connect(paths.db)
        rows = []
        for name, run in QUERIES.items():
            times = []
            for _ in range(REPEATS):
                cursor = con.cursor()
                start = time.perf_counter()
                run(Atlas(cursor))
                times.append(time.perf_counter() - start)
                cursor.close()
            rows.append(f"| {name} | {statistics.median(times) * 1000:.1f} |")
        con.close()
    RESULTS.write_text(
        "# Comparison queries on the shipped corpus\n\n"
        f"Median of {REPEATS} runs, each on a new cursor (so including the helpers' creation where "
        "a query needs them), "
        "as on a page's first visit after a build; later visits read the page cache.\n"
        "Measured by `benchmarks/bench_queries.py` on the development machine "
        "(2 cores shared with other work, so expect noise).\n\n"
        "| query | ms |\n|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    print(RESULTS.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
