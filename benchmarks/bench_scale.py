"""The build and the pages at scale: generated corpora of 100, 1,000 (and 10,000) documents.

Writes benchmarks/results/scale.md and scale.json. For each size, on a corpus made by
benchmarks/generate_corpus.py (same seed, so runs compare):
- full build (cold cache) on 1 core and on 2 cores: seconds and peak memory (the resident
  memory of the build and its pool workers together, sampled every 50 ms);
- passages (items) and documents published;
- an ingest of one more document into that corpus (`python -m etl ingest`, warm cache);
- a rebuild after one taxonomy change (one alias added);
- each page's AppTest rerun time on that database against an empty page's rerun in the same
  process (median of RERUNS reruns after a first run).
Every command runs as its own process, as a person would run it.

Usage: python benchmarks/bench_scale.py [--sizes 100,1000]. The 10,000 size takes several
minutes on this machine; it runs when ATLAS_BENCH_10K=1 is set (or with --sizes).
`--pages-only DATA` times only the pages on a data folder already built.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"
SEED = 12
RERUNS = 3
SAMPLE_SECONDS = 0.05
# scale.md keeps what a person wrote below this line (how to read the figures) across runs.
NOTES = "<!-- notes: kept by bench_scale.py -->"
TARGET_DOCUMENTS = 10_000  # the size issue 12 sets its targets at
TAXONOMY_EDIT = ("aliases = [", 'aliases = [\n    "bibliotekens arbete",')

PAGE_TIMES = r"""
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
pages, reruns = json.loads(sys.argv[1]), int(sys.argv[2])

def rerun_ms(at):  # median wall and CPU ms (CPU of the whole process, script thread too)
    walls, cpus = [], []
    for _ in range(reruns):
        start, cpu = time.perf_counter(), time.process_time()
        at.run()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert not at.exception, [e.message for e in at.exception]
    return [statistics.median(walls), statistics.median(cpus)]

empty = AppTest.from_string("import streamlit as st", default_timeout=30)
empty.run()
result = {"(empty page)": rerun_ms(empty)}
for page in pages:
    try:
        at = AppTest.from_file("app.py", default_timeout=30)
        at.run()
        at.switch_page(page).run()
        result[page] = rerun_ms(at)
    except Exception as error:  # a page too slow for AppTest's 30 s is a result, not a crash
        result[page] = f"failed: {str(error).splitlines()[0]}"
print(json.dumps(result))
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(
                next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1]
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total * 1024


