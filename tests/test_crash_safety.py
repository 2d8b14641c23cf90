"""Crash safety: a build or an ingest killed at any moment loses nothing.

`python -m etl build` and `python -m etl ingest` run as real processes against private copies
of a built corpus and are killed with SIGKILL. Half the kill points are spread over the
command's measured duration (and a little beyond its end); the other half are timed from the
last progress line before publishing, spread over twice the measured publish step, so that kills
fall while the new database is written and around its rename whatever the machine's load.
After each kill the database at the target path must open read-only, pass the publish checks
and have the row counts it had, and data/raw, the manifest, cities.csv and review.csv must be
byte-identical; an ingest killed halfway must be rolled back whole by the next writer, or have
landed whole.

Kill trials run two at a time (each on its own copy); durations are measured the same way.
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

# Kills per command and per kind of point. A build takes about 2.5 s alone and 3.5 s two at a
# time, and a kill costs on average half a build (or a whole one, timed from publishing):
# 24 + 8 kills take about 45 s.
BUILD_KILLS = 12
INGEST_KILLS = 4
PARALLEL_TRIALS = 2
# Kill points from the start run to a little past the measured end, so kills after the rename
# are tried too.
OVERSHOOT = 1.1
# The last progress line before publishing; kills timed from it land in the publish step.
PUBLISH_MARK = "log:"
# The publish step's length varies with the machine's load; spreading over twice its measured
# length puts kills on both sides of the rename even on a busy machine.
PUBLISH_OVERSHOOT = 2.0
SEED = 6


@dataclass(frozen=True)
class KillPoint:
    """Kill `delay` seconds after the start, or after the progress line starting with `mark`."""

    delay: float
    mark: str = ""


@dataclass(frozen=True)
class Trial:
    """What one killed process left behind."""

    point: KillPoint
    reached_mark: bool
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


def start(paths: Paths, arguments: Sequence[str]) -> subprocess.Popen[str]:
    """The command on `paths`, its progress piped; its errors go to a file beside the copy (a
    pipe nobody reads could fill and stall it), so a trial that went wrong can say why."""
    with open(errors_file(paths), "w") as errors:
        return subprocess.Popen(
            [*ETL, *arguments],
            cwd=ROOT,
            env={**cli_env(paths), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )


def errors_file(paths: Paths) -> Path:
    return paths.data.parent / "stderr.txt"


def wait_for(process: subprocess.Popen[str], mark: str) -> bool:
    """Read the command's progress until a line starts with `mark`; False if it never came."""
    assert process.stdout is not None
    return any(line.startswith(mark) for line in process.stdout)


def kill_at(base: Paths, folder: Path, arguments: Sequence[str], point: KillPoint) -> Trial:
    """Start `python -m etl ARGUMENTS` on a private copy and SIGKILL it at `point`."""
    paths = private_copy(base, folder)
    inode = paths.db.stat().st_ino
    process = start(paths, arguments)
    reached = wait_for(process, point.mark) if point.mark else True
    time.sleep(point.delay)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    replaced = paths.db.stat().st_ino != inode
    return Trial(point, reached, corpus_snapshot(paths), table_counts(paths.db), replaced, paths)


def timeline(base: Paths, folder: Path, arguments: Sequence[str]) -> tuple[float, float]:
    """(start to exit, publish mark to exit) in seconds, with PARALLEL_TRIALS runs at once."""

    def timed(n: int) -> tuple[float, float]:
        copy = private_copy(base, folder / str(n))
        process = start(copy, arguments)
        started = time.perf_counter()
        assert wait_for(process, PUBLISH_MARK), errors_file(copy).read_text()[-2000:]
        marked = time.perf_counter()
        assert process.wait() == 0
        return time.perf_counter() - started, time.perf_counter() - marked

    with ThreadPoolExecutor(PARALLEL_TRIALS) as pool:
        runs = list(pool.map(timed, range(PARALLEL_TRIALS)))
    return max(r[0] for r in runs), max(r[1] for r in runs)


