"""Every page in a real browser: `streamlit run` on the test database, driven by Debian chromium.

AppTest runs the scripts but not the frontend; this catches what only a browser shows (charts
that do not draw, an exception box, a language switch that does not reach the sidebar) and
leaves screenshots under tests/output/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from etl.paths import ROOT, Paths
from etl.read import i18n

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # runs as root in CI containers
    "--disable-gpu",
    "--disable-background-networking",  # no outbound connections: the machines have none
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"
SERVER_START_S = 60  # streamlit imports the data stack before it answers
PAGE_LOAD_MS = 30_000  # one page: script run, then every chart drawn
FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the run is over
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen, where the app is mostly used
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}
# Every URL the document points the browser to: icons, styles, scripts, images, frames.
LINKED_URLS = """() => [
    ...[...document.querySelectorAll('link[href]')].map(e => e.href),
    ...[...document.querySelectorAll('[src]')].map(e => e.src),
]"""

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install it with `bash .ci/install-chromium`",
        allow_module_level=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(built_data: Paths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served on a free localhost port against the test database; stopped afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "ATLAS_DATA": str(built_data.data), "ATLAS_DB": str(built_data.db)}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py"]
            + ["--server.port", str(port), "--server.address", "127.0.0.1"]
            + ["--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_S
        while not healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(page, app_url: str, title_key: str, url_path: str, lang: str) -> None:
    """Go to a page and wait until its script has run and every chart is drawn."""
    page.goto(f"{app_url}/{url_path}?lang={lang}", timeout=PAGE_LOAD_MS)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_text(i18n.t(title_key, lang), exact=True).wait_for(timeout=PAGE_LOAD_MS)
    page.locator("h1").first.wait_for(timeout=PAGE_LOAD_MS)
    page.locator(FINISHED).wait_for(timeout=PAGE_LOAD_MS)
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("svg.marks").wait_for(timeout=PAGE_LOAD_MS)


def local(url: str) -> bool:
    """Whether a URL stays on this machine: the app itself, or data the page already holds."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


def test_no_request_leaves_this_machine(
    app_url: str, browser, app_pages: list[tuple[str, str, str, str]]
) -> None:
    """Every request the browser makes on every page, and every URL the pages point it to
    (a favicon that headless Chromium may not fetch), goes to the app and nowhere else."""
    context = browser.new_context(viewport=VIEWPORT)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    # Refused at once: the machines have no internet, and a lookup would only add waiting.
    context.route(lambda url: not local(url), lambda route: route.abort())
    page = context.new_page()
    linked: list[str] = []
    try:
        for _, title_key, _, url_path in app_pages:
            open_page(page, app_url, title_key, url_path, "sv")
            linked += page.evaluate(LINKED_URLS)
    finally:
        context.close()
    assert requested, "the recorder saw no request at all"
    assert [url for url in requested + linked if not local(url)] == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_draws_without_an_exception(
    app_url: str, browser, app_pages: list[tuple[str, str, str, str]], lang: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=VIEWPORT)
    try:
        for _, title_key, _, url_path in app_pages:
            open_page(page, app_url, title_key, url_path, lang)
            nav = page.locator('[data-testid="stSidebarNav"]')
            assert page.locator('[data-testid="stException"]').count() == 0, url_path
            for _, key, _, _ in app_pages:
                assert nav.get_by_text(i18n.t(key, lang), exact=True).count() == 1, key
            screenshot(page, SCREENSHOTS / f"{url_path}-{lang}.png")
    finally:
        page.close()


def screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({**VIEWPORT, "height": max(VIEWPORT["height"], height)})
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(VIEWPORT)


# Where Streamlit writes its own English in the browser (see pages/_common.py).
UPLOAD_BUTTON = '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]'
DROP_ZONE = '[data-testid="stFileUploaderDropzone"]'
EMPTY_OPTIONS = '[role="listbox"][data-empty="true"] [role="option"] > span'
DRAGGED_FILE = """() => {
    const dragged = new DataTransfer();
    dragged.items.add(new File(["x"], "a.txt", {type: "text/plain"}));
    return dragged;
}"""


def drawn_text(element) -> str:
    """What a person sees in an element: its visible text and the text its style adds."""
    return element.evaluate(
        """e => [e, ...e.querySelectorAll('*')]
            .map(n => {
                const after = getComputedStyle(n, '::after').content;
                const visible = getComputedStyle(n).fontSize !== '0px'
                    && getComputedStyle(n).display !== 'none' && n.checkVisibility()
                    && !n.closest('[data-testid="stIconMaterial"]');  // an icon, not a word
                const own = [...n.childNodes].filter(c => c.nodeType === 3)
                    .map(c => c.textContent).join('');
                return (visible ? own : '') + (after.startsWith('"') ? after.slice(1, -1) : '');
            }).join('')"""
    )


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_framework_words_are_drawn_in_the_users_language(app_url: str, browser, lang: str) -> None:
    """The upload button, the drag-over text and a drop-down's "No results" show our words."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, app_url, "page.sources", "sources", lang)
        button = page.locator(UPLOAD_BUTTON).first
        assert drawn_text(button) == i18n.t("upload.browse", lang)
        zone = page.locator(DROP_ZONE).first
        zone.dispatch_event("dragenter", {"dataTransfer": page.evaluate_handle(DRAGGED_FILE)})
        overlay = page.locator(f"{DROP_ZONE} > input + div").first
        overlay.wait_for(timeout=PAGE_LOAD_MS)
        assert drawn_text(overlay) == i18n.t("upload.drop_here", lang)
        open_page(page, app_url, "page.coverage", "coverage", lang)
        page.locator('[data-testid="stMultiSelect"] input').first.click()
        page.keyboard.type("zzzz")
        empty = page.locator(EMPTY_OPTIONS).first
        empty.wait_for(timeout=PAGE_LOAD_MS)
        assert drawn_text(empty) == i18n.t("app.no_options", lang)
    finally:
        page.close()
