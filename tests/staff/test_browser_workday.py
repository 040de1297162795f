"""In a real browser (Chromium, 1366x768, a Norwegian account): a research assistant's day with
two-parent families.

Enrol two parents who share a phone; upload a CSV with one bad line (nothing enrolled), then a good
one; allocate with confirmation; stop contact for one parent and see the other's next reminder still
planned; extend a window; run a phone interview to the end and land on the family page. axe-core
checks every page visited, and every page this issue added in English and in Norwegian.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import expect
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Respondent
from tests.browser.phone import answer_page, press
from tests.conftest import Clock
from tests.staff.conftest import create_account, sign_in_page
from tests.support.builders import enrol_family
from tests.support.live import AxeFindings, artifacts_folder, require_chromium, walk_in_chromium

pytestmark = pytest.mark.browser
HEADER = "family_ref,site,language,respondent_role,name,phone,email,child_birth_month,consent_version,arm"
GOOD = [
    "F1,larvik,nb,mother,Ingrid Berg,+4791230001,,2019-05,v2,",
    "F1,larvik,pl,father,Piotr Nowak,+4791230001,,2019-05,v2,",
    "F2,larvik,ar,carer,Layla Haddad,,layla@test.example,2016-01,v2,",
]
BAD_LINE = "F3,larvik,nb,mother,Ada Lovelace,123,,2019-05,v2,"


def _csv(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_a_research_assistants_day_with_two_parent_families(
    app: Flask, runner: FlaskCliRunner, clock: Clock, tmp_path: Path
) -> None:
    require_chromium()
    generated = runner.invoke(args=["allocation", "generate", "--seed", "browser day", "--per-site", "8"])
    assert generated.exit_code == 0
    _id, email, secret = create_account(app, role="coordinator", email="ra@larvik.example", blinded=False,
                                        language="nb")
    shots = artifacts_folder("staff")
    bad_file, good_file = _csv(tmp_path, "bad.csv", [*GOOD, BAD_LINE]), _csv(tmp_path, "good.csv", GOOD)
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in_page(page, base, email, secret, clock.now)

        # two parents sharing one phone, enrolled with the form
        page.goto(f"{base}/staff/enrol")
        axe.check(page)
        page.locator("#child_birth_month").fill("2019-05")
        page.locator("#consent_version").fill("v2")
        page.locator("#arm").select_option("later")
        page.locator("#r1_name").fill("Kari Nordmann")
        page.locator("#r1_phone").fill("912 34 567")
        page.locator("#r2_respondent_role").select_option("father")
        page.locator("#r2_name").fill("Ola Nordmann")
        page.locator("#r2_phone").fill("91234567")
        page.locator("input[name=r2_consent_email]").uncheck()
        page.locator("form.enrol button[type=submit]").click()
        expect(page.locator("section.respondent")).to_have_count(2)
        expect(page.locator("section.respondent").nth(1).locator("dd.consent")).to_contain_text(
            "omfatter spørreskjemaene, kontakt på SMS")
        family_url = page.url
        axe.check(page)

        # allocation asks first, then says which arm came out
        page.locator("a[href$='/allocate']").click()
        axe.check(page)
        page.locator("form button.primary").click()
        expect(page.locator(".flash")).to_contain_text("Familien er randomisert til ")

        # stop contact for the father; the mother's next reminder is still planned
        page.locator("section.respondent").nth(1).locator("a[href$='/withdraw']").click()
        axe.check(page)
        page.locator("#reason").fill("asked by phone to be left alone")
        page.locator("form.narrow button[type=submit]").click()
        parents = page.locator("section.respondent")
        expect(parents.nth(1).locator(".next-message")).to_have_text("ingen planlagt")
        mothers_next = parents.nth(0).locator(".next-message")
        expect(mothers_next).to_contain_text("for målepunkt Oppstart, 1. september 2026 kl. ")
        page.screenshot(path=str(shots / "parent-stopped.png"), full_page=True)
        axe.check(page)

        # extend the mother's baseline window
        page.locator("section.respondent").nth(0).locator("tr[data-wave='T0'] a[href$='/extend']").click()
        axe.check(page)
        page.locator("#last_day").fill("2026-10-10")
        page.locator("#reason").fill("on holiday in September")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text("10. oktober 2026")
        assert page.url == family_url

        # a CSV with one bad line enrols nothing; the good file is previewed, then enrolled
        page.goto(f"{base}/staff/enrol/csv")
        axe.check(page)
        page.locator("#file").set_input_files(bad_file)
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator("#csv-problems li")).to_have_count(1)
        expect(page.locator("#csv-problems li")).to_contain_text("Linje 5, kolonne phone")
        axe.check(page)
        page.locator("#file").set_input_files(good_file)
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator("#csv-summary")).to_contain_text("2 familier med 3 foreldre")
        axe.check(page)
        page.locator("form button.primary").click()
        expect(page.locator(".flash")).to_contain_text("2 familier er registrert")

    walk_in_chromium(app, scenario)
    axe.assert_none("staff pages")


def test_an_interview_by_phone_runs_to_the_end_and_lands_on_the_family_page(app: Flask, clock: Clock) -> None:
    """The banner speaks the coordinator's Norwegian on every page, the items the parent's Polish."""
    require_chromium()
    family = enrol_family(app, now=clock.now, people=[("mother", "pl", "Anna Testowa", "+4791119999", None)])
    _id, email, secret = create_account(app, role="coordinator", email="ra@larvik.example", language="nb")
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in_page(page, base, email, secret, clock.now)
        page.goto(f"{base}/staff/families/{family.family}")
        page.locator("tr[data-wave='T0'] form[action$='/interview'] button").click()
        banner = page.locator("aside.interview-banner")
        expect(banner).to_contain_text(f"Intervju med {family.respondents[0]}")
        expect(banner).to_contain_text("målepunkt Oppstart")
        assert page.locator("html").get_attribute("lang") == "pl"  # the page speaks the parent's language
        axe.check(page)
        while "/q/review" not in page.url:
            expect(page.locator("aside.interview-banner")).to_have_count(1)
            answer_page(page)
        press(page)  # send the answers
        expect(page.locator("aside.interview-banner a")).to_have_text("Tilbake til familiesiden")
        page.locator("aside.interview-banner a").click()
        expect(page.locator("h1")).to_contain_text(family.family)
        expect(page.locator("tr[data-wave='T0'] .tag")).to_have_text("fullført")

    walk_in_chromium(app, scenario)
    axe.assert_none("the interview page")


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_page_this_issue_added_passes_axe_in_both_languages(
    app: Flask, clock: Clock, language: str
) -> None:
    require_chromium()
    family = enrol_family(app, now=clock.now, arm=None,
                          people=[("mother", "nb", "Kari Test", "+4791117777", None),
                                  ("father", "so", "Ali Test", "+4791117777", None)])
    _id, email, secret = create_account(app, role="coordinator", email="ra@larvik.example", language=language)
    with app.app_context():

        t0 = db.session.scalars(select(Invitation.id).join(Respondent).where(
            Respondent.pseudonym == family.respondents[0], Invitation.wave == "T0")).one()
    paths = ["/staff/enrol", "/staff/enrol/csv", f"/staff/families/{family.family}",
             f"/staff/families/{family.family}/allocate", f"/staff/families/{family.family}/baseline",
             f"/staff/respondents/{family.respondents[1]}/withdraw", f"/staff/invitations/{t0}/extend",
             f"/staff/respondents/{family.respondents[0]}/access-report", "/staff/account/password",
             "/staff/schedule/changes"]
    axe = AxeFindings()

    def scenario(base: str, browser: Any) -> None:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in_page(page, base, email, secret, clock.now)
        for path in paths:
            page.goto(f"{base}{path}")
            assert page.locator("html").get_attribute("lang") == language, path
            axe.check(page)

    walk_in_chromium(app, scenario)
    axe.assert_none("the pages this issue added")
