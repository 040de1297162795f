"""The mail relay is down for an hour of simulated time while invitations fall due; then it comes back.

tests/messaging/test_delivery_failures.py already proves one message's backoff from first try
to a visible failure, and an SMS gateway outage of one retry. What this adds: a whole outbox
(due before and during the outage) across a full hour of `flask dispatch --now` every five
minutes with nothing listening, then the relay back on the same port: every message goes, once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Alert
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from tests.messaging.journey import oslo
from tests.messaging.servers import free_port, smtp_server
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

OUTAGE_STARTS = oslo(2026, 9, 1, 14, 0)
EVERY = dt.timedelta(minutes=5)
HOUR = dt.timedelta(hours=1)
# families enrolled (their invitation falls due) before the outage and a quarter, half and 55 minutes in
ENROLMENTS = [dt.timedelta(0)] * 3 + [dt.timedelta(minutes=m) for m in (15, 30, 55)]


@pytest.fixture(scope="module")
def relay_port() -> int:
    return free_port()


@pytest.fixture
def environ(environ: dict[str, str], relay_port: int) -> dict[str, str]:
    return {**environ, "PORTAL_SMTP_PORT": str(relay_port)}


def outbox(app: Flask) -> list[OutboxMessage]:
    """The baseline invitations (later waves' invitations are planned too, months ahead)."""
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "invitation", OutboxMessage.due_at < OUTAGE_STARTS + HOUR)))


def dispatch(runner: FlaskCliRunner, moment: dt.datetime) -> str:
    result = runner.invoke(args=["dispatch", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_hour_without_a_mail_relay_keeps_every_message_waiting_and_sends_each_once_after(
    app: Flask, runner: FlaskCliRunner, relay_port: int
) -> None:
    moment, enrolled = OUTAGE_STARTS, 0
    while moment < OUTAGE_STARTS + HOUR:
        for offset in ENROLMENTS[enrolled:]:
            if OUTAGE_STARTS + offset > moment:
                break
            person = ("mother", "nb", f"Parent {enrolled}", None, f"parent{enrolled}@test.example")
            enrol_family(app, now=moment.astimezone(dt.UTC), people=[person])
            enrolled += 1
        dispatch(runner, moment)
        moment += EVERY

    waiting = outbox(app)
    assert len(waiting) == len(ENROLMENTS)
    assert all(m.status == MessageStatus.pending and m.sent_at is None for m in waiting)
    assert all(m.attempts >= 1 and m.last_error.startswith("SMTP connection failed") for m in waiting)
    assert all(m.next_attempt_at > OUTAGE_STARTS + HOUR - EVERY for m in waiting)  # a retry ahead for each
    assert max(m.attempts for m in waiting) == 3  # 10 then 20 minutes apart: backing off, not hammering
    with app.app_context():
        assert set(db.session.scalars(select(ContactAttempt.outcome))) == {"retry"}
        assert db.session.scalars(select(Alert)).all() == []  # a waiting message is nobody's alarm yet

    with smtp_server(port=relay_port) as (mailbox, _port):  # back on the port the portal was given
        moment = OUTAGE_STARTS + HOUR
        while moment <= OUTAGE_STARTS + 2 * HOUR:
            dispatch(runner, moment)
            moment += EVERY
    sent = outbox(app)
    assert all(m.status == MessageStatus.sent for m in sent)
    # each at its next scheduled retry, the last 85 minutes after the outage began
    assert all(m.sent_at and m.sent_at <= OUTAGE_STARTS + HOUR + dt.timedelta(minutes=30) for m in sent)
    addresses = sorted(to for mail in mailbox.mails for to in mail.to)
    assert addresses == sorted(f"parent{n}@test.example" for n in range(len(ENROLMENTS)))  # each once
    assert len({mail.message_id for mail in mailbox.mails}) == len(ENROLMENTS)
