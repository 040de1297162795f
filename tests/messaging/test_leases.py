"""A claim is a lease: a dispatcher sends a message only while its claim on the message still holds.

Time passes while a dispatcher works through a long outbox (a rate limit, a slow relay). Here the
app's clock moves a minute with every mail the server accepts, and at each acceptance the test
reads that message's lease: had it run out, a second dispatcher could have taken the message over
and sent it as well.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, insert, select

from portal.db import db
from portal.families.models import Invitation
from portal.messaging.claims import LEASE
from portal.messaging.models import OutboxMessage
from tests.conftest import Clock
from tests.messaging.servers import Mail, Mailbox
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

MESSAGES = 30  # half an hour of sending at a minute each: several leases' worth, one batch's claim
MAIL_ONLY = ("mother", "nb", "Kari Testesen", None, "kari@test.example")


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "PORTAL_SEND_CONNECTIONS": "1"}  # one send at a time: a minute each


def _queue_reminders(app: Flask, now: dt.datetime) -> None:
    enrol_family(app, now=now, people=[MAIL_ONLY])
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        baseline = db.session.scalars(select(Invitation.id).filter_by(wave="T0")).one()
        db.session.execute(insert(OutboxMessage), [
            {"invitation_id": baseline, "kind": "reminder", "sequence": n, "idempotency_key": f"lease-r{n}",
             "due_at": now, "next_attempt_at": now, "status": "pending", "attempts": 0, "created_at": now,
             "last_error": ""}
            for n in range(MESSAGES)
        ])
        db.session.commit()


def test_a_long_run_sends_each_message_while_its_claim_still_holds(
    app: Flask, runner: FlaskCliRunner, clock: Clock, mailbox: Mailbox
) -> None:
    _queue_reminders(app, clock.now)
    started = clock.now
    out_of_lease: list[str] = []

    def a_minute_per_send(mail: Mail) -> None:
        clock.advance(minutes=1)
        key = mail.message_id.removeprefix("<").partition("@")[0]
        with app.app_context():
            lease = db.session.scalar(select(OutboxMessage.lease_until).filter_by(idempotency_key=key))
        if lease is None or lease <= clock.now:
            out_of_lease.append(key)

    mailbox.on_accept = a_minute_per_send
    result = runner.invoke(args=["dispatch"])  # no --now: the dispatcher reads the app's clock
    assert result.exit_code == 0, result.output
    assert clock.now - started > 2 * LEASE  # the run outlasted several leases
    assert out_of_lease == []
    assert sorted(Counter(mail.message_id for mail in mailbox.mails).values()) == [1] * MESSAGES
    with app.app_context():
        statuses = Counter(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == Counter({"sent": MESSAGES})
