"""axe-core finds nothing on any parent page in any shipped language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.i18n import LANGUAGES
from tests.browser.conftest import PHONES
from tests.browser.phone import answer_page, press
from tests.conftest import Clock
from tests.support.builders import enrol_family
from tests.support.live import AxeFindings

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_parent_page_passes_axe(app: Flask, clock: Clock, browser: Any, live: str, artifacts: Path,
                                      language: str) -> None:
    family = enrol_family(app, now=clock.now,
                          people=[("mother", language, "Test Parent", "+4791111118", None)])
    link = f"{live}/s/{family.tokens[f'{family.respondents[0]}/T0']}"
    context = browser.new_context(**PHONES["360px"], locale=language)
    page = context.new_page()
    axe = AxeFindings()

    page.goto(f"{live}/s")  # the access-code form, then with a wrong code
    axe.check(page)
    page.fill("#code", "ZZZZ-ZZZZ")
    press(page)
    axe.check(page)
    page.goto(link)
    axe.check(page)
    page.locator("summary").click()  # the language switch, open
    axe.check(page)
    press(page)
    axe.check(page)  # the first question page, with the "not published" notice
    page.eval_on_selector("input[type=radio]", "radio => { radio.value = '9'; radio.checked = true; }")
    press(page)  # a value that is no code: a message next to the question
    assert page.locator(".error").count() == 1
    axe.check(page)
    page.screenshot(path=str(artifacts / f"axe-{language}-errors.png"), full_page=True)
    answer_page(page)
    answer_page(page)
    item9 = page.locator("fieldset.item", has=page.locator("input[name=phq9_9]"))
    item9.locator("label.choice").last.click()  # "nearly every day": the support text follows
    answer_page(page, skip=("phq9_9",))
    axe.check(page)
    page.screenshot(path=str(artifacts / f"axe-{language}-support.png"), full_page=True)
    page.goto(f"{live}/q/review")
    axe.check(page)  # the review, with unanswered items that must be answered
    page.screenshot(path=str(artifacts / f"axe-{language}-review.png"), full_page=True)
    page.goto(link)
    press(page)
    while "/q/review" not in page.url:
        answer_page(page)
    press(page)
    axe.check(page)  # thanks
    page.goto(f"{live}/s/{'z' * 26}")
    axe.check(page)  # the neutral page
    _too_many_tries(page, live, axe)
    context.close()
    axe.assert_none("parent pages")


def _too_many_tries(page: Any, live: str, axe: AxeFindings) -> None:
    for _ in range(6):
        page.goto(f"{live}/s")
        page.fill("#code", "QQQQ-QQQQ")
        press(page)
    assert page.locator("h1").count() == 1  # the "too many tries" page, in the parent's language
    axe.check(page)