def kill_points(base: Paths, folder: Path, arguments: Sequence[str], count: int) -> list[KillPoint]:
    """`count` points over the whole run and `count` from the publish mark, one in each equal
    slice of their span, at random in it."""
    total, publishing = timeline(base, folder, arguments)
    rng = random.Random(SEED)
    spans = (("", OVERSHOOT * total), (PUBLISH_MARK, PUBLISH_OVERSHOOT * publishing))
    return [
        KillPoint(span / count * (n + rng.random()), mark)
        for mark, span in spans
        for n in range(count)
    ]


def run_trials(base: Paths, folder: Path, arguments: Sequence[str], count: int) -> list[Trial]:
    points = kill_points(base, folder / "measure", arguments, count)
    with ThreadPoolExecutor(PARALLEL_TRIALS) as pool:
        trials = list(
            pool.map(
                lambda n: kill_at(base, folder / f"kill{n}", arguments, points[n]),
                range(len(points)),
            )
        )
    for trial in trials:
        errors = errors_file(trial.paths).read_text()[-2000:]
        assert trial.reached_mark, f"the command ended before {trial.point.mark!r}: {errors}"
    return trials


def describe(trials: Sequence[Trial]) -> str:
    replaced = sum(t.replaced for t in trials)
    last = max(t.point.delay for t in trials if not t.point.mark)
    return (
        f"{len(trials)} kills ({len(trials) // 2} from the start, the last at {last:.2f} s; "
        f"{len(trials) // 2} from the publish step); the database had been replaced in {replaced}"
    )


def test_killed_build_leaves_database_and_corpus_intact(
    built_corpus: Paths, tmp_path: Path
) -> None:
    before_files = relative(files_of(corpus_snapshot(built_corpus), built_corpus), built_corpus)
    before_counts = table_counts(built_corpus.db)
    assert isinstance(before_counts, dict) and before_counts["documents"] == 4
    trials = run_trials(built_corpus, tmp_path, ["build"], BUILD_KILLS)
    for trial in trials:
        assert trial.counts == before_counts, f"killed at {trial.point}"
        assert relative(files_of(trial.files, trial.paths), trial.paths) == before_files
    print(describe(trials))
    last = trials[-1].paths
    subprocess.run([*ETL, "build"], cwd=ROOT, env=cli_env(last), check=True, capture_output=True)
    assert not [p.name for p in last.data.glob("*.tmp")], "a later build clears stray temporaries"
    contract = subprocess.run(
        [sys.executable, ROOT / "tests" / "check_contract.py", last.db],
        capture_output=True,
        text=True,
    )
    assert contract.stdout.startswith("contract holds"), contract.stdout


def killed_change_outcomes(base: Paths, tmp_path: Path, arguments: list[str]) -> list[str]:
    """SIGKILL `python -m etl ARGUMENTS` at spread points; each must be undone or landed whole."""
    before = relative(corpus_snapshot(base), base)
    done = private_copy(base, tmp_path / "done")
    subprocess.run([*ETL, *arguments], cwd=ROOT, env=cli_env(done), check=True, capture_output=True)
    after_files = relative(files_of(corpus_snapshot(done), done), done)
    after_counts = table_counts(done.db)
    outcomes = []
    for trial in run_trials(base, tmp_path, arguments, INGEST_KILLS):
        with corpus_lock(trial.paths):
            recover(trial.paths)
        if relative(corpus_snapshot(trial.paths), trial.paths) == before:
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
        f"{arguments[0]}: {len(outcomes)} kills; {outcomes.count('rolled back')} rolled back, "
        f"{outcomes.count('complete')} complete"
    )
    return outcomes


def test_killed_ingest_is_rolled_back_or_complete(built_corpus: Paths, tmp_path: Path) -> None:
    source = tmp_path / "nytt_remissvar.txt"
    source.write_text(SWEDISH, encoding="utf-8")
    outcomes = killed_change_outcomes(built_corpus, tmp_path, ingest_arguments(source))
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
