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
sys.path.insert(0, str(ROOT))
from etl.pipeline import STAGES  # noqa: E402

STAGE_NAMES = [s.name for s in STAGES]
CORPUS_STAGES = {s.name for s in STAGES if s.scope == "corpus"}

# One build with an empty cache, in a fresh process. Sequentially, every stage of the list is
# timed (its calls summed over the documents); with the pool only the total is, since the
# document stages then run in the workers.
MEASURE = r"""
import json, resource, sys, tempfile, time
from dataclasses import replace
from pathlib import Path
from etl import pipeline
from etl.paths import Paths

data, pool_threshold = Path(sys.argv[1]), int(sys.argv[2])
pipeline.POOL_MIN_DOCUMENTS = pool_threshold
times = {s.name: 0.0 for s in pipeline.STAGES}

def timed(stage):
    def run(*args):
        start = time.perf_counter()
        try:
            return stage.run(*args)
        finally:
            times[stage.name] += time.perf_counter() - start
    run.__module__ = stage.run.__module__
    return replace(stage, run=run)

pipeline.STAGES = tuple(timed(s) for s in pipeline.STAGES)
with tempfile.TemporaryDirectory() as cache:
    paths = Paths(data=data, db=data / "atlas.duckdb", cache_dir=Path(cache))
    report = pipeline.build(paths, progress=lambda _: None)
times["total"] = report.seconds
print(json.dumps({"times": times, "items": report.items, "documents": report.documents,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scaled_copy(copies: int, target: Path) -> Path:
    """data/ with every document repeated `copies` times (each copy a distinct file)."""
    shutil.copytree(
        ROOT / "data", target, ignore=shutil.ignore_patterns("*.duckdb*", "review.csv", ".*")
    )
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
        "Stage columns are seconds summed over the documents, with an empty build cache; with",
        "the pool, the document stages run in its workers and only the total is measured. Peak",
        "MB is the main process's (workers come on top).",
        "",
        "| documents | items | mode | " + " | ".join(STAGE_NAMES) + " | total s | peak MB |",
        "|---|---|---|" + "---|" * len(STAGE_NAMES) + "---|---|",
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
                    f"{median[k]:.2f}" if mode == "sequential" or k in CORPUS_STAGES else "–"
                    for k in STAGE_NAMES
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
