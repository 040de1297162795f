"""In a real browser: sign in with password and authenticator, enrol a family, see its five waves."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from tests.conftest import Clock
from tests.staff.conftest import PASSWORD, create_account
from tests.support.live import CHROMIUM, CHROMIUM_ARGS, serve

pytestmark = pytest.mark.browser
REQUIRED = bool(os.environ.get("PORTAL_REQUIRE_BROWSER") or os.environ.get("CI"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "staff"


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


def test_sign_in_with_authenticator_enrol_a_family_and_see_five_waves(app: Flask, clock: Clock) -> None:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        pytest.fail(message) if REQUIRED else pytest.skip(message)
    create_account(app, role="coordinator", email="ra@larvik.example", with_totp=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    found: list[str] = []

    def scenario() -> None:
        from axe_playwright_python.sync_playwright import Axe
        from playwright.sync_api import expect, sync_playwright

        axe = Axe()

        def check(page: Any) -> None:
            found.extend(f"{page.url}: {v['id']} {v['help']} {[n['html'][:80] for n in v['nodes']]}"
                         for v in axe.run(page).response["violations"])

        with serve(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/staff/dashboard")
            check(page)
            page.get_by_label("E-mail").fill("ra@larvik.example")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
            check(page)
            secret = page.locator("code.secret").inner_text()
            page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).at(clock.now))
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator("ul.codes li")).to_have_count(10)
            page.get_by_role("link", name="I have saved them: continue").click()
            page.get_by_role("navigation").get_by_role("link", name="Enrol").click()
            check(page)
            page.get_by_label("Target child's birth month (YYYY-MM)").fill("2019-05")
            page.get_by_label("Consent form version signed").fill("v2")
            page.locator("#arm").select_option("later")
            page.locator("#r1_name").fill("Kari Nordmann")
            page.locator("#r1_phone").fill("912 34 567")
            page.get_by_role("button", name="Enrol").click()
            expect(page.get_by_text("enrolled; every wave is scheduled")).to_be_visible()
            rows = page.locator("tr[data-wave]")
            expect(rows).to_have_count(5)
            waves = [rows.nth(i).get_attribute("data-wave") for i in range(5)]
            assert waves == ["T0", "T1", "T2", "T3", "T4"]
            expect(page.locator("tr[data-wave='T4'] .tag")).to_have_text("scheduled")
            page.screenshot(path=str(ARTIFACTS / "family.png"), full_page=True)
            check(page)
            page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
            check(page)
            page.get_by_role("navigation").get_by_role("link", name="Retention").click()
            expect(page.locator("figure.consort svg")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "retention.png"), full_page=True)
            check(page)
            browser.close()

    in_own_thread(scenario)
    assert found == [], "axe-core found problems on staff pages:\n" + "\n".join(found)