def run(command: list[str], env: dict[str, str], cores: set[int] | None = None) -> dict:
    """Run a command; wall seconds, CPU seconds and peak resident memory of its process tree.

    CPU seconds (user + system, the command and every process it waited for, pool workers
    included) vary far less than wall time when other work shares the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,  # noqa: PLW1509
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err}\n{out[-2000:]}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(peak / 2**20),
        "stdout": out,
    }


def environment(data: Path, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ATLAS_DATA": str(data),
        "ATLAS_DB": str(data / "atlas.duckdb"),
        "ATLAS_CACHE": str(cache),
    }


def measure(size: int, work: Path, pages: list[str], core_counts: list[int]) -> dict:
    data, cache = work / f"corpus-{size}", work / f"cache-{size}"
    py = sys.executable
    subprocess.run(
        [py, str(GENERATOR), str(data), "--documents", str(size), "--seed", str(SEED)], check=True
    )
    extra = work / f"extra-{size}"
    subprocess.run([py, str(GENERATOR), str(extra), "--documents", "1", "--seed", str(SEED + 1)])
    env = environment(data, cache)
    build = [py, "-m", "etl", "build"]
    result: dict = {"documents": size}
    for count in core_counts:
        shutil.rmtree(cache, ignore_errors=True)
        timing = run(build, env, set(range(count)))
        result[f"full build, {count} core{'s' if count > 1 else ''}"] = _timing(timing)
    with duckdb.connect(str(data / "atlas.duckdb"), read_only=True) as con:
        result["passages"] = con.execute("SELECT count(*) FROM items").fetchone()[0]
    result["unchanged rebuild"] = _timing(run(build, env))
    new_file = work / f"new-response-{size}.txt"  # a name no generated document has
    shutil.copy(next((extra / "raw").iterdir()), new_file)
    ingest = [py, "-m", "etl", "ingest", str(new_file), "--city", "Stockholm", "--organ"]
    ingest += ["Kulturnämnden / Kulturförvaltningen", "--kind", "response", "--date", "2026-11"]
    result["ingest of one document"] = _timing(run(ingest, env))
    taxonomy = data / "taxonomy.toml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(*TAXONOMY_EDIT, 1), "utf-8")
    result["rebuild after a taxonomy change"] = _timing(run(build, env))
    return result | page_times(env, pages)


def page_times(env: dict[str, str], pages: list[str]) -> dict:
    """Each page's AppTest rerun ms on the database `env` names, in a process of its own:
    {"page rerun ms": wall ms by page, "page rerun cpu ms": CPU ms by page}. CPU ms vary far
    less than wall ms when other work shares the cores."""
    timed = subprocess.run(
        [sys.executable, "-c", PAGE_TIMES, json.dumps(pages), str(RERUNS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if timed.returncode != 0:
        return {"page rerun ms": {"error": timed.stderr.strip().splitlines()[-1]}}
    times = json.loads(timed.stdout.strip().splitlines()[-1])
    return {
        name: {
            page: round(ms[column]) if isinstance(ms, list) else ms for page, ms in times.items()
        }
        for column, name in enumerate(("page rerun ms", "page rerun cpu ms"))
    }


def pages_only(data: Path, cache: Path) -> dict:
    """The page part alone, on a corpus already built in `data` (its atlas.duckdb): the
    result replaces that size's page figures and keeps its build figures."""
    with duckdb.connect(str(data / "atlas.duckdb"), read_only=True) as con:
        documents, passages = (
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
            for table in ("documents", "items")
        )
    return {"documents": documents, "passages": passages} | page_times(
        environment(data, cache), app_pages()
    )


def _timing(timing: dict) -> dict:
    return {k: v for k, v in timing.items() if k != "stdout"}


def app_pages() -> list[str]:
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES":
            return [path for path, *_ in ast.literal_eval(node.value)]
    return []


