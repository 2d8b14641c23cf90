"""Crash safety: a build or an ingest killed at any moment loses nothing.

`python -m etl build` and `python -m etl ingest` run as real processes against private copies
of a built corpus and are killed with SIGKILL at points spread over their measured duration
(plus a little beyond, so kills after the end are covered too). After each kill the database at
the target path must open read-only, pass the publish checks and have the row counts it had,
and data/raw, the manifest, cities.csv and review.csv must be byte-identical; an ingest killed
halfway must be rolled back whole by the next writer, or have landed whole.

Kill trials run two at a time (each on its own copy); the duration they are spread over is
measured under the same load.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from test_ingest import ETL, SWEDISH, cli_env, corpus_snapshot, ingest_arguments, reviewed_corpus

from etl.ingest import corpus_lock, recover
from etl.paths import ROOT, Paths
from etl.publish import check

# A build takes about 2.5 s alone, 3.5 s two at a time; 30 + 8 kills take about 40 s.
BUILD_KILLS = 30
INGEST_KILLS = 8
PARALLEL_TRIALS = 2
# Kill points run to a little past the measured end, so a kill after the rename is tried too.
OVERSHOOT = 1.1
SEED = 6


@dataclass(frozen=True)
class Trial:
    """What one killed process left behind."""

    delay: float
    files: dict[str, str]
    counts: dict[str, int] | str
    replaced: bool
    paths: Paths


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return reviewed_corpus(tmp_path_factory.mktemp("crash"))


def private_copy(base: Paths, folder: Path) -> Paths:
    shutil.copytree(base.data, folder / "data")
    return Paths(data=folder / "data", db=folder / "data" / base.db.name)


def table_counts(db: Path) -> dict[str, int] | str:
    """Row count of every table, after the publish checks; or what went wrong opening it."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            check(con)
            tables = [
                name
                for (name,) in con.execute(
                    "SELECT table_name FROM information_schema.tables ORDER BY 1"
                ).fetchall()
            ]
            return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}  # noqa: S608
    except Exception as error:  # the point of the test is to report any failure to open
        return f"{type(error).__name__}: {error}"


def files_of(snapshot: dict[str, str], paths: Paths) -> dict[str, str]:
    """A snapshot without the database (whose bytes differ between equal builds)."""
    return {k: v for k, v in snapshot.items() if k != str(paths.db)}


def relative(snapshot: dict[str, str], paths: Paths) -> dict[str, str]:
    return {str(Path(k).relative_to(paths.data)): v for k, v in snapshot.items()}


