"""What messaging writes (outbox, contact log, alerts, logs, command output) holds no contact data or link."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text

from portal.db import db
from tests.messaging.journey import oslo
from tests.messaging.servers import Gateway, Mailbox
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

PEOPLE = [("mother", "nb", "Ingrid Fjellheim", "+4792345678", "ingrid@test.example"),
          ("father", "uk", "Taras Melnyk", None, "taras@test.example")]
ENROLLED_AT = oslo(2026, 9, 1, 14, 0)


def test_no_contact_data_or_link_leaves_the_dispatcher(
    app: Flask, runner: FlaskCliRunner, gateway: Gateway, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    enrolled = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=PEOPLE)
    mailbox.refuse_with = "550 5.1.1 <taras@test.example>: no such mailbox"  # a failure path too
    caplog.set_level("DEBUG")
    output = runner.invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()]).output
    assert output.startswith("sent 1, retried 0, failed 1,")
    with app.app_context():
        rows = [str(row) for table in ("outbox_message", "contact_attempt", "alert")
                for row in db.session.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608 (fixed names)
    ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]  # not the test server's own log
    written = "\n".join(rows + ours + [output]).lower()
    assert "inv" in written and "bounced" in written  # the rows are really there
    for secret in ("92345678", "ingrid", "fjellheim", "taras", "melnyk", "test.example", "/s/",
                   *enrolled.tokens.values()):
        assert secret.lower() not in written
