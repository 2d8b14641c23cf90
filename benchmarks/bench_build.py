"""Build speed and memory: per stage on the shipped corpus, and on a corpus scaled up.

Writes benchmarks/results/build.md (quoted in the README). Runs each measurement in a fresh
process so peak memory (max RSS) is the build's own. Usage: python benchmarks/bench_build.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "build.md"
REPEATS = 3
SCALES = (1, 8, 24)  # copies of the shipped corpus: 4, 32 and 96 documents

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from etl import pipeline
from etl.dedupe import assign_units
from etl.map import map_items
from etl.overrides import apply_decisions, load_decisions
from etl.paths import Paths
from etl.publish import Build, publish
from etl.taxonomy import load_taxonomy

paths = Paths(data=Path(sys.argv[1]), db=Path(sys.argv[1]) / "atlas.duckdb")
pool_threshold = int(sys.argv[2])
pipeline.POOL_MIN_DOCUMENTS = pool_threshold
times = {}
def timed(name, fn, *args):
    start = time.perf_counter(); result = fn(*args); times[name] = time.perf_counter() - start
    return result
start = time.perf_counter()
sources = timed("load", pipeline.read_sources, paths)
taxonomy = load_taxonomy(paths.taxonomy)
lexicon = timed("lexicon", pipeline.lexicon_for, sources)
processed = timed("parse+repair+extract", pipeline._process_all, sources, lexicon, lambda _: None)
items = timed("dedupe", assign_units, [i for _, _, d in processed for i in d],
              {s.meta.doc_id: s.meta.relates_to for s in sources})
suggestions = timed("map", map_items, items, taxonomy)
outcome = timed("overrides", apply_decisions, suggestions, load_decisions(paths.review),
                [i.item_id for i in items], [c.concept_id for c in taxonomy.concepts])
timed("publish", publish, Build(sources, [t for _, t, _ in processed], items, taxonomy,
      suggestions, outcome.mappings, outcome.not_covered, [], []), paths.db)
times["total"] = time.perf_counter() - start
print(json.dumps({"times": times, "items": len(items), "documents": len(sources),
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scaled_copy(copies: int, target: Path) -> Path:
    """data/ with every document repeated `copies` times (each copy a distinct file)."""
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("*.duckdb*", "review.csv"))
    lines = (target / "manifest.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for n in range(copies):
        for line in lines[1:]:
            name = line.split(",", 1)[0]
            copy = f"copy{n:03d}_{name}"
            data = (target / "raw" / name).read_bytes() + f"\n\nKopia {n}.\n".encode()
            (target / "raw" / copy).write_bytes(data)
            rows.append(copy + line[len(name) :])
    for line in lines[1:]:
        (target / "raw" / line.split(",", 1)[0]).unlink()
    (target / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return target


def measure(data: Path, pool_threshold: int) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(data), str(pool_threshold)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    lines = [
        "# Build benchmark",
        "",
        f"Machine: 2 cores. Median of {REPEATS} runs, each in a fresh process. "
        "`make bench` or `python benchmarks/bench_build.py` rewrites this file.",
        "",
        "| documents | items | mode | load | lexicon | parse+repair+extract | dedupe | map "
        "| publish | total s | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for copies in SCALES:
            data = scaled_copy(copies, Path(tmp) / f"x{copies}")
            for mode, threshold in (("sequential", 10**9), ("process pool", 1)):
                runs = [measure(data, threshold) for _ in range(REPEATS)]
                median = {
                    k: statistics.median(r["times"][k] for r in runs) for k in runs[0]["times"]
                }
                peak = max(r["max_rss_mb"] for r in runs)
                stages = " | ".join(
                    f"{median[k]:.2f}"
                    for k in ("load", "lexicon", "parse+repair+extract", "dedupe", "map", "publish")
                )
                lines.append(
                    f"| {runs[0]['documents']} | {runs[0]['items']} | {mode} | {stages} "
                    f"| {median['total']:.2f} | {peak:.0f} |"
                )
                print(lines[-1], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
