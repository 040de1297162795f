"""In a real browser (Chromium, a Norwegian browser and Norwegian accounts): the staff pages speak
bokmål all the way through, also where they used to fall back to English.

A coordinator mistypes a password, enrols with a bad phone number and e-mail address, corrects a
parent's contact details and reads the access report, extends a window, corrects a baseline, revokes
a link whose new one cannot go by SMS, reads an alert and the retention figures and is refused the
exports; the data manager looks at accounts and schedule changes; the analyst opens the export page.
Every message is read where the user reads it (beside the field, in the flash) in Norwegian, and the
English wording it used to have is nowhere on the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.staff.conftest import PASSWORD, create_account, sign_in_page
from tests.support.builders import Enrolled, enrol_family, raise_test_alert
from tests.support.live import require_chromium, walk_in_chromium

pytestmark = pytest.mark.browser

# English sentences these pages used to show a Norwegian account (the contact checks, the schedule
# changes, the revoke flash, the retention figures, sign-in refusals)
USED_TO_LEAK = (
    "not a valid phone number", "not an e-mail address", "Contact details", "Earlier links and codes",
    "The new link was not sent", "Baseline corrected", "Re-planned", "Participant flow", "staff attempts",
    "password or code is not right", "Note saved", "Write something in the note", "answered above 0",
    "Export data for analysis", "Not for your role", "contact changed", "contacts viewed",
)


def _safety_alert(app: Flask, family: Enrolled, clock: Clock) -> None:
    """PHQ-9 item 9 answered above 0 at baseline, as the parent pages raise it."""
    raise_test_alert(app, family.family, now=clock.now)


def _no_leak(page: Any) -> None:
    text = page.locator("body").inner_text()
    assert [s for s in USED_TO_LEAK if s in text] == [], page.url


def test_a_norwegian_research_assistant_and_data_manager_never_meet_our_english(
    app: Flask, clock: Clock
) -> None:
    require_chromium()
    family = enrol_family(app, now=clock.now)
    _safety_alert(app, family, clock)
    _id, email, secret = create_account(app, role="coordinator", email="ra@larvik.example", language="nb",
                                        blinded=False)
    _id, admin_email, admin_secret = create_account(app, role="admin", email="dm@study.example",
                                                    language="nb")
    _id, analyst_email, analyst_secret = create_account(app, role="analyst", email="an@study.example",
                                                        language="nb")

    def scenario(base: str, browser: Any) -> None:
        from playwright.sync_api import expect

        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="nb-NO")

        # before sign-in the page speaks the browser's Norwegian, also when it refuses
        page.goto(f"{base}/staff/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD + " typo")
        page.locator("button[type=submit]").click()
        refusal = "E-postadressen, passordet eller koden er ikke riktig."
        expect(page.locator("main")).to_contain_text(refusal)
        _no_leak(page)
        sign_in_page(page, base, email, secret, clock.now)

        # the enrolment form says beside each field what is wrong with the number and the address
        page.goto(f"{base}/staff/enrol")
        page.locator("#child_birth_month").fill("2019-05")
        page.locator("#consent_version").fill("v2")
        page.locator("#r1_name").fill("Kari Nordmann")
        page.locator("#r1_phone").fill("123")
        page.locator("#r1_email").fill("kari at example")
        page.locator("form.enrol button[type=submit]").click()
        expect(page.locator("#r1_phone-error")).to_have_text(
            "ikke et gyldig telefonnummer (norske numre har 8 sifre)")
        expect(page.locator("#r1_email-error")).to_have_text("ikke en e-postadresse")
        _no_leak(page)

        # so does the form that changes a parent's contact details
        family_url = f"{base}/staff/families/{family.family}"
        page.goto(family_url)
        page.locator("a[href$='/contact']").first.click()
        page.locator("#email").fill("kari@")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator("#email-error")).to_have_text("ikke en e-postadresse")
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        _no_leak(page)
        page.locator("#email").fill("kari@test.example")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".flash")).to_have_text("Kontaktopplysningene er lagret.")

        # the access report, printed for the parent, names each step taken with their details
        page.locator("a[href$='/access-report']").first.click()
        expect(page.locator("main")).to_contain_text("kontaktopplysninger eller språk endret")
        _no_leak(page)
        page.goto(family_url)

        # an empty note is refused in Norwegian
        page.locator("#text").fill("   ")
        page.locator("form[action$='/notes'] button").click()
        expect(page.locator(".flash")).to_have_text("Skriv noe i notatet først.")
        _no_leak(page)

        # the schedule bends: a longer window, a corrected baseline
        page.locator("tr[data-wave='T0'] a[href$='/extend']").click()
        page.locator("#last_day").fill("2026-10-10")
        page.locator("#reason").fill("ferie i september")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".flash")).to_have_text("Svarvinduet er nå åpent til og med 10. oktober 2026.")
        page.locator("a[href$='/baseline']").click()
        page.locator("#baseline").fill("2026-08-25")
        page.locator("#reason").fill("feil dato ved registrering")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".flash")).to_have_text(
            "Startdatoen er rettet; 4 invitasjoner som ikke har åpnet ennå, er planlagt på nytt.")
        _no_leak(page)

        # a revoked link whose new one cannot go by SMS (this portal has no SMS gateway): one sentence
        page.locator("tr[data-wave='T0'] a[href$='/revoke']").click()
        page.locator("input[name=send][value=sms]").check()
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".flash")).to_have_text(
            "Tidligere lenker og koder for Oppstart virker ikke lenger. Den nye lenken ble ikke sendt: "
            "Portalen har ingen SMS-tjeneste satt opp; send lenken på e-post.")
        _no_leak(page)

        # the alerts page names the kind of alert as the family page does
        page.goto(f"{base}/staff/alerts")
        expect(page.locator("main table")).to_contain_text(
            "PHQ-9 spørsmål 9 besvart over 0: ring forelderen i dag (sikkerhetsprotokoll)")
        _no_leak(page)

        # the exports are not for a research assistant: refused in Norwegian
        page.goto(f"{base}/analysis/")
        expect(page.locator("h1")).to_have_text("Ikke for din rolle")
        _no_leak(page)

        # the retention figures, drawn on the server, name arms and waves in Norwegian
        page.goto(f"{base}/staff/retention")
        figure = page.locator("figure.consort")
        expect(figure).to_contain_text("Registrert: 1 familie")
        expect(figure).to_contain_text("kontaktforsøk fra personalet: 0")
        expect(figure).to_contain_text("Familiepartner")
        assert page.locator("#consort-title").text_content() == "Deltakerflyt per gruppe"
        _no_leak(page)
        page.locator("form[action$='/logout'] button").click()

        # the data manager's pages: accounts, and the schedule changes (none waiting here)
        sign_in_page(page, base, admin_email, admin_secret, clock.now)
        page.goto(f"{base}/staff/users")
        expect(page.locator("h1")).to_have_text("Kontoer for studiepersonalet")
        _no_leak(page)
        page.goto(f"{base}/staff/schedule/changes")
        expect(page.locator("main")).to_contain_text("Alle tidsplaner stemmer med protokollfilen.")
        _no_leak(page)
        page.locator("form[action$='/logout'] button").click()

        # the analyst's export page speaks the account's language; the files keep their codes
        sign_in_page(page, base, analyst_email, analyst_secret, clock.now)
        page.goto(f"{base}/analysis/")
        expect(page.locator("h1")).to_have_text("Uttrekk av data til analyse")
        blinded = "Kontoen din er blindet: gruppen vises alltid som A eller B."
        expect(page.locator("main")).to_contain_text(blinded)
        expect(page.locator("label", has_text="Oppstart (T0)")).to_have_count(1)
        _no_leak(page)

    walk_in_chromium(app, scenario)
