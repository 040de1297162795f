"""Signed delivery receipts, the contact log on the family page, and re-planning a moved window."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from flask import Flask, render_template
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Alert, Family, Invitation
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.messaging.planning import replan
from tests.conftest import Clock
from tests.messaging.conftest import RECEIPT_KEY
from tests.messaging.journey import oslo
from tests.support.builders import enrol_family

PARENT = ("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")
ENROLLED_AT = oslo(2026, 9, 1, 14, 0)
URL = "/messaging/receipts/sms"


def _post(
    client: FlaskClient, receipt: dict[str, str], key: bytes = RECEIPT_KEY, at: dt.datetime | None = None
) -> tuple[int, dict[str, str]]:
    """A receipt signed as the gateway signs it, sent `at` (the app's time unless given)."""
    sent = at or client.application.config["CLOCK"]()
    body = json.dumps({**receipt, "at": int(sent.timestamp())}).encode()
    signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    answer = client.post(URL, data=body, content_type="application/json", headers={"X-Signature": signature})
    return answer.status_code, answer.get_json()


def _sent_one(app: Flask, runner: FlaskCliRunner) -> None:
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[PARENT])
    assert "sent 1," in runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()]).output


def test_a_signed_delivery_receipt_is_logged_once(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, clock: Clock
) -> None:
    _sent_one(app, runner)
    assert _post(client, {"id": "gw-1", "status": "delivered"}) == (200, {"recorded": "delivered"})
    clock.advance(seconds=1)  # the gateway sends it again, with a new time
    assert _post(client, {"id": "gw-1", "status": "delivered"}) == (200, {"recorded": "delivered"})
    with app.app_context():
        outcomes = db.session.scalars(select(ContactAttempt.outcome).order_by(ContactAttempt.id)).all()
    assert outcomes == ["accepted", "delivered"]


def test_a_replayed_or_old_receipt_is_refused(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, clock: Clock
) -> None:
    _sent_one(app, runner)
    sent = clock.now
    assert _post(client, {"id": "gw-1", "status": "delivered"}, at=sent)[0] == 200
    assert _post(client, {"id": "gw-1", "status": "failed"}, at=sent - dt.timedelta(minutes=6))[0] == 409
    clock.advance(minutes=1)
    replayed = _post(client, {"id": "gw-1", "status": "delivered"}, at=sent)
    assert replayed == (409, {"error": "receipt seen before"})
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt.outcome)).all() == ["accepted", "delivered"]
        assert db.session.scalars(select(Alert)).all() == []


def test_an_undelivered_receipt_bounces_the_message_and_alerts_the_coordinators(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    _sent_one(app, runner)
    assert _post(client, {"id": "gw-1", "status": "UNDELIVERABLE"}) == (200, {"recorded": "undelivered"})
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.attempts == 1)).one()
        alert = db.session.scalars(select(Alert)).one()
    assert message.status == MessageStatus.bounced
    assert (alert.kind, alert.detail) == ("bounced", "T0 invitation SMS not delivered (gateway receipt)")


def test_receipts_with_a_wrong_signature_or_an_unknown_id_change_nothing(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    _sent_one(app, runner)
    assert _post(client, {"id": "gw-1", "status": "failed"}, key=b"x" * 32)[0] == 403
    unsigned = client.post(URL, data=b'{"id": "gw-1", "status": "failed"}', content_type="application/json")
    assert unsigned.status_code == 403
    assert _post(client, {"id": "gw-999", "status": "failed"})[0] == 404
    assert _post(client, {"status": "failed"})[0] == 400
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt.outcome)).all() == ["accepted"]
        assert db.session.scalars(select(Alert)).all() == []


def test_the_family_page_partial_lists_attempts_without_contact_data(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    _sent_one(app, runner)
    _post(client, {"id": "gw-1", "status": "delivered"})
    with app.test_request_context("/staff/"):  # a staff page's context: wave names in the staff language
        family = db.session.scalars(select(Family)).one()
        html = render_template("staff/_contact_attempts.html", family=family)
    assert "1. september 2026 kl. 14:00" in html  # in words, in the study's time zone
    assert "gw-1" in html and "accepted" in html and "delivered" in html
    assert "SMS" in html and "invitasjon" in html  # the study's language, bokmål, before any account chose
    for secret in ("91111111", "kari", "Testesen", "/s/"):
        assert secret not in html


def test_a_moved_window_moves_the_unsent_messages_and_keeps_the_sent_ones(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _sent_one(app, runner)
    moved_by = dt.timedelta(days=14)
    with app.app_context():
        t1 = db.session.scalars(select(Invitation).where(Invitation.wave == "T1")).one()
        before = {m.idempotency_key: m.due_at for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id == t1.id))}
        t1.opens_at, t1.closes_at = t1.opens_at + moved_by, t1.closes_at + moved_by
        replan(db.session, app.extensions["portal.protocol"], t1, ENROLLED_AT.astimezone(dt.UTC))
        db.session.commit()
        after = {m.idempotency_key: m.due_at for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id == t1.id))}
        sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).one()
    assert set(after) == set(before)
    assert all(after[key] - before[key] in (moved_by, moved_by + dt.timedelta(hours=1),
                                            moved_by - dt.timedelta(hours=1)) for key in before)
    assert sent.sent_at == ENROLLED_AT


def test_a_window_moved_without_re_planning_is_re_planned_when_its_first_message_comes_due(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _sent_one(app, runner)
    with app.app_context():
        t1 = db.session.scalars(select(Invitation).where(Invitation.wave == "T1")).one()
        old_opening = db.session.scalars(select(OutboxMessage.due_at).where(
            OutboxMessage.invitation_id == t1.id, OutboxMessage.kind == "invitation")).one()
        t1.opens_at, t1.closes_at = t1.opens_at + dt.timedelta(days=30), t1.closes_at + dt.timedelta(days=30)
        db.session.commit()
    result = runner.invoke(args=["dispatch", "--now", old_opening.isoformat()])
    assert "sent 0," in result.output
    with app.app_context():
        due = db.session.scalars(select(OutboxMessage.due_at).where(
            OutboxMessage.invitation_id == t1.id, OutboxMessage.status == "pending"
        ).order_by(OutboxMessage.due_at)).all()
    assert due[0] == old_opening + dt.timedelta(days=30)
    assert len(due) == 5 and due == sorted(set(due))
