"""Resends, declines and alerts through the real dispatcher, SMTP server and SMS gateway."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.db import db
from portal.families.models import Alert
from portal.messaging.models import ContactAttempt, MessageKind, MessageStatus, OutboxMessage
from tests.messaging.conftest import BASE_URL
from tests.messaging.journey import Journey, oslo
from tests.messaging.servers import Gateway, Mailbox
from tests.support.builders import Enrolled, enrol_family, family_by_pseudonym, raise_test_alert

pytestmark = pytest.mark.databases

MOTHER = ("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")
ENROLLED_AT = oslo(2026, 9, 1, 14, 0)
ON_CALL = "vakt@familiestudien.example"  # studies/family-partner.yaml


@pytest.fixture
def journey(app: Flask, runner: FlaskCliRunner, gateway: Gateway, mailbox: Mailbox) -> Journey:
    return Journey(app, runner, gateway, mailbox)


def _cli(runner: FlaskCliRunner, *args: str, at: dt.datetime) -> str:
    result = runner.invoke(args=[*args, "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def _enrolled(app: Flask, journey: Journey) -> Enrolled:
    family = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER])
    journey.dispatch(ENROLLED_AT)  # the T0 invitation
    return family


def test_a_resend_at_night_goes_in_the_morning_once_on_each_channel_with_the_current_link(
    app: Flask, runner: FlaskCliRunner, journey: Journey
) -> None:
    family = _enrolled(app, journey)
    (mother,) = family.respondents
    night = oslo(2026, 9, 2, 22, 15)
    said = _cli(runner, "resend", mother, "--wave", "T0", "--channel", "sms", "--channel", "email", at=night)
    assert "it goes at 2026-09-03 09:00 (study time)" in said
    before = len(journey.deliveries)
    journey.dispatch(night)
    journey.dispatch(oslo(2026, 9, 3, 8, 59))
    assert len(journey.deliveries) == before  # quiet hours
    journey.dispatch(oslo(2026, 9, 3, 9, 0))
    resent = journey.deliveries[before:]
    assert sorted((d.channel, d.to) for d in resent) == [("email", MOTHER[4]), ("sms", MOTHER[3])]
    link = f"{BASE_URL}/s/{family.tokens[f'{mother}/T0']}"
    assert all("Her er lenken til spørreskjemaet ditt" in d.text and link in d.text for d in resent)
    journey.dispatch(oslo(2026, 9, 3, 9, 30))
    assert len(journey.deliveries) == before + 2


def test_declines_this_wave_stops_its_reminders_and_the_next_wave_still_comes(
    app: Flask, runner: FlaskCliRunner, journey: Journey
) -> None:
    family = _enrolled(app, journey)
    (mother,) = family.respondents
    _cli(runner, "attempt", mother, "--wave", "T0", "--channel", "phone", "--outcome", "declines",
         at=oslo(2026, 9, 2, 11, 0))
    journey.walk(until=oslo(2026, 11, 25))
    assert [(d.at, d.channel) for d in journey.deliveries] == [
        (oslo(2026, 9, 1, 14, 0), "sms"),  # the T0 invitation, before the call
        (oslo(2026, 11, 24, 9, 0), "sms"),  # T1's invitation: a decline is for one wave only
    ]


def test_a_safety_alert_tells_the_on_call_address_at_night_and_names_nobody(
    app: Flask, journey: Journey, mailbox: Mailbox
) -> None:
    family = _enrolled(app, journey)
    night = oslo(2026, 9, 2, 23, 40)
    raise_test_alert(app, family.family, now=night.astimezone(dt.UTC))
    journey.dispatch(night)
    [mail] = [m for m in mailbox.mails if m.to == [ON_CALL]]
    assert mail.subject == "Familiestudien: et varsel må følges opp"
    assert f"{BASE_URL}/staff/alerts" in mail.body and "Logg inn" in mail.body
    identifying = [family.family, family.respondents[0], "Kari", "Testesen", MOTHER[3], "91111111", MOTHER[4],
                   "T0", "PHQ", "phq9", "mother", "item"]
    words = f"{mail.subject}\n{mail.body}".lower()
    assert [word for word in identifying if word.lower() in words] == []
    journey.dispatch(night + dt.timedelta(hours=1))
    assert len([m for m in mailbox.mails if m.to == [ON_CALL]]) == 1


def test_without_an_on_call_address_the_alert_message_fails_once_and_raises_no_further_alert(
    app: Flask, journey: Journey, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = _enrolled(app, journey)
    protocol = app.extensions["portal.protocol"]
    monkeypatch.setitem(app.extensions, "portal.protocol", replace(protocol, on_call=None))
    moment = oslo(2026, 9, 2, 10, 0)
    raise_test_alert(app, family.family, now=moment.astimezone(dt.UTC))
    journey.dispatch(moment)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).filter_by(kind=MessageKind.alert)).one()
        assert (message.status, message.last_error) == (
            MessageStatus.failed, "the study file names no on-call address (study.on_call)")
        assert db.session.scalar(select(func.count()).select_from(Alert)) == 1  # no alert about the alert
        baseline = family_by_pseudonym(family.family).respondents[0].invitations[0]
        assert db.session.scalar(select(func.count()).select_from(ContactAttempt).filter_by(
            invitation_id=baseline.id, outcome="failed")) == 0
    assert all(m.to != [ON_CALL] for m in mailbox.mails)
