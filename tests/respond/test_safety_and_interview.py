"""PHQ-9 item 9 above 0 tells the parent where help is and the coordinators that they must act;
a coordinator's phone interview saves answers marked as such."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text

from portal.db import db
from portal.families.models import Alert, Invitation, Response
from portal.staff.models import StaffUser
from tests.conftest import Clock
from tests.respond.conftest import Parent, first_options

pytestmark = pytest.mark.databases

SUPPORT_NB = "Ring Mental Helse på 116 123"


def _phq9_second_page(parent: Parent, item9: str) -> str:
    parent.start()
    parent.answer(1, first_options(parent.client.get("/q/1").text))
    parent.answer(2, first_options(parent.client.get("/q/2").text))
    chosen = {**first_options(parent.client.get("/q/3").text), "phq9_9": item9}
    return parent.answer(3, chosen).location


def test_item9_above_zero_shows_support_once_and_raises_one_alert(app: Flask, parent: Parent) -> None:
    after = _phq9_second_page(parent, "2")
    first_look = parent.client.get(after).text
    assert SUPPORT_NB in first_look and 'role="note"' in first_look
    assert SUPPORT_NB not in parent.client.get(after).text
    parent.answer(3, {"phq9_9": "3"})  # changed again: still one alert for this invitation
    with app.app_context():
        alerts = db.session.scalars(select(Alert)).all()
        invitation = db.session.scalars(select(Invitation).filter_by(wave="T0")).one()
    assert [(a.kind, a.respondent_id, a.resolved_at) for a in alerts] == [
        ("phq9_item9", invitation.respondent_id, None)]


# A store that refuses every new alert, as a full disk or a lost connection would at that moment
REFUSE_ALERTS = {  # (statements that refuse, the statement that stops refusing)
    "sqlite": (["CREATE TRIGGER refuse_alert BEFORE INSERT ON alert "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"], "DROP TRIGGER refuse_alert"),
    "postgresql": (
        ["CREATE FUNCTION refuse_alert() RETURNS trigger LANGUAGE plpgsql "
         "AS $$ BEGIN RAISE 'refused'; END $$",
         "CREATE TRIGGER refuse_alert BEFORE INSERT ON alert FOR EACH ROW EXECUTE FUNCTION refuse_alert()"],
        "DROP TRIGGER refuse_alert ON alert"),
}


def test_an_answer_that_raises_an_alert_is_kept_only_with_its_alert(app: Flask, parent: Parent,
                                                                     backend: str) -> None:
    """The answer that raises an alert and the alert commit together. If the alert cannot be stored,
    the answer is not kept either, so the parent sends the page again and no item 9 above 0 goes
    unseen by the coordinators."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page
    refuse, stop_refusing = REFUSE_ALERTS[backend]
    with app.app_context():
        for statement in refuse:
            db.session.execute(text(statement))
        db.session.commit()
    assert parent.client.get(_phq9_second_page(parent, "0")).status_code == 200  # no alert: saved
    refused = parent.answer(3, {"phq9_9": "2"})
    assert refused.status_code == 500
    with app.app_context():
        kept = db.session.scalars(select(Response.answers).filter_by(instrument_id="phq9")).one()
        db.session.execute(text(stop_refusing))
        db.session.commit()
    assert kept["phq9_9"] == 0
    assert parent.answer(3, {"phq9_9": "2"}).status_code == 302
    with app.app_context():
        kept = db.session.scalars(select(Response.answers).filter_by(instrument_id="phq9")).one()
        alerts = db.session.scalars(select(Alert.kind)).all()
    assert (kept["phq9_9"], alerts) == (2, ["phq9_item9"])


def test_item9_at_zero_raises_nothing(app: Flask, parent: Parent) -> None:
    after = _phq9_second_page(parent, "0")
    assert SUPPORT_NB not in parent.client.get(after).text
    with app.app_context():
        assert db.session.scalars(select(Alert)).all() == []


def test_an_interview_saves_with_the_mode_and_the_coordinator(
    app: Flask, parent: Parent, clock: Clock
) -> None:
    with app.app_context():
        staff = StaffUser(email="ra@test.example", password_hash="x", role="coordinator", sites=["larvik"],
                          blinded=True, created_at=clock.now, totp_secret="sealed")
        db.session.add(staff)
        invitation = db.session.scalars(select(Invitation).filter_by(wave="T0")).one()
        invitation.start(clock.now)
        db.session.commit()
        ids = (staff.id, invitation.id)
    with parent.client.session_transaction() as session:  # a coordinator's session; the staff view's keys
        session.update({"staff_user": ids[0], "staff_seen": clock.now.isoformat(),
                        "staff_since": clock.now.isoformat(), "staff_epoch": 0})
        session.update(invitation=ids[1], mode="interview", entered_by=ids[0], generation=0)
    assert parent.answer(1, {"who5_1": "2"}).location.endswith("/q/2")
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
    assert (response.mode, response.entered_by, response.answers["who5_1"]) == ("interview", ids[0], 2)


def test_start_on_a_parent_link_ends_an_interview_but_keeps_the_coordinator_signed_in(
    app: Flask, parent: Parent, clock: Clock
) -> None:
    """A coordinator tries a family's link in the browser they work in: the workspace stays open,
    and what they then answer is the parent's web answer, not their interview."""
    from portal.staff.access import EPOCH_KEY, SEEN_KEY, SINCE_KEY, USER_KEY

    with app.app_context():
        staff = StaffUser(email="ra@test.example", password_hash="x", role="coordinator", sites=["larvik"],
                          blinded=True, created_at=clock.now, totp_secret="JBSWY3DPEHPK3PXP")
        db.session.add(staff)
        db.session.commit()
        staff_id = staff.id
    with parent.client.session_transaction() as session:  # signed in, mid-interview with another family
        session.update({USER_KEY: staff_id, SEEN_KEY: clock.now.isoformat(), SINCE_KEY: clock.now.isoformat(),
                        EPOCH_KEY: 0, "invitation": 999,
                        "mode": "interview", "entered_by": staff_id})
    assert parent.start().location.endswith("/q/1")
    assert parent.answer(1, {"who5_1": "2"}).location.endswith("/q/2")
    workspace = parent.client.get("/staff/dashboard")
    assert workspace.status_code == 200, workspace.location  # still signed in
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
    assert (response.mode, response.entered_by, response.answers["who5_1"]) == ("web", None, 2)
