"""In a real browser (Chromium, 1366x768): a coordinator works the call list; another site sees none.

Names, phone numbers and e-mail addresses here are test text, made up for this test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.conftest import Clock
from tests.staff.conftest import at, create_account, sign_in_page
from tests.support.builders import enrol_family
from tests.support.live import AxeFindings, artifacts_folder, require_chromium, walk_in_chromium

pytestmark = pytest.mark.browser
DAY = dt.timedelta(days=1)
SCREEN = {"width": 1366, "height": 768}


def _world(app: Flask, clock: Clock) -> None:
    """Three parents at Larvik (two overdue), one at Lillehammer."""
    app.config["STAFF_IDLE"] = dt.timedelta(days=1)
    for days_ago, person in (
        (12, ("mother", "nb", "Kari Nordmann", "+4791234501", "kari@test.example")),
        (6, ("father", "ar", "Yusuf Rahimi", "+4791234502", None)),
        (0, ("mother", "pl", "Anna Kowalska", "+4791234503", "anna@test.example")),
    ):
        enrol_family(app, now=clock.now - days_ago * DAY, people=[person])
    enrol_family(app, now=clock.now - 9 * DAY, site="lillehammer",
                 people=[("mother", "nb", "Liv Lillehagen", "+4791234588", None)])


def test_a_coordinator_filters_to_overdue_and_finds_a_parent_by_name_and_phone(
    app: Flask, clock: Clock
) -> None:
    require_chromium()
    at(clock, "2026-09-01T21:30+02:00")  # an evening: a link sent again waits for the quiet hours to end
    _world(app, clock)
    _id, larvik, larvik_secret = create_account(app, role="coordinator", email="ra@larvik.example")
    _id, other, other_secret = create_account(app, role="coordinator", email="ra@lillehammer.example",
                                              sites=["lillehammer"])
    shots = artifacts_folder("staff")
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport=SCREEN)
        sign_in_page(page, base, larvik, larvik_secret, clock.now)
        expect(page).to_have_url(f"{base}/staff/calls")  # the workspace lands on the call list
        rows = page.locator("table.calls tbody tr")
        expect(rows).to_have_count(3)
        axe.check(page)

        page.get_by_label("State").select_option(label="Overdue")
        page.get_by_role("button", name="Show").click()
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("Kari Nordmann")
        expect(rows.nth(1)).to_contain_text("Yusuf Rahimi")
        expect(page.get_by_text("Anna Kowalska")).to_have_count(0)
        page.screenshot(path=str(shots / "calls-overdue.png"), full_page=True)
        axe.check(page)

        page.get_by_label("Find a parent").fill("nordm")
        page.get_by_role("button", name="Search").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Kari Nordmann")
        expect(rows.first).to_contain_text("+47 91 23 45 01")
        assert "nordm" not in page.url.lower()  # the search went in the form's body
        axe.check(page)

        page.get_by_label("Find a parent").fill("912 34 502")
        page.get_by_role("button", name="Search").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Yusuf Rahimi")
        expect(rows.first).to_contain_text("Arabic")
        page.screenshot(path=str(shots / "calls-search.png"), full_page=True)

        page.get_by_role("link", name="Show the whole list").click()
        kari = page.locator("tr", has_text="Kari Nordmann")
        kari.get_by_text("Record an attempt").click()
        kari.get_by_label("How").select_option(label="Phone")
        kari.get_by_label("Outcome").select_option(label="No answer")
        axe.check(page)
        kari.get_by_role("button", name="Record attempt").click()
        expect(page.get_by_role("status").first).to_contain_text("Attempt recorded")
        expect(page.locator("tr", has_text="Kari Nordmann")).to_contain_text("Phone: no answer")

        page.get_by_label("Send the link again to Kari Nordmann (Baseline)").check()
        page.get_by_label("Send the link again to Anna Kowalska (Baseline)").check()
        page.get_by_label("Send by").select_option(label="E-mail")
        page.get_by_role("button", name="Send the link again").click()
        when = "The link goes again to 2 parents by e-mail at 09:00 on Wednesday 02 September"
        expect(page.get_by_text(when)).to_be_visible()
        for name in ("Kari Nordmann", "Anna Kowalska"):
            expect(page.locator("tr", has_text=name)).to_contain_text(
                "Link goes again Wednesday 02 September at 09:00")
        expect(page.locator("tr", has_text="Yusuf Rahimi")).not_to_contain_text("Link goes again")
        page.screenshot(path=str(shots / "calls-resent.png"), full_page=True)
        axe.check(page)

        elsewhere = browser.new_page(viewport=SCREEN)  # a context of its own: another coordinator
        sign_in_page(elsewhere, base, other, other_secret, clock.now)
        expect(elsewhere.locator("table.calls tbody tr")).to_have_count(1)
        expect(elsewhere.locator("table.calls")).to_contain_text("Liv Lillehagen")
        for name in ("Kari Nordmann", "Yusuf Rahimi", "Anna Kowalska"):
            expect(elsewhere.get_by_text(name)).to_have_count(0)
        elsewhere.get_by_label("Find a parent").fill("912 34 502")
        elsewhere.get_by_role("button", name="Search").click()
        expect(elsewhere.locator("table.calls tbody tr")).to_have_count(0)
        expect(elsewhere.get_by_text("Yusuf Rahimi")).to_have_count(0)
        axe.check(elsewhere)

    walk_in_chromium(app, scenario)
    axe.assert_none("the call list")
