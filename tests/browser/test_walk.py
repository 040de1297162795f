"""A parent walks a whole wave on a phone, stops half-way, comes back in a new browser, and sends.

Norwegian and Arabic, a Pixel 7 and a 360 px phone, with and without JavaScript.
Screenshots of each step land under tests/artifacts/browser/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Response
from tests.browser.phone import Phone, answer_page, html_lang_dir, overflows_sideways, press, small_targets
from tests.conftest import Clock
from tests.support.builders import enrol_family

pytestmark = pytest.mark.browser

WORDS = {  # what the parent must see, in their language
    "nb": {"start": "Start", "back": "Velkommen tilbake", "thanks": "Takk", "neutral": "kan ikke brukes"},
    "ar": {"start": "ابدأ", "back": "مرحبًا بعودتك", "thanks": "شكرًا لك", "neutral": "لا يمكن استخدام"},
}


def _link(app: Flask, clock: Clock, language: str) -> str:
    family = enrol_family(app, now=clock.now,
                          people=[("mother", language, "Test Parent", "+4791111119", None)])
    return f"/s/{family.tokens[f'{family.respondents[0]}/T0']}"


def _check_layout(phone: Phone, page: Any) -> None:
    if phone.javascript:
        assert not overflows_sideways(page), page.url
        assert small_targets(page) == [], page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("device", ["pixel7", "360px"])
@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_whole_wave_on_a_phone(app: Flask, clock: Clock, browser: Any, live: str, artifacts: Path,
                                 language: str, device: str, javascript: bool) -> None:
    name = f"walk-{language}-{device}-{'js' if javascript else 'nojs'}"
    _walk(app, clock, Phone(browser, live, name, artifacts, javascript=javascript, phone=device), language)


@pytest.mark.postgresql  # the database production runs on
def test_a_whole_wave_on_a_phone_on_postgresql(app: Flask, clock: Clock, browser: Any, live: str,
                                               artifacts: Path) -> None:
    _walk(app, clock, Phone(browser, live, "walk-postgresql-nb-pixel7", artifacts, phone="pixel7"), "nb")


def _walk(app: Flask, clock: Clock, phone: Phone, language: str) -> None:
    words = WORDS[language]
    link = phone.origin + _link(app, clock, language)
    page = phone.open()
    assert page.goto(link).status == 200
    assert html_lang_dir(page) == (language, "rtl" if language == "ar" else "ltr")
    phone.shot(page, "start")
    _check_layout(phone, page)
    with page.expect_navigation():
        page.get_by_role("button", name=words["start"], exact=True).click()
    for _ in range(3):
        phone.shot(page, "page")
        _check_layout(phone, page)
        answer_page(page)
    assert page.url.endswith("/q/4")
    page.context.close()  # the parent puts the phone away

    page = phone.open()
    page.goto(link)
    assert words["back"] in page.content()
    phone.shot(page, "welcome-back")
    press(page)
    assert page.url.endswith("/q/4")  # back where they stopped, earlier answers kept on the server
    while "/q/review" not in page.url:
        answer_page(page)
    phone.shot(page, "review")
    _check_layout(phone, page)
    press(page)
    assert words["thanks"] in page.content()
    phone.shot(page, "thanks")
    second_visit = page.goto(link)
    assert second_visit.status == 404 and words["neutral"] in page.content()
    phone.shot(page, "neutral")
    page.context.close()

    assert phone.foreign_requests() == []
    with app.app_context():
        invitation = db.session.scalars(select(Invitation).filter_by(wave="T0")).one()
        assert invitation.completed_at is not None
        responses = db.session.scalars(select(Response)).all()
        assert sorted(r.instrument_id for r in responses) == sorted(invitation.instruments)
        assert {r.status for r in responses} == {"completed"}


def test_readable_at_320_px_and_200_percent_text(app: Flask, clock: Clock, browser: Any, live: str,
                                                  artifacts: Path) -> None:
    phone = Phone(browser, live, "zoom-ar-320", artifacts)
    phone.phone = "360px"
    page = phone.browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True,
                                     has_touch=True, locale="ar").new_page()
    page.goto(live + _link(app, clock, "ar"))
    press(page)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    phone.shot(page, "q1-zoom200")
    phone.shot(page, "q1-zoom200-first-screen", full_page=False)
    assert not overflows_sideways(page)
    assert small_targets(page) == []
    page.context.close()
