"""Browser tests' shared parts: the test's app served live on loopback, headless Chromium (skipped where
it is missing, a failure in CI), a thread of its own for a walk, and axe-core's findings."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) while the app answers there."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def browser_required() -> bool:
    """In CI (or with PORTAL_REQUIRE_BROWSER) a browser test must run: a skip would hide a broken page."""
    return bool(os.environ.get("PORTAL_REQUIRE_BROWSER") or os.environ.get("CI"))


def require_chromium() -> None:
    """Skip the test where Chromium is not installed; fail it where a browser is required."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if browser_required():
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium from Debian, launched by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def in_own_thread(scenario: Callable[[], None]) -> None:
    """Playwright's sync API allows one instance per thread; other suites may hold this thread's."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            scenario()
        except BaseException as error:  # noqa: BLE001 - handed back to the test's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser scenario did not finish in two minutes"
    if failure:
        raise failure[0]


def walk_in_chromium(app: Flask, scenario: Callable[[str, Any], None]) -> None:
    """scenario(base_url, browser) against the app served live, in a thread of its own."""

    def run() -> None:
        with serve(app) as base, chromium() as browser:
            scenario(base, browser)

    in_own_thread(run)


def artifacts_folder(folder: str) -> Path:
    """tests/artifacts/<folder>, where a walk leaves its screenshots for a person to look at."""
    path = ARTIFACTS / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


class AxeFindings:
    """axe-core run in every page a walk visits; what it finds is kept, so the one assertion at the end
    names every page's problems, not only the first page's."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, page: Any) -> None:
        results = _axe().run(page)
        self.found.extend(f"{page.url}: {v['id']} {v['help']} {[n['html'][:80] for n in v['nodes']]}"
                          for v in results.response["violations"])

    def assert_none(self, where: str) -> None:
        assert self.found == [], f"axe-core found problems on {where}:\n" + "\n".join(self.found)
