"""Links that scanners cannot spend, and that tell a stranger nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Response
from portal.respond.answers import ParentInvitation, Visit
from portal.respond.pages import Place
from tests.conftest import Clock, csrf_from
from tests.respond.conftest import Parent, rows_everywhere
from tests.support.builders import Enrolled

pytestmark = pytest.mark.databases

SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def test_opening_a_link_changes_no_row(app: Flask, parent: Parent) -> None:
    before = rows_everywhere(app)
    for _ in range(3):  # a mail scanner, a link preview, the parent
        assert parent.open().status_code == 200
    assert rows_everywhere(app) == before


def test_start_needs_the_form_token(parent: Parent, app: Flask) -> None:
    parent.open()
    refused = parent.client.post(f"/s/{parent.token}")
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Invitation.started_at)).first() is None
    assert parent.start().status_code == 302


def test_a_page_form_token_works_only_in_its_own_browser(app: Flask, parent: Parent) -> None:
    """Each browser's pages carry a form token of its own session; another's is refused, also after
    its own browser has sent it."""
    parent.start()
    phone_two = Parent(app.test_client(), parent.token)
    phone_two.start()
    first_pages = [csrf_from(browser.client.get("/q/1").text) for browser in (parent, phone_two)]
    assert first_pages[0] != first_pages[1]
    stranger = parent.client.post("/q/1", data={"csrf_token": first_pages[1], "who5_1": "3"})
    assert stranger.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Response)).first() is None
    own_two = phone_two.client.post("/q/1", data={"csrf_token": first_pages[1], "who5_2": "1"})
    assert own_two.status_code == 302
    again = parent.client.post("/q/1", data={"csrf_token": first_pages[1], "who5_1": "3"})
    assert again.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Response.answers)).one()["who5_1"] is None
    own = parent.client.post("/q/1", data={"csrf_token": first_pages[0], "who5_1": "3"})
    assert own.status_code == 302


def _form_token_signed_ago(app: Flask, parent: Parent, seconds: int) -> str:
    """The form token Flask-WTF would have put on a page of this browser `seconds` ago."""
    cookie = parent.client.get_cookie("session")
    assert cookie is not None
    raw = app.session_interface.get_signing_serializer(app).loads(cookie.value)["csrf_token"]  # type: ignore[attr-defined]
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")  # type: ignore[arg-type]

    class Earlier(serializer.signer):  # type: ignore[name-defined,misc]
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer.signer = Earlier
    return serializer.dumps(raw)


def test_a_page_left_open_past_the_form_tokens_time_limit_is_not_saved(app: Flask, parent: Parent) -> None:
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    parent.start()
    fresh = csrf_from(parent.client.get("/q/1").text)
    assert parent.client.post("/q/1", data={"csrf_token": fresh, "who5_1": "3"}).status_code == 302
    in_time = _form_token_signed_ago(app, parent, limit - 60)
    assert parent.client.post("/q/1", data={"csrf_token": in_time, "who5_1": "2"}).status_code == 302
    late = _form_token_signed_ago(app, parent, limit + 60)
    refused = parent.client.post("/q/1", data={"csrf_token": late, "who5_1": "4"})
    assert refused.status_code == 400 and 'value="4" checked' in refused.text  # shown again, to send
    with app.app_context():
        assert db.session.scalars(select(Response.answers)).one()["who5_1"] == 2


def test_start_page_shows_the_neutral_name_and_time(parent: Parent) -> None:
    page = parent.open()
    assert "Familiestudien" in page.text and "min." in page.text
    assert "barnevern" not in page.text.lower()


def test_the_link_works_on_another_device_until_submitted(app: Flask, parent: Parent) -> None:
    parent.start()
    parent.answer(1, {"who5_1": "3"})
    phone_two = Parent(app.test_client(), parent.token)
    assert phone_two.start().location.endswith("/q/1")
    assert 'value="3" checked' in phone_two.client.get("/q/1").text
    phone_two.answer_everything()
    assert phone_two.submit().status_code == 303
    assert parent.open().status_code == 404
    assert phone_two.open().status_code == 404


def _neutral(app: Flask, token: str) -> tuple[int, tuple[tuple[str, str], ...], int]:
    """Status, headers (values that differ per request left out), body length in 1 KB classes."""
    response = app.test_client().get(f"/s/{token}", headers={"Accept-Language": "en"})
    headers = tuple(sorted(
        (k, "*" if k in ("Date", "Set-Cookie", "Content-Length") else v) for k, v in response.headers.items()
    ))
    return response.status_code, headers, len(response.data) // 1024


def test_unknown_used_expired_and_withdrawn_links_look_alike(
    app: Flask, family: Enrolled, clock: Clock
) -> None:
    respondent = family.respondents[0]
    used = Parent(app.test_client(), family.tokens[f"{respondent}/T0"])
    used.answer_everything()
    used.submit()
    withdrawn, expired = family.tokens[f"{respondent}/T1"], family.tokens[f"{respondent}/T2"]
    with app.app_context():
        invitations = {i.wave: i for i in db.session.scalars(select(Invitation))}
        invitations["T1"].withdrawn_at = clock.now
        invitations["T2"].closes_at = clock.now
        invitations["T2"].opens_at = clock.now.replace(year=2025)
        db.session.commit()
    cases = {
        "unknown": _neutral(app, "a" * 26),
        "malformed": _neutral(app, "not_a_token"),
        "used": _neutral(app, used.token),
        "withdrawn": _neutral(app, withdrawn),
        "expired": _neutral(app, expired),
    }
    assert len(set(cases.values())) == 1, cases
    status, headers, _size = cases["unknown"]
    assert status == 404
    assert SECURITY_HEADERS.items() <= dict(headers).items()


@pytest.mark.parametrize("path", ["/s", "/s/{token}", "/q/1", "/q/review"])
def test_security_headers_on_every_parent_page(parent: Parent, path: str) -> None:
    parent.start()
    response = parent.client.get(path.format(token=parent.token))
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_a_double_submit_gives_one_response_per_instrument(app: Flask, parent: Parent) -> None:
    parent.answer_everything()
    review = parent.client.get("/q/review")
    token = csrf_from(review.text)
    first = parent.client.post("/q/submit", data={"csrf_token": token})
    second = parent.client.post("/q/submit", data={"csrf_token": token})
    assert first.location == second.location == "/q/thanks"
    assert "Takk" in parent.client.get("/q/thanks").text
    with app.app_context():
        responses = db.session.scalars(select(Response)).all()
        invitation = db.session.scalars(select(Invitation).filter_by(wave="T0")).one()
    assert len(responses) == len({r.instrument_id for r in responses}) == len(invitation.instruments)
    assert {r.status for r in responses} == {"completed"}
    assert {r.completed_at for r in responses} == {invitation.completed_at}


def _save(visit: Visit, invitation: ParentInvitation, place: Place, posted: dict[str, Any]) -> bool:
    """A page's save as the page's view makes it, from what this tab read."""
    from portal import registry
    from portal.respond import service

    return service.save_page(db.session, visit, invitation, place.instrument, posted, place.language.shown,
                             registry.now())


def test_a_page_saved_from_a_tab_opened_before_submit_changes_nothing(app: Flask, parent: Parent) -> None:
    """Tab one submits; tab two, read before that, saves a page: the submitted answers stay as sent,
    and tab two gets the neutral page."""
    from flask import session

    from portal.respond import pages, service
    from portal.respond.blueprint import GENERATION, INVITATION, current_invitation

    parent.answer_everything()
    with app.test_request_context("/q/1", method="POST"):
        session[INVITATION] = db.session.scalars(select(Invitation.id).filter_by(wave="T0")).one()
        session[GENERATION] = 0  # the link's first generation, as Start keeps it
        visit, stale = current_invitation()
        db.session.rollback()
        place = pages._place(stale, 1)
        assert place is not None
        assert parent.submit().status_code == 303
        sent = dict(stale.responses[0].answers)
        with pytest.raises(service.LinkUnusable):
            _save(visit, stale, place, dict.fromkeys(place.page.item_ids))
    with app.app_context():
        kept = db.session.scalars(select(Response).filter_by(instrument_id=place.instrument.id)).one()
    assert kept.answers == sent and kept.status == "completed"


def test_two_tabs_saving_one_draft_at_once_keep_both_pages_answers(app: Flask, parent: Parent) -> None:
    """Tab two read the draft before tab one saved into it: tab two's save reads it again and merges,
    so tab one's answer is not overwritten by the older copy."""
    from flask import session

    from portal.respond import answers, pages
    from portal.respond.blueprint import GENERATION, INVITATION, current_invitation

    parent.start()
    with app.test_request_context("/q/1", method="POST"):
        session[INVITATION] = db.session.scalars(select(Invitation.id).filter_by(wave="T0")).one()
        session[GENERATION] = 0  # the link's first generation, as Start keeps it
        visit, fresh = current_invitation()
        place = pages._place(fresh, 1)
        assert place is not None
        first, second, third = place.page.item_ids[:3]
        _save(visit, fresh, place, {first: 1})  # the draft exists
        stale = current_invitation()[1]  # tab two reads it
        _save(visit, current_invitation()[1], place, {second: 2})  # tab one saves
        _save(visit, stale, place, {third: 3})  # tab two saves
        saved = answers.by_instrument(current_invitation()[1])[place.instrument.id]
    assert (saved[first], saved[second], saved[third]) == (1, 2, 3)


def test_two_tabs_submitting_at_once_complete_once(app: Flask, parent: Parent) -> None:
    """The completion is a conditional update: the second tab's submit changes nothing."""
    from portal.respond import answers, service
    from portal.respond.pages import pages_of

    parent.answer_everything()
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id).filter_by(wave="T0")).one()
        catalogue = app.extensions["portal.instruments"]
        now = app.config["CLOCK"]()
        stale_copy = db.stores.sessions()
        tab_one = answers.load(db.session, invitation_id)
        tab_two = answers.load(stale_copy, invitation_id)
        assert tab_one is not None and tab_two is not None
        assert tab_two.completed_at is None  # both tabs see it open
        with app.test_request_context():
            pages = pages_of(tab_one.instruments)
        assert service.submit(db.session, tab_one, catalogue, pages, now) is True
        db.session.commit()
        assert service.submit(stale_copy, tab_two, catalogue, pages, now) is False
        stale_copy.commit()
        stale_copy.close()
        completed = db.session.scalars(select(Response.completed_at)).all()
    assert len(set(completed)) == 1 and completed[0] is not None
