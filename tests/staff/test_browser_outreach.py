"""In a real browser (1366x768): on a family page a coordinator records an attempt, sends the link again
and reads when it will go, and resolves an alert with a note; axe-core checks every page visited."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.conftest import Clock
from tests.staff.conftest import at, create_account, sign_in_page
from tests.support.builders import enrol_family, raise_test_alert
from tests.support.live import AxeFindings, artifacts_folder, require_chromium, walk_in_chromium

pytestmark = pytest.mark.browser


def _family_with_an_alert(app: Flask, clock: Clock) -> str:
    family = enrol_family(app, now=clock.now)
    raise_test_alert(app, family.family, now=clock.now)
    return family.family


def test_a_coordinator_records_an_attempt_resends_a_link_and_resolves_an_alert(
    app: Flask, clock: Clock
) -> None:
    require_chromium()
    at(clock, "2026-09-01T21:30:00+02:00")  # the evening: a resend waits for the morning
    pseudonym = _family_with_an_alert(app, clock)
    _id, email, secret = create_account(app, role="coordinator", email="ra@larvik.example")
    shots = artifacts_folder("staff")
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in_page(page, base, email, secret, clock.now)
        menu = page.get_by_role("navigation")
        expect(menu.get_by_role("link", name="Alerts 1 open")).to_be_visible()
        axe.check(page)
        page.goto(f"{base}/staff/families/{pseudonym}")
        expect(page.get_by_role("heading", name="Open alerts (1)")).to_be_visible()
        axe.check(page)

        page.get_by_label("How").select_option(label="Phone")
        page.get_by_label("Outcome").select_option(label="No answer")
        page.get_by_label("Note (optional)").fill("Rang at 21:25, no voicemail")
        page.get_by_role("button", name="Record attempt").click()
        expect(page.get_by_role("status")).to_contain_text("Attempt recorded")
        expect(page.locator("section.staff-attempts tbody tr")).to_have_count(1)
        axe.check(page)

        row = page.locator("tr[data-wave='T0']")
        row.get_by_label("Send by").select_option(label="E-mail")
        row.get_by_role("button", name="Send the link again now").click()
        expect(page.get_by_role("status")).to_contain_text(
            "goes again by e-mail at 09:00 on 2 Sep 2026 (study time)")
        expect(row.locator("p.queued")).to_have_text(
            "Queued to send the link again by e-mail at 2 Sep 2026, 09:00 (study time).")
        axe.check(page)

        page.get_by_label("What was done").fill("Called the next morning; safety plan agreed")
        page.get_by_role("button", name="Mark resolved").click()
        expect(page.get_by_role("status")).to_contain_text("Alert marked as resolved.")
        expect(page.get_by_role("heading", name="Open alerts (1)")).to_have_count(0)
        expect(menu.get_by_role("link", name="Alerts", exact=True)).to_be_visible()
        page.screenshot(path=str(shots / "family-outreach.png"), full_page=True)
        axe.check(page)

        row.get_by_role("link", name="Revoke link…").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke the link for wave Baseline")
        axe.check(page)
        menu.get_by_role("link", name="Alerts").click()
        expect(page.get_by_text("Called the next morning; safety plan agreed")).to_be_visible()
        axe.check(page)

    walk_in_chromium(app, scenario)
    axe.assert_none("staff pages")
