"""Staff contact attempts in the retention layout: a count per invitation, the latest outcome, no note."""

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
from portal.staff.records import StaffAttempt
from tests.exports.conftest import Seeded

pytestmark = pytest.mark.databases
NOTE = "TEST NOTE: rang at the door twice"


def record(app: Flask, respondent: str, wave: str, outcomes: list[str]) -> None:
    with app.app_context():
        person = db.session.scalars(select(Respondent).filter_by(pseudonym=respondent)).one()
        query = select(Invitation).filter_by(respondent_id=person.id, wave=wave)
        invitation = db.session.scalars(query).one()
        for hours, outcome in enumerate(outcomes):
            db.session.add(StaffAttempt(invitation_id=invitation.id, channel="phone", outcome=outcome,
                                        note=NOTE, at=invitation.opens_at + dt.timedelta(hours=hours)))
        db.session.commit()


def test_the_retention_export_counts_staff_attempts_with_the_latest_outcome_and_no_note(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    tried = seeded.respondents["three"][0]
    record(app, tried, "T0", ["no_answer", "message_left", "will_answer"])
    record(app, tried, "T1", ["declines"])
    args = ["export", "--format", "csv", "--layout", "retention", "--blind", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    text = (out / "family-partner_retention.csv").read_text(encoding="utf-8")
    assert "rang at the door" not in text
    frame = pd.read_csv(out / "family-partner_retention.csv", keep_default_na=False)
    mine = frame[frame["respondent_id"] == tried].set_index("wave")
    assert (mine.loc["T0", "staff_attempts"], mine.loc["T0", "staff_outcome"]) == (3, "will_answer")
    assert (mine.loc["T1", "staff_attempts"], mine.loc["T1", "staff_outcome"]) == (1, "declines")
    assert mine.loc["T0", "attempts"] == 0  # the dispatcher's messages are counted apart
    others = frame[frame["respondent_id"] != tried]
    assert set(others["staff_attempts"]) == {0} and set(others["staff_outcome"]) == {""}
