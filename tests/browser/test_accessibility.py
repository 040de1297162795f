"""axe-core finds nothing on any parent page in any shipped language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from portal.i18n import LANGUAGES
from tests.browser.conftest import PHONES
from tests.browser.phone import answer_page, press
from tests.conftest import Clock
from tests.support.builders import enrol_family

pytestmark = pytest.mark.browser
AXE = Axe()


def _violations(page: Any) -> list[str]:
    results = AXE.run(page)
    return [f"{page.url}: {v['id']} {v['help']} {[n['html'][:80] for n in v['nodes']]}"
            for v in results.response["violations"]]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_parent_page_passes_axe(app: Flask, clock: Clock, browser: Any, live: str, artifacts: Path,
                                      language: str) -> None:
    family = enrol_family(app, now=clock.now,
                          people=[("mother", language, "Test Parent", "+4791111118", None)])
    link = f"{live}/s/{family.tokens[f'{family.respondents[0]}/T0']}"
    context = browser.new_context(**PHONES["360px"], locale=language)
    page = context.new_page()
    found: list[str] = []

    page.goto(f"{live}/s")  # the access-code form, then with a wrong code
    found += _violations(page)
    page.fill("#code", "ZZZZ-ZZZZ")
    press(page)
    found += _violations(page)
    page.goto(link)
    found += _violations(page)
    page.locator("summary").click()  # the language switch, open
    found += _violations(page)
    press(page)
    found += _violations(page)  # the first question page, with the "not published" notice
    page.eval_on_selector("input[type=radio]", "radio => { radio.value = '9'; radio.checked = true; }")
    press(page)  # a value that is no code: a message next to the question
    assert page.locator(".error").count() == 1
    found += _violations(page)
    page.screenshot(path=str(artifacts / f"axe-{language}-errors.png"), full_page=True)
    answer_page(page)
    answer_page(page)
    item9 = page.locator("fieldset.item", has=page.locator("input[name=phq9_9]"))
    item9.locator("label.choice").last.click()  # "nearly every day": the support text follows
    answer_page(page, skip=("phq9_9",))
    found += _violations(page)
    page.screenshot(path=str(artifacts / f"axe-{language}-support.png"), full_page=True)
    page.goto(f"{live}/q/review")
    found += _violations(page)  # the review, with unanswered items that must be answered
    page.screenshot(path=str(artifacts / f"axe-{language}-review.png"), full_page=True)
    page.goto(link)
    press(page)
    while "/q/review" not in page.url:
        answer_page(page)
    press(page)
    found += _violations(page)  # thanks
    page.goto(f"{live}/s/{'z' * 26}")
    found += _violations(page)  # the neutral page
    found += _too_many_tries(page, live)
    context.close()
    assert found == []


def _too_many_tries(page: Any, live: str) -> list[str]:
    for _ in range(6):
        page.goto(f"{live}/s")
        page.fill("#code", "QQQQ-QQQQ")
        press(page)
    assert page.locator("h1").count() == 1  # the "too many tries" page, in the parent's language
    return _violations(page)