def markdown(results: list[dict], noise: str) -> str:
    lines = [
        "# Build and pages at scale",
        "",
        "Generated corpora (benchmarks/generate_corpus.py, seed 12: real paragraphs and lists",
        "of the shipped documents and ../shared/corpus-dev recombined, 60 cities, a fifth",
        "OCR-garbled). Each command a fresh process; peak memory is the build and its workers",
        f"together. Written by `benchmarks/bench_scale.py`. {noise}",
        "",
        "| documents | passages | full build 1 core s | peak MB | full build 2 cores s | peak MB"
        " | CPU s (2 cores) | s per 1,000 docs (2 cores) | unchanged rebuild s | ingest one s"
        " | rebuild after taxonomy change s | load average |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    missing = {"seconds": "–", "peak_mb": "–"}
    built = [r for r in results if "full build, 2 cores" in r]  # not a size timed pages-only
    for r in built:
        one, two = r.get("full build, 1 core", missing), r["full build, 2 cores"]
        lines.append(
            f"| {r['documents']:,} | {r['passages']:,} | {one['seconds']} | {one['peak_mb']} "
            f"| {two['seconds']} | {two['peak_mb']} | {two.get('cpu_seconds', '–')} "
            f"| {1000 * two['seconds'] / r['documents']:.1f} "
            f"| {r['unchanged rebuild']['seconds']} | {r['ingest of one document']['seconds']} "
            f"| {r['rebuild after a taxonomy change']['seconds']} "
            f"| {r.get('load average at start', '–')} |"
        )
    lines += _extrapolation(built)
    pages = [p for p in results[0]["page rerun ms"]] if results else []
    lines += [
        "",
        "Page reruns under AppTest, ms of wall time (median of 3 reruns after a first run); in",
        "brackets the CPU ms of the process in the same reruns, where measured:",
        "",
    ]
    lines.append("| page | " + " | ".join(f"{r['documents']:,} docs" for r in results) + " |")
    lines.append("|---|" + "---|" * len(results))
    for page in pages:
        cells = [_page_cell(r, page) for r in results]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    retimed = [
        f"{r['documents']:,} documents: pages timed again on their own "
        f"(`--pages-only`) at {r['pages measured at']}, load average {r['load average at pages']}."
        for r in results
        if "pages measured at" in r
    ]
    lines += ["", *retimed] if retimed else []
    return "\n".join(lines) + "\n"


def _page_cell(result: dict, page: str) -> str:
    """'212 (180 CPU)': one page's wall ms, with its CPU ms where this run measured them."""
    wall = result["page rerun ms"].get(page, "–")
    cpu = result.get("page rerun cpu ms", {}).get(page)
    return f"{wall} ({cpu} CPU)" if isinstance(cpu, int) else str(wall)


def _extrapolation(results: list[dict]) -> list[str]:
    """When 10,000 documents were not measured: what the largest measured size's pace gives
    for them, said as an extrapolation (the stages are linear; publish and dedupe grow a
    little faster)."""
    measured = {r["documents"]: r for r in results}
    if TARGET_DOCUMENTS in measured or not measured:
        return []
    size = max(measured)
    r = measured[size]
    factor = TARGET_DOCUMENTS / size
    build = r["full build, 2 cores"]["seconds"] * factor
    ingest = r["ingest of one document"]["seconds"] * factor
    return [
        "",
        f"{TARGET_DOCUMENTS:,} documents were not measured in this run. At the pace of "
        f"{size:,} (linear extrapolation, not a measurement): full build on 2 cores about "
        f"{build:,.0f} s, an ingest about {ingest:,.0f} s (an ingest still republishes the "
        "whole corpus, so it grows with the corpus).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "100,1000,10000" if os.environ.get("ATLAS_BENCH_10K") == "1" else "100,1000"
    parser.add_argument("--sizes", default=default)
    parser.add_argument("--cores", default="1,2", help="core counts to time the full build on")
    parser.add_argument(
        "--pages-only",
        type=Path,
        metavar="DATA",
        help="time only the pages, on a data folder already built (generate_corpus.py, then "
        "`python -m etl build` with ATLAS_DATA set to it); its size's build figures stay",
    )
    args = parser.parse_args()
    core_counts = [int(c) for c in args.cores.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]
    noise = (
        f"Machine: {os.cpu_count()} cores shared with other engineers' work; "
        f"Python {platform.python_version()}. Run-to-run spread on it is 2-3×."
    )
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        for size in [] if args.pages_only else sizes:
            print(f"measuring {size} documents ...", flush=True)
            result = measure(size, Path(folder), app_pages(), core_counts)
            result["load average at start"] = round(load, 1)
            result["measured at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            measured.append(result)
            print(json.dumps(result, indent=1), flush=True)
            load = os.getloadavg()[0]
        if args.pages_only:
            result = pages_only(args.pages_only, Path(folder) / "cache")
            result["pages measured at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            result["load average at pages"] = round(load, 1)
            measured.append(result)
            print(json.dumps(result, indent=1), flush=True)
    # Sizes measured in other runs stay (the 10,000 one is run on its own); a pages-only run
    # replaces only the page figures of its size.
    previous = RESULTS / "scale.json"
    kept = json.loads(previous.read_text(encoding="utf-8"))["results"] if previous.exists() else []
    by_size = {r["documents"]: r for r in kept}
    for r in measured:
        by_size[r["documents"]] = by_size.get(r["documents"], {}) | r
    results = [by_size[size] for size in sorted(by_size)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(
        json.dumps({"machine": noise, "results": results}, indent=1) + "\n", encoding="utf-8"
    )
    report = RESULTS / "scale.md"
    notes = report.read_text(encoding="utf-8").partition(NOTES)[2] if report.exists() else ""
    body = markdown(results, noise) + (f"\n{NOTES}{notes}" if notes else "")
    report.write_text(body, encoding="utf-8")
    print(f"wrote {RESULTS / 'scale.md'}")


if __name__ == "__main__":
    main()
