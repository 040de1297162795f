"""In a real browser: sign in with password and authenticator, enrol a family, see its five waves."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.conftest import Clock
from tests.staff.conftest import PASSWORD, create_account
from tests.support.live import AxeFindings, artifacts_folder, require_chromium, walk_in_chromium

pytestmark = pytest.mark.browser


def test_sign_in_with_authenticator_enrol_a_family_and_see_five_waves(app: Flask, clock: Clock) -> None:
    require_chromium()
    create_account(app, role="coordinator", email="ra@larvik.example", with_totp=False)
    shots = artifacts_folder("staff")
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/staff/dashboard")
        axe.check(page)
        page.get_by_label("E-mail").fill("ra@larvik.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        axe.check(page)
        secret = page.locator("code.secret").inner_text()
        page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).at(clock.now))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("ul.codes li")).to_have_count(10)
        page.get_by_role("link", name="I have saved them: continue").click()
        page.get_by_role("navigation").get_by_role("link", name="Enrol").click()
        axe.check(page)
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
        page.screenshot(path=str(shots / "family.png"), full_page=True)
        axe.check(page)
        page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
        axe.check(page)
        page.get_by_role("navigation").get_by_role("link", name="Retention").click()
        expect(page.locator("figure.consort svg")).to_be_visible()
        page.screenshot(path=str(shots / "retention.png"), full_page=True)
        axe.check(page)

    walk_in_chromium(app, scenario)
    axe.assert_none("staff pages")
