"""Pages built from the instrument definitions: short, saved on every step, nothing lost."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Response
from portal.measures import Item, Option
from portal.respond import forms
from portal.respond.paging import plan, split
from tests.respond.conftest import Parent, first_options

pytestmark = pytest.mark.databases


def test_long_instruments_are_split_into_even_pages_of_at_most_eight() -> None:
    assert [len(c) for c in split([str(i) for i in range(17)], 8)] == [6, 6, 5]
    assert [len(c) for c in split([str(i) for i in range(8)], 8)] == [8]
    assert [len(c) for c in split([str(i) for i in range(9)], 8)] == [5, 4]


def test_one_instrument_per_page_and_every_item_once(app: Flask) -> None:
    catalogue = app.extensions["portal.instruments"]
    instruments = [catalogue[i] for i in ("who5", "phq9", "psc17")]
    pages = plan(instruments)
    assert [(p.instrument_id, p.part, p.parts) for p in pages][:3] == [
        ("who5", 1, 1), ("phq9", 1, 2), ("phq9", 2, 2)]
    assert [i for p in pages for i in p.item_ids] == [i.id for x in instruments for i in x.items]
    assert all(len(p.item_ids) <= 8 for p in pages)


def test_each_likert_item_is_a_fieldset_of_radios_carrying_the_codes(parent: Parent) -> None:
    parent.start()
    html = parent.client.get("/q/1").text
    assert html.count("<fieldset") == 5 and "<table" not in html
    first = re.search(r"<fieldset.*?</fieldset>", html, re.S).group(0)  # type: ignore[union-attr]
    assert "<legend" in first
    assert re.findall(r'name="who5_1" value="(\d+)"', first) == ["5", "4", "3", "2", "1", "0"]
    assert "Side <bdi" in html  # progress, in the parent's language


def test_a_value_that_is_not_a_code_gets_a_message_and_is_not_saved(app: Flask, parent: Parent) -> None:
    parent.start()
    page = parent.answer(1, {"who5_1": "9", "who5_2": "4"})
    assert page.status_code == 200
    assert 'id="who5_1-error"' in page.text and "Velg ett av svarene." in page.text
    assert 'name="who5_2" value="4" checked' in page.text  # what was chosen stays chosen
    with app.app_context():
        assert db.session.scalars(select(Response)).all() == []


def test_back_saves_too_so_nothing_is_lost(app: Flask, parent: Parent) -> None:
    parent.start()
    parent.answer(1, first_options(parent.client.get("/q/1").text))
    back = parent.answer(2, {"phq9_1": "2"}, go="back")
    assert back.location.endswith("/q/1")
    assert 'name="phq9_1" value="2" checked' in parent.client.get("/q/2").text
    with app.app_context():
        saved = db.session.scalars(select(Response).filter_by(instrument_id="phq9")).one()
    assert saved.answers["phq9_1"] == 2 and saved.status == "draft" and saved.mode == "web"


def test_review_lists_empty_items_and_holds_submit_where_missing_is_not_allowed(parent: Parent) -> None:
    parent.start()
    review = parent.client.get("/q/review").text
    assert "I have felt cheerful and in good spirits" in review
    assert "(må besvares)" in review
    assert "/q/submit" not in review
    refused = parent.submit()
    assert refused.location.endswith("/q/review")


def test_submit_anyway_where_the_instrument_allows_missing_items(app: Flask, parent: Parent) -> None:
    """The trust items may stay empty: the parent can send without them."""
    response = parent.start()
    while "/q/review" not in response.location:
        number = int(response.location.rsplit("/", 1)[1])
        chosen = {k: v for k, v in first_options(parent.client.get(f"/q/{number}").text).items()
                  if not k.startswith("trust")}
        response = parent.answer(number, chosen)
    review = parent.client.get("/q/review").text
    assert "Send svarene slik de er" in review and "(må besvares)" not in review
    assert parent.submit().location.endswith("/q/thanks")
    with app.app_context():
        assert db.session.scalars(select(Invitation.completed_at).filter_by(wave="T0")).one() is not None


def test_coming_back_resumes_at_the_first_empty_page(app: Flask, parent: Parent) -> None:
    parent.start()
    parent.answer(1, first_options(parent.client.get("/q/1").text))
    later = Parent(app.test_client(), parent.token)
    assert "Velkommen tilbake" in later.open().text
    assert later.start().location.endswith("/q/2")


def test_numbers_dates_and_text_are_checked_with_words(app: Flask) -> None:
    items = [
        Item(id="age", type="number", text={"en": "Age"}, min=18, max=99),
        Item(id="day", type="date", text={"en": "Day"}),
        Item(id="note", type="text", text={"en": "Note"}, max_length=5),
        Item(id="ok", type="yesno", text={"en": "OK?"},
             options=(Option(1, {"en": "Yes"}), Option(0, {"en": "No"}))),
    ]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        answers, errors = forms.parse(items, {"age": "12", "day": "31.02.2026", "note": "toolong", "ok": "1"})
        assert errors == {
            "age": "Please write a number from 18 to 99.",
            "day": "Please give a date like 2026-03-31.",
            "note": "Please keep this under 5 characters.",
        }
        assert answers["ok"] == 1
        good, none = forms.parse(items, {"age": "42,0", "day": "2026-03-31", "note": "fine", "ok": ""})
        assert none == {} and good == {"age": 42, "day": "2026-03-31", "note": "fine", "ok": None}
        html = render_template_string(
            '{% from "respond/_item.html" import item_block with context %}'
            "{{ item_block(item, 'en', answers, errors) }}", item=items[0], errors=errors, answers=answers)
    assert 'aria-describedby="age-error"' in html and 'value="12"' in html and 'inputmode="decimal"' in html