def kill_at(base: Paths, folder: Path, arguments: Sequence[str], delay: float) -> Trial:
    """Start `python -m etl ARGUMENTS` on a private copy, SIGKILL it after `delay` seconds."""
    paths = private_copy(base, folder)
    inode = paths.db.stat().st_ino
    process = subprocess.Popen(
        [*ETL, *arguments],
        cwd=ROOT,
        env=cli_env(paths),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    replaced = paths.db.stat().st_ino != inode
    return Trial(delay, corpus_snapshot(paths), table_counts(paths.db), replaced, paths)


def measured_seconds(base: Paths, folder: Path, arguments: Sequence[str]) -> float:
    """How long the command takes when PARALLEL_TRIALS of it run at once."""

    def timed(n: int) -> float:
        paths = private_copy(base, folder / str(n))
        started = time.perf_counter()
        subprocess.run(
            [*ETL, *arguments], cwd=ROOT, env=cli_env(paths), check=True, capture_output=True
        )
        return time.perf_counter() - started

    with ThreadPoolExecutor(PARALLEL_TRIALS) as pool:
        return max(pool.map(timed, range(PARALLEL_TRIALS)))


def kill_points(seconds: float, count: int, seed: int) -> list[float]:
    """`count` points, one in each equal slice of [0, OVERSHOOT × seconds], at random in it."""
    rng = random.Random(seed)
    width = OVERSHOOT * seconds / count
    return [width * (n + rng.random()) for n in range(count)]


def run_trials(
    base: Paths, folder: Path, arguments: Sequence[str], delays: list[float]
) -> list[Trial]:
    with ThreadPoolExecutor(PARALLEL_TRIALS) as pool:
        return list(
            pool.map(
                lambda n: kill_at(base, folder / f"kill{n}", arguments, delays[n]),
                range(len(delays)),
            )
        )


def test_killed_build_leaves_database_and_corpus_intact(
    built_corpus: Paths, tmp_path: Path
) -> None:
    before_files = relative(files_of(corpus_snapshot(built_corpus), built_corpus), built_corpus)
    before_counts = table_counts(built_corpus.db)
    assert isinstance(before_counts, dict) and before_counts["documents"] == 4
    seconds = measured_seconds(built_corpus, tmp_path / "measure", ["build"])
    delays = kill_points(seconds, BUILD_KILLS, SEED)
    trials = run_trials(built_corpus, tmp_path, ["build"], delays)
    for trial in trials:
        assert trial.counts == before_counts, f"killed at {trial.delay:.2f} s"
        assert relative(files_of(trial.files, trial.paths), trial.paths) == before_files
    replaced = sum(t.replaced for t in trials)
    print(f"{len(trials)} kills over {seconds:.2f} s; {replaced} after the new file was in place")
    assert 0 < replaced < len(trials), "the kills should fall both before and after the rename"
    last = trials[-1].paths
    subprocess.run([*ETL, "build"], cwd=ROOT, env=cli_env(last), check=True, capture_output=True)
    assert not [p.name for p in last.data.glob("*.tmp")], "a later build clears stray temporaries"
    contract = subprocess.run(
        [sys.executable, ROOT / "tests" / "check_contract.py", last.db],
        capture_output=True,
        text=True,
    )
    assert contract.stdout.startswith("contract holds"), contract.stdout


def test_killed_ingest_is_rolled_back_or_complete(built_corpus: Paths, tmp_path: Path) -> None:
    source = tmp_path / "nytt_remissvar.txt"
    source.write_text(SWEDISH, encoding="utf-8")
    arguments = ingest_arguments(source)
    before = relative(corpus_snapshot(built_corpus), built_corpus)
    done = private_copy(built_corpus, tmp_path / "done")
    subprocess.run([*ETL, *arguments], cwd=ROOT, env=cli_env(done), check=True, capture_output=True)
    after_files = relative(files_of(corpus_snapshot(done), done), done)
    after_counts = table_counts(done.db)
    seconds = measured_seconds(built_corpus, tmp_path / "measure", arguments)
    trials = run_trials(built_corpus, tmp_path, arguments, kill_points(seconds, INGEST_KILLS, SEED))
    outcomes = []
    for trial in trials:
        with corpus_lock(trial.paths):
            recover(trial.paths)
        now = relative(corpus_snapshot(trial.paths), trial.paths)
        if now == before:
            outcomes.append("rolled back")
        else:
            assert (
                relative(files_of(corpus_snapshot(trial.paths), trial.paths), trial.paths)
                == after_files
            )
            assert table_counts(trial.paths.db) == after_counts
            outcomes.append("complete")
        assert not (trial.paths.data / ".ingest-journal").exists()
    print(
        f"{len(trials)} ingest kills over {seconds:.2f} s: "
        f"{outcomes.count('rolled back')} rolled back, {outcomes.count('complete')} complete"
    )
    assert "rolled back" in outcomes


def test_open_reader_keeps_working_while_the_database_is_replaced(
    built_corpus: Paths, tmp_path: Path
) -> None:
    """Per STACK.md: an open connection keeps the old file; closing and reopening sees the new."""
    paths = private_copy(built_corpus, tmp_path)
    source = tmp_path / "nytt.txt"
    source.write_text(SWEDISH, encoding="utf-8")
    count = "SELECT count(*) FROM documents"
    reader = duckdb.connect(str(paths.db), read_only=True)
    assert reader.execute(count).fetchall() == [(4,)]
    subprocess.run(
        [*ETL, *ingest_arguments(source)],
        cwd=ROOT,
        env=cli_env(paths),
        check=True,
        capture_output=True,
    )
    assert reader.execute(count).fetchall() == [(4,)]
    assert reader.execute("SELECT count(*) FROM items").fetchall()[0][0] > 0
    reader.close()
    with duckdb.connect(str(paths.db), read_only=True) as fresh:
        assert fresh.execute(count).fetchall() == [(5,)]
