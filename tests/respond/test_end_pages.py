"""The end of a wave as a parent sees it: roughly when the next questionnaire comes, support again
after an answer that raised a safety alert, and one kind, neutral page for every unusable link."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.respond.conftest import Parent, first_options

pytestmark = pytest.mark.databases

SUPPORT_NB = "Ring Mental Helse på 116 123"
NEXT_NB = "Neste spørreskjema kommer rundt november 2026."  # T1 opens 24 November 2026
THANKED_NB = "Hvis du allerede har sendt svarene dine: takk, vi har fått dem."


def test_the_thanks_page_says_roughly_when_the_next_questionnaire_comes(parent: Parent) -> None:
    parent.answer_everything()
    thanks = parent.client.get(parent.submit().location).text
    assert NEXT_NB in thanks and SUPPORT_NB not in thanks


def test_after_an_alert_the_support_text_comes_back_on_the_review_and_thanks_pages(parent: Parent) -> None:
    parent.start()
    for number in (1, 2):
        parent.answer(number, first_options(parent.client.get(f"/q/{number}").text))
    after = parent.answer(3, {**first_options(parent.client.get("/q/3").text), "phq9_9": "2"}).location
    assert SUPPORT_NB in parent.client.get(after).text  # at once, as before
    review = parent.answer_everything()
    assert SUPPORT_NB in parent.client.get(review.location).text
    assert SUPPORT_NB in parent.client.get(parent.submit().location).text


def test_used_and_unknown_links_get_the_same_kind_page(app: Flask, client: object, parent: Parent) -> None:
    parent.answer_everything()
    parent.submit()
    used = parent.open()
    unknown = parent.client.get("/s/" + "x" * len(parent.token))
    assert used.status_code == unknown.status_code == 404
    same_address = used.text.replace(parent.token, "x" * len(parent.token))  # the language form's return
    assert THANKED_NB in used.text and same_address == unknown.text  # nothing else tells the two apart


def test_the_review_groups_gaps_by_questionnaire_and_back_goes_to_the_first_gap(parent: Parent) -> None:
    parent.start()
    parent.answer(1, first_options(parent.client.get("/q/1").text))  # page 2 onwards left empty
    review = parent.client.get("/q/review").text
    headings = review.count('<h2 class="instrument">')
    assert headings >= 2 and review.count('<ul class="missing">') == headings
    assert 'class="back" href="/q/2"' in review  # the first gap, not the last page
