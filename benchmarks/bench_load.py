"""Load: N concurrent sessions rerunning pages of a locally started app, for T seconds.

Starts `streamlit run app.py` on 127.0.0.1 (a free port, the shipped data built into a
temporary folder) and opens N sessions on its WebSocket the way a browser does: each sends a
rerun of a page — the pages a forum audience opens, in turn — and waits for the script to
finish, again and again until T seconds have passed. It measures the rerun time (request to
"script finished"), the health check while loaded, and the server's memory (RSS). No browser
is involved, so the figures are the server's; the frontend's drawing comes on top.

Writes benchmarks/results/load.md. Usage:
    python benchmarks/bench_load.py [--sessions 20] [--seconds 30]
The machine is shared: keep runs small, and read the figures with the noise noted there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.paths import Paths  # noqa: E402
from etl.pipeline import build  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "load.md"
# The views a presentation walks through (URL paths; "" is the landing page, the overview);
# each session starts at a different one.
PAGES = ("", "coverage", "eccar", "responses", "activities", "evidence", "sources")
SERVER_START_S = 90
RERUN_TIMEOUT_S = 120
HEALTH_EVERY_S = 1.0
HEADER = f"""# Load benchmark

Concurrent sessions against `streamlit run app.py` on 127.0.0.1 (the shipped corpus), each
rerunning the pages {", ".join(p or "overview" for p in PAGES)} in turn over the WebSocket as a
browser does, after one visitor has opened each page once; no browser drawing, so these are the
server's times. The machine has 2 cores shared with other engineers' work, so wall-clock
figures vary by ±30 % or more between runs; the server's CPU seconds per rerun vary less.
Compare runs made one after the other. Rerun = request to "script finished".
`python benchmarks/bench_load.py --sessions N --seconds T --label L` rewrites the section L.
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used: less noisy than wall-clock times."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health_s(url: str) -> float | None:
    """Seconds the health check took, or None if it failed."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
            response.read()
    except OSError:
        return None
    return time.perf_counter() - start


def rerun_message(page: str) -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = "lang=sv"
    message.rerun_script.page_name = page
    return message.SerializeToString()


async def session(
    url: str, first: int, deadline: float, times: list[float], errors: list[str], limit: int = 0
) -> None:
    """One browser-like session: rerun page after page until the deadline (or `limit` reruns)."""
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    opening = websockets.connect(
        # No keepalive pings: on a loaded machine a late pong would close a working session.
        ws_url,
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=60,
        ping_interval=None,
    )
    try:
        ws = await opening
    except TimeoutError:
        errors.append("a session could not connect within 60 s")
        return
    async with ws:
        n = first
        while time.monotonic() < deadline and not (limit and n - first >= limit):
            page = PAGES[n % len(PAGES)]
            n += 1
            start = time.perf_counter()
            await ws.send(rerun_message(page))
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), RERUN_TIMEOUT_S)
                except TimeoutError:
                    errors.append(f"{page or 'overview'}: no answer within {RERUN_TIMEOUT_S} s")
                    return
                message = ForwardMsg()
                message.ParseFromString(raw)  # type: ignore[arg-type]
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                    errors.append(f"{page}: {message.delta.new_element.exception.message}")
                if kind == "script_finished":
                    break
            times.append(time.perf_counter() - start)


async def load(url: str, pid: int, sessions: int, seconds: float) -> dict[str, object]:
    times: list[float] = []
    errors: list[str] = []
    health: list[float | None] = []
    memory = [rss_mb(pid)]
    cpu_before = cpu_s(pid)
    deadline = time.monotonic() + seconds

    async def watch() -> None:
        while time.monotonic() < deadline:
            health.append(await asyncio.to_thread(health_s, url))
            memory.append(rss_mb(pid))
            await asyncio.sleep(HEALTH_EVERY_S)

    results = await asyncio.gather(
        watch(),
        *(session(url, n, deadline, times, errors) for n in range(sessions)),
        return_exceptions=True,
    )
    errors += [repr(r) for r in results if isinstance(r, BaseException)]
    memory.append(rss_mb(pid))
    cpu = cpu_s(pid) - cpu_before
    return {"times": times, "errors": errors, "health": health, "memory": memory, "cpu": cpu}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--label", default="current code", help="the heading of this run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = Paths(data=Path(folder) / "data", db=Path(folder) / "data" / "atlas.duckdb")
        subprocess.run(
            ["cp", "-r", str(ROOT / "data"), str(paths.data)], check=True
        )  # a private copy: the benchmark never touches data/
        paths.db.unlink(missing_ok=True)
        build(paths, progress=lambda _: None)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "ATLAS_DATA": str(paths.data), "ATLAS_DB": str(paths.db)}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
            + ["--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w"),  # noqa: SIM115
        )
        try:
            started = time.monotonic()
            while health_s(url) is None:
                if server.poll() is not None or time.monotonic() - started > SERVER_START_S:
                    raise SystemExit("streamlit did not start")
                time.sleep(0.25)
            # One pass over the pages, as the first visitor of the day makes it.
            warm: list[float] = []
            asyncio.run(session(url, 0, time.monotonic() + 300, warm, [], limit=len(PAGES)))
            idle = rss_mb(server.pid)
            result = asyncio.run(load(url, server.pid, args.sessions, args.seconds))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # still working through queued reruns
                server.kill()
                server.wait(timeout=30)
    report(args.label, args.sessions, args.seconds, idle, result)


def report(
    label: str, sessions: int, seconds: float, idle: float, result: dict[str, object]
) -> None:
    """Write this run's section of the results file, keeping the other labels' sections."""
    times: list[float] = result["times"]  # type: ignore[assignment]
    health = [h for h in result["health"] if h is not None]  # type: ignore[union-attr]
    failed_health = sum(h is None for h in result["health"])  # type: ignore[union-attr]
    memory: list[float] = result["memory"]  # type: ignore[assignment]
    errors: list[str] = result["errors"]  # type: ignore[assignment]
    lines = [
        f"## {label}",
        "",
        f"{sessions} sessions × {seconds:.0f} s; 1-minute load average of the machine at the "
        f"end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| reruns completed | {len(times)} |",
        f"| server CPU s per rerun | {float(result['cpu']) / max(len(times), 1):.3f} |",  # type: ignore[arg-type]
        f"| errors | {len(errors)} |",
        f"| rerun median s | {statistics.median(times):.2f} |" if times else "| rerun median | – |",
        f"| rerun p95 s | {percentile(times, 0.95):.2f} |" if times else "| rerun p95 | – |",
        f"| health check median s | {statistics.median(health):.3f} |" if health else "| – |",
        f"| health check max s | {max(health):.3f} |" if health else "| – |",
        f"| health checks failed | {failed_health} |",
        f"| server memory idle MB | {idle:.0f} |",
        f"| server memory peak MB | {max(memory):.0f} |",
        f"| server memory at the end MB | {memory[-1]:.0f} |",
        "",
    ]
    if errors:
        lines += ["Errors:", "", *[f"- {e}" for e in errors[:10]], ""]
    sections = {}
    if RESULTS.exists():
        for part in RESULTS.read_text(encoding="utf-8").split("\n## ")[1:]:
            sections[part.split("\n", 1)[0]] = "## " + part.rstrip("\n") + "\n"
    sections[label] = "\n".join(lines)
    RESULTS.write_text(HEADER + "\n" + "\n".join(sections.values()), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
