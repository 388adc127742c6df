"""A real app server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "admin-pass-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run scripts/test, which installs it with apt-get")
    port = _free_port()
    folder = tmp_path_factory.mktemp("browser")
    log = (folder / "server.log").open("w")
    env = os.environ | {
        "ORDERHUB_DB": str(folder / "app.duckdb"),
        "ORDERHUB_ADMIN_PASSWORD": PASSWORD,
        "ORDERHUB_DEMO_ORDERS": "2000",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {(folder / 'server.log').read_text()}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


# The app root's script state turns to rerunRequested as soon as a widget sends its value, so waiting for
# notRunning cannot return before a slow rerun has even shown its running indicator (which Streamlit delays).
_IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_function(_IDLE, timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_function(_IDLE, timeout=60_000)


def click_until(page: Page, button: Locator, outcome: Locator, attempts: int = 3) -> None:
    """Click until `outcome` shows. A component that reruns the page as it mounts (the flow graph) can
    swallow a click made during that rerun; the click is repeated only while its outcome has not shown."""
    for attempt in range(attempts):
        button.click()
        settle(page)
        try:
            outcome.first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def sign_in(
    browser: Browser, url: str, username: str = "admin", password: str = PASSWORD, width: int = 1400
) -> Page:
    """A new browser (its own cookies) signed in; at a phone's width (< 500 px) it is a touch phone."""
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 1000},
        locale="zh-CN",
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    settle(page)
    return page


_OPEN = (
    """() => document.querySelector('[data-testid="stSidebar"]').getAttribute('data-collapsed') === 'false'"""
)


def open_sidebar(page: Page) -> None:
    """Unfold a phone's sidebar and wait for it to slide in (a click during a rerun can be lost: retried)."""
    for attempt in range(3):
        if page.get_by_test_id("stSidebar").get_attribute("data-collapsed") != "true":
            break
        settle(page)
        page.get_by_test_id("stExpandSidebarButton").click()
        try:
            page.wait_for_function(_OPEN, timeout=5_000)
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.wait_for_timeout(500)  # it slides in: a click during the slide lands beside the link


def go(page: Page, title: str) -> None:
    open_sidebar(page)
    nav = page.get_by_test_id("stSidebarNav")
    link = nav.get_by_text(title, exact=True)
    more = nav.get_by_text(re.compile(r"^(View \d+ more|查看更多)"))
    if not link.is_visible() and more.count():
        more.first.click()  # a long list shows its first ten pages until asked for the rest
    link.click()
    settle(page)


def assert_no_exception(page: Page) -> None:
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id(
        "stException"
    ).first.inner_text()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed browser test, keep a screenshot of every open page (the failure's first evidence)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or browser is None:
        return
    folder = Path(os.environ.get("ORDERHUB_FAILURE_SHOTS", "/tmp/orderhub-browser-failures"))
    folder.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            try:
                page.screenshot(path=str(folder / f"{item.name}-{c}-{p}.png"), full_page=True)
                # Streamlit scrolls inside its main block, so the text shows what lies below the fold.
                (folder / f"{item.name}-{c}-{p}.txt").write_text(page.locator("body").inner_text())
            except Exception as exc:  # a crashed page must not hide the test's own failure
                report.sections.append(("screenshot", f"page {c}-{p}: {exc}"))
