"""Saving a parent's pages: every answer kept, two tabs and double taps merged, closed
invitations left alone, messages in the parent's language."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, InvitationState, Response, started_in_sql
from tests.conftest import Clock
from tests.respond.conftest import Parent, first_options, hidden_fields
from tests.support.builders import Enrolled

pytestmark = pytest.mark.databases


def _pages_of(parent: Parent, instrument_id: str) -> list[int]:
    numbers, number = [], 1
    while (page := parent.client.get(f"/q/{number}")).status_code == 200:
        if f'name="{instrument_id}_' in page.text:
            numbers.append(number)
        number += 1
    return numbers


def _form(parent: Parent, number: int) -> dict[str, str]:
    """Page `number` as the browser holds it: its hidden fields and each item's first option."""
    html = parent.client.get(f"/q/{number}").text
    return {**hidden_fields(html, f"/q/{number}"), **first_options(html), "go": "next"}


def _saved(app: Flask, instrument_id: str) -> Response:
    with app.app_context():
        return db.session.scalars(select(Response).filter_by(instrument_id=instrument_id)).one()


def test_pages_of_one_instrument_saved_in_turn_keep_every_answer_and_an_emptied_item(
        app: Flask, parent: Parent) -> None:
    parent.start()
    first, second, third = _pages_of(parent, "psc17")
    for number in (first, second, third):  # the first save creates the draft, the others merge into it
        assert parent.client.post(f"/q/{number}", data=_form(parent, number)).status_code == 302
    again = _form(parent, first)
    emptied = next(name for name in again if name.startswith("psc17_"))
    again[emptied] = ""
    parent.client.post(f"/q/{first}", data=again)
    saved = _saved(app, "psc17")
    assert len(saved.answers) == 17 and saved.answers[emptied] is None
    assert all(value == 0 for name, value in saved.answers.items() if name != emptied)
    assert (saved.language, saved.mode, saved.status) == ("en", "web", "draft")


def test_two_tabs_on_two_pages_of_one_draft_keep_both_pages(app: Flask, parent: Parent) -> None:
    parent.start()
    first, second, _third = _pages_of(parent, "psc17")
    parent.client.post(f"/q/{first}", data=_form(parent, first))  # the draft exists
    tab_one, tab_two = _form(parent, first), _form(parent, second)  # both open before either saves
    tab_one |= {name: "2" for name in tab_one if name.startswith("psc17_")}
    tab_two |= {name: "1" for name in tab_two if name.startswith("psc17_")}
    parent.client.post(f"/q/{second}", data=tab_two)
    parent.client.post(f"/q/{first}", data=tab_one)
    saved = _saved(app, "psc17").answers
    assert {saved[name] for name in tab_one if name.startswith("psc17_")} == {2}
    assert {saved[name] for name in tab_two if name.startswith("psc17_")} == {1}


def test_two_tabs_sending_an_instruments_first_pages_at_once_make_one_draft(
        app: Flask, parent: Parent) -> None:
    """A double tap or two tabs: both saves may find no draft yet; one creates it, the other merges."""
    parent.start()
    first, second, _third = _pages_of(parent, "psc17")
    forms = {number: _form(parent, number) for number in (first, second)}
    cookie = parent.client.get_cookie("session")
    assert cookie is not None
    tabs = {first: parent.client, second: app.test_client()}
    tabs[second].set_cookie("session", cookie.value)
    together, statuses = threading.Barrier(2), []

    def send(number: int) -> None:
        together.wait()
        statuses.append(tabs[number].post(f"/q/{number}", data=forms[number]).status_code)

    threads = [threading.Thread(target=send, args=(number,)) for number in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert len(_saved(app, "psc17").answers) == 12  # one draft (one() fails on two), both pages in it


def test_a_page_sent_in_a_language_its_items_have_no_text_in_keeps_the_language_shown(
        app: Flask, parent: Parent) -> None:
    parent.start()
    [number] = _pages_of(parent, "who5")
    parent.client.post(f"/q/{number}", data=_form(parent, number))
    parent.client.post(f"/q/{number}", data={**_form(parent, number), "text": "nb"})  # who5 is English only
    assert _saved(app, "who5").language == "en"


@pytest.mark.parametrize("closing", ["submitted", "expired", "withdrawn"])
def test_a_page_sent_after_the_invitation_closed_changes_nothing(
        app: Flask, parent: Parent, clock: Clock, closing: str) -> None:
    parent.answer_everything()
    [number] = _pages_of(parent, "who5")
    late = {**_form(parent, number), **{f"who5_{item}": "5" for item in range(1, 6)}}
    before = _saved(app, "who5").answers
    if closing == "submitted":
        assert parent.submit().status_code == 303
    elif closing == "expired":
        clock.advance(days=60)
    else:
        with app.app_context():
            db.session.scalars(select(Invitation).filter_by(wave="T0")).one().withdraw(clock.now)
            db.session.commit()
    refused = parent.client.post(f"/q/{number}", data=late)
    assert refused.status_code == 404
    assert _saved(app, "who5").answers == before


def test_a_typing_error_is_worded_in_the_parents_stored_language(app: Flask, parent: Parent) -> None:
    """The parent chose English on another phone since this browser started: the message follows."""
    parent.start()
    [number] = _pages_of(parent, "who5")
    parent.client.post(f"/q/{number}", data=_form(parent, number))  # the draft exists
    form = {**_form(parent, number), "who5_1": "9"}
    with app.app_context():
        db.session.scalars(select(Invitation).filter_by(wave="T0")).one().respondent.language = "en"
        db.session.commit()
    page = parent.client.post(f"/q/{number}", data=form)
    assert page.status_code == 200 and '<html lang="en"' in page.text
    assert "Please choose one of the answers." in page.text


def test_the_sql_rule_for_started_agrees_with_the_invitation_state(app: Flask, family: Enrolled) -> None:
    with app.app_context():
        invitation = db.session.scalars(select(Invitation).filter_by(wave="T0")).one()
        opens, closes = invitation.opens_at, invitation.closes_at
        moments = [opens - dt.timedelta(seconds=1), opens, closes - dt.timedelta(microseconds=1), closes]
        marks = [{}, {"started_at": opens}, {"started_at": opens, "completed_at": opens},
                 {"started_at": opens, "withdrawn_at": opens}]
        seen = set()
        for mark in marks:
            for name in ("started_at", "completed_at", "withdrawn_at"):
                setattr(invitation, name, mark.get(name))
            db.session.flush()
            for now in moments:
                in_sql = db.session.scalar(select(started_in_sql(now)).where(Invitation.id == invitation.id))
                state = invitation.state(now)
                seen.add(state)
                assert bool(in_sql) == (state is InvitationState.started), (mark, now, state)
        db.session.rollback()
    assert seen == set(InvitationState)
