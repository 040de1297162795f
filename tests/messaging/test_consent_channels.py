"""Consent per parent decides the channel: a parent who consented to e-mail only is never texted."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.db import db
from portal.families.consent import Consent
from portal.messaging.models import OutboxMessage
from tests.messaging.journey import Journey, oslo
from tests.messaging.servers import Gateway, Mailbox
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

ENROLLED_AT = oslo(2026, 9, 1, 14, 0)
BOTH = ("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")
OTHER = ("father", "nb", "Ola Testesen", "+4791111112", "ola@test.example")


@pytest.fixture
def journey(app: Flask, runner: FlaskCliRunner, gateway: Gateway, mailbox: Mailbox) -> Journey:
    return Journey(app, runner, gateway, mailbox)


def test_a_parent_who_consented_to_email_only_gets_every_message_by_email(
    app: Flask, journey: Journey
) -> None:
    email_only = Consent("v2", dt.date(2026, 9, 1), sms=False)
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[BOTH, OTHER], consents=[email_only, None])
    journey.walk(until=oslo(2026, 10, 1))
    to_mother = [d.channel for d in journey.deliveries if "kari" in d.to or d.to.endswith("1111")]
    to_father = [d.channel for d in journey.deliveries if "ola" in d.to or d.to.endswith("1112")]
    assert to_mother == ["email"] * 5  # T0: invitation, three reminders, the last day
    assert to_father == ["sms"] * 5  # SMS first where the parent consented to it
    assert not any(payload["to"] == "+4791111111" for payload in journey.gateway.received)


def test_a_parent_who_consented_to_no_contact_gets_no_message_planned(app: Flask) -> None:
    silent = Consent("v2", dt.date(2026, 9, 1), sms=False, email=False)
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[BOTH], consents=[silent])
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
