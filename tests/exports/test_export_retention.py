"""The retention layout: one row per invitation with its dates, state and contact log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Respondent
from portal.messaging.models import ContactAttempt, OutboxMessage
from tests.conftest import Clock
from tests.exports.conftest import Seeded

pytestmark = pytest.mark.databases


def log_attempts(app: Flask, respondent: str, wave: str, at: dt.datetime) -> None:
    """An SMS and, a day later, an e-mail for one invitation; the SMS's delivery receipt too."""
    with app.app_context():
        person = db.session.scalars(select(Respondent).filter_by(pseudonym=respondent)).one()
        query = select(Invitation).filter_by(respondent_id=person.id, wave=wave)
        invitation = db.session.scalars(query).one()
        message = OutboxMessage(invitation_id=invitation.id, kind="invitation", sequence=0,
                                idempotency_key=f"test-{invitation.id}", due_at=at, next_attempt_at=at,
                                status="sent", attempts=2, created_at=at, sent_at=at)
        db.session.add(message)
        db.session.flush()
        log = ((0, "sms", "accepted"), (0, "sms", "delivered"), (1, "email", "accepted"))
        for offset, channel, outcome in log:
            db.session.add(ContactAttempt(
                message_id=message.id, invitation_id=invitation.id, channel=channel, outcome=outcome,
                at=at + dt.timedelta(days=offset), provider_id=None,
            ))
        db.session.commit()


def test_retention_rows_carry_dates_state_and_contact_attempts(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, clock: Clock, out: Path
) -> None:
    draft_only = seeded.respondents["three"][0]
    first_try = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
    log_attempts(app, draft_only, "T0", first_try)
    args = ["export", "--format", "csv", "--layout", "retention", "--blind", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    frame = pd.read_csv(out / "family-partner_retention.csv", keep_default_na=False)
    assert len(frame) == 4 * 5  # every respondent, every wave
    row = frame[(frame["respondent_id"] == draft_only) & (frame["wave"] == "T0")].iloc[0]
    assert row["state"] == "expired" and row["completed_at"] == "" and row["started_at"] != ""
    assert row["attempts"] == 2 and row["channels"] == "email+sms"  # the receipt is not an attempt
    assert row["first_attempt_at"] == "2026-09-01T09:00:00Z"
    assert row["in_window"] == -7
    done = frame[(frame["respondent_id"] == seeded.respondents["one"][0]) & (frame["wave"] == "T1")].iloc[0]
    assert done["state"] == "completed" and done["attempts"] == 0 and done["in_window"] == 1
    later = frame[(frame["respondent_id"] == seeded.respondents["two"][0]) & (frame["wave"] == "T4")].iloc[0]
    assert later["state"] == "scheduled" and later["due_date"] == "2028-03-01"
