"""Acting from the call list: the last attempt on each row, an attempt recorded on a row, the link sent
again to several ticked parents (once per click), and back to the same filtered list.

Names, phones and e-mails here are test text, made up for these tests.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db
from portal.messaging.models import MessageKind, OutboxMessage
from portal.staff.resend import new_click
from tests.conftest import Clock
from tests.staff.conftest import Staff, StaffFactory, at
from tests.support.builders import Enrolled, enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases
DAY = dt.timedelta(days=1)


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """An SMS gateway is set up (nothing is dispatched here, so none need answer)."""
    return {**environ, "PORTAL_SMS_URL": "http://127.0.0.1:9/sms", "PORTAL_SMS_TOKEN": "test-token",
            "PORTAL_SMS_SENDER": "Studien"}


@pytest.fixture
def world(app: Flask, clock: Clock) -> dict[str, Enrolled]:
    app.config["STAFF_IDLE"] = dt.timedelta(days=365)
    return {
        "kari": enrol_family(app, now=clock.now - 9 * DAY,
                             people=[("mother", "nb", "Kari Nordmann", "+4791234501", "kari@test.example")]),
        "yusuf": enrol_family(app, now=clock.now - 4 * DAY,
                              people=[("father", "ar", "Yusuf Rahimi", "+4791234502", None)]),
        "other": enrol_family(app, now=clock.now - 4 * DAY, site="lillehammer",
                              people=[("mother", "nb", "Liv Annen", "+4791234588", "liv@test.example")]),
    }


def _invitation(app: Flask, enrolled: Enrolled, wave: str = "T0") -> int:
    with app.app_context():
        family = family_by_pseudonym(enrolled.family)
        return next(i.id for i in family.respondents[0].invitations if i.wave == wave)


def _resends(app: Flask) -> list[tuple[int, str | None]]:
    with app.app_context():
        query = select(OutboxMessage.invitation_id, OutboxMessage.channel).filter_by(kind=MessageKind.resend)
        return sorted((row[0], row[1]) for row in db.session.execute(query))


def _send(coordinator: Staff, ids: list[int], channel: str, click: str, **filters: str) -> str:
    data = {"invitation": [str(i) for i in ids], "channel": channel, "click": click, **filters}
    page = coordinator.client.get("/staff/calls")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return coordinator.client.post("/staff/calls/resend", data={"csrf_token": token, **data},
                                   follow_redirects=True).text


def test_a_row_records_an_attempt_shows_it_and_returns_to_the_same_filtered_list(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    invitation = _invitation(app, world["kari"])
    form_at = "/staff/calls?state=overdue"
    page = coordinator.client.get(form_at).text
    assert 'value="calls?state=overdue"' in page and "Record an attempt" in page
    answer = coordinator.post("/staff/attempts", {"invitation": str(invitation), "channel": "phone",
                                                  "outcome": "no_answer", "back": "calls?state=overdue&x=1"},
                              form_at=form_at)
    assert answer.headers["Location"] == f"/staff/calls?state=overdue#row-{invitation}"
    row = coordinator.client.get(form_at).text.split(f'id="row-{invitation}"')[1].split("</tr>")[0]
    assert "Phone: no answer" in row
    sheet = coordinator.client.get("/staff/calls.csv").text
    assert "Last attempt,Attempt outcome" in sheet and "Phone 2026-09-01 10:00,No answer" in sheet


def test_a_parent_who_declines_this_wave_leaves_the_list(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    invitation = _invitation(app, world["kari"])
    coordinator.post("/staff/attempts", {"invitation": str(invitation), "channel": "phone",
                                         "outcome": "declines", "back": "calls"}, form_at="/staff/calls")
    page = coordinator.client.get("/staff/calls").text
    assert "declines this wave" in page  # the message of the attempt just recorded
    assert f'data-respondent="{world["kari"].respondents[0]}"' not in page


def test_the_link_goes_again_to_the_ticked_parents_once_per_click_and_the_page_says_when(
    app: Flask, clock: Clock, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    at(clock, "2026-09-01T21:30+02:00")  # quiet hours: the messages wait for 09:00
    coordinator = staff("coordinator")
    kari, yusuf = _invitation(app, world["kari"]), _invitation(app, world["yusuf"])
    click = new_click()
    page = _send(coordinator, [kari, yusuf], "sms", click, state="overdue")
    assert "The link goes again to 2 parents by SMS at 09:00 on Wednesday 02 September" in page
    assert _resends(app) == [(kari, "sms"), (yusuf, "sms")]
    assert page.count("Link goes again Wednesday 02 September at 09:00") == 2  # on both rows
    again = _send(coordinator, [kari, yusuf], "sms", click)  # the same form sent twice
    assert "received already" in again and _resends(app) == [(kari, "sms"), (yusuf, "sms")]
    with app.app_context():
        resent = select(func.count()).select_from(AuditEvent).filter_by(action="link_resent")
        audited = db.session.scalar(resent)
    assert audited == 2


def test_a_parent_who_cannot_be_reached_that_way_is_named_and_the_others_still_go(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    kari, yusuf = _invitation(app, world["kari"]), _invitation(app, world["yusuf"])
    page = _send(coordinator, [kari, yusuf], "email", new_click())
    assert "The link goes again to 1 parent by e-mail now" in page
    assert f"Not sent: {world['yusuf'].respondents[0]} has no e-mail address on file." in page
    assert "Yusuf Rahimi has" not in page
    assert _resends(app) == [(kari, "email")]


def test_nothing_is_sent_without_a_tick_or_to_another_sites_family(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator", sites=["larvik"])
    assert "Tick the parents" in _send(coordinator, [], "sms", new_click())
    data = {"invitation": [str(_invitation(app, world["kari"])), str(_invitation(app, world["other"]))],
            "channel": "sms", "click": new_click()}
    page = coordinator.client.get("/staff/calls")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = coordinator.client.post("/staff/calls/resend", data={"csrf_token": token, **data})
    assert answer.status_code == 404 and _resends(app) == []


def test_a_wave_that_opens_later_has_no_tick_box_and_no_attempt_form(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    enrolled = enrol_family(app, now=dt.datetime(2026, 6, 10, 8, tzinfo=dt.UTC))  # T1 opens 2026-09-03
    page = staff("coordinator").client.get("/staff/calls").text
    invitation = _invitation(app, enrolled, "T1")
    assert f'id="row-{invitation}"' in page and f'id="pick-{invitation}"' not in page
    assert "Record an attempt" not in page
