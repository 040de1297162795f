"""A family enrolled on a given date gets exactly the protocol's messages over 18 months, at decent hours.

Real servers: aiosmtpd for e-mail and a local HTTP server for the SMS gateway.
Time moves only through `flask --app portal dispatch --now`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Family, Invitation
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.security import derive_access_code
from tests.conftest import Clock
from tests.messaging.conftest import BASE_URL
from tests.messaging.journey import Journey, oslo
from tests.messaging.servers import Gateway, Mailbox
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases

MOTHER = ("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")
FATHER = ("father", "ar", "Omar Testesen", None, "omar@test.example")
ENROLLED_AT = oslo(2026, 9, 1, 14, 0)
NINE = (9, 0)

# Family Partner protocol, enrolled 1 September 2026 at 14:00: (wave, kind, Oslo date, time)
EXPECTED = [
    ("T0", "invitation", (2026, 9, 1), (14, 0)), ("T0", "reminder", (2026, 9, 4), NINE),
    ("T0", "reminder", (2026, 9, 8), NINE), ("T0", "reminder", (2026, 9, 22), NINE),
    ("T0", "last", (2026, 9, 29), NINE),
    ("T1", "invitation", (2026, 11, 24), NINE), ("T1", "reminder", (2026, 12, 1), NINE),
    ("T1", "reminder", (2026, 12, 8), NINE), ("T1", "reminder", (2026, 12, 22), NINE),
    ("T1", "last", (2026, 12, 29), NINE),
    ("T2", "invitation", (2027, 2, 22), NINE), ("T2", "reminder", (2027, 3, 1), NINE),
    ("T2", "reminder", (2027, 3, 8), NINE), ("T2", "reminder", (2027, 3, 22), NINE),
    ("T2", "last", (2027, 3, 29), NINE),  # the day after summer time begins
    ("T3", "invitation", (2027, 8, 18), NINE), ("T3", "reminder", (2027, 8, 25), NINE),
    ("T3", "reminder", (2027, 9, 1), NINE), ("T3", "reminder", (2027, 9, 15), NINE),
    ("T3", "reminder", (2027, 10, 6), NINE), ("T3", "last", (2027, 10, 13), NINE),
    ("T4", "invitation", (2028, 2, 16), NINE), ("T4", "reminder", (2028, 2, 23), NINE),
    ("T4", "reminder", (2028, 3, 1), NINE), ("T4", "reminder", (2028, 3, 15), NINE),
    ("T4", "reminder", (2028, 4, 5), NINE), ("T4", "last", (2028, 4, 12), NINE),
]
SMS_START = {"invitation": "Et nytt spørreskjema", "reminder": "Spørreskjemaet ditt venter",
             "last": "I dag er siste dag"}
MAIL_START = {"invitation": "استبيان جديد", "reminder": "تذكير", "last": "اليوم آخر يوم"}


@pytest.fixture
def journey(app: Flask, runner: FlaskCliRunner, gateway: Gateway, mailbox: Mailbox) -> Journey:
    return Journey(app, runner, gateway, mailbox)


def _code(app: Flask, pseudonym: str, wave: str) -> str:
    with app.app_context():
        invitation = _invitation(pseudonym, wave)
        key = app.config["SETTINGS"].link_key
        return derive_access_code(key, invitation.id, invitation.token_generation).reveal()


def _invitation(pseudonym: str, wave: str) -> Invitation:
    from portal.families.models import Respondent

    return db.session.scalars(select(Invitation).join(Respondent).where(
        Respondent.pseudonym == pseudonym, Invitation.wave == wave)).one()


def test_a_family_gets_exactly_the_protocols_messages_over_18_months(
    app: Flask, clock: Clock, journey: Journey
) -> None:
    enrolled = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER, FATHER])
    journey.walk(until=oslo(2028, 6, 1))

    mother, father = enrolled.respondents
    by_phone = [d for d in journey.deliveries if d.to == MOTHER[3]]
    by_mail = [d for d in journey.deliveries if d.to == FATHER[4]]
    assert len(journey.deliveries) == len(by_phone) + len(by_mail) == 2 * len(EXPECTED)
    assert all(d.channel == "sms" for d in by_phone)  # SMS first where there is a phone
    assert all(d.channel == "email" for d in by_mail)
    for deliveries, pseudonym, starts in ((by_phone, mother, SMS_START), (by_mail, father, MAIL_START)):
        for delivery, (wave, kind, day, clock_time) in zip(deliveries, EXPECTED, strict=True):
            assert delivery.at == oslo(*day, *clock_time)
            assert dt.time(9) <= delivery.at.time() < dt.time(20)
            assert starts[kind] in delivery.text
            assert f"{BASE_URL}/s/{enrolled.tokens[f'{pseudonym}/{wave}']}" in delivery.text
            assert _code(app, pseudonym, wave) in delivery.text
            assert "Familiestudien" in delivery.text and "Testesen" not in delivery.text
    assert journey.next_due() is None


def test_nothing_after_a_wave_is_completed_or_the_family_withdraws(
    app: Flask, journey: Journey
) -> None:
    enrolled = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER])
    (mother,) = enrolled.respondents

    def complete_baseline() -> None:
        moment = oslo(2026, 9, 5, 10, 0).astimezone(dt.UTC)
        with app.app_context():
            invitation = _invitation(mother, "T0")
            invitation.start(moment)
            invitation.complete(moment)
            db.session.commit()

    def withdraw() -> None:
        moment = oslo(2026, 12, 5, 10, 0).astimezone(dt.UTC)
        with app.app_context():
            family = db.session.scalars(select(Family).filter_by(pseudonym=enrolled.family)).one()
            for invitation in family.respondents[0].invitations:
                if invitation.state(moment) in ("scheduled", "open", "started"):
                    invitation.withdraw(moment)
            db.session.commit()

    journey.walk(until=oslo(2028, 6, 1), events=[
        (oslo(2026, 9, 5, 10, 0).astimezone(dt.UTC), complete_baseline),
        (oslo(2026, 12, 5, 10, 0).astimezone(dt.UTC), withdraw),
    ])
    assert [d.at for d in journey.deliveries] == [
        oslo(2026, 9, 1, 14, 0), oslo(2026, 9, 4, 9, 0),  # T0 invitation, first reminder, then completed
        oslo(2026, 11, 24, 9, 0), oslo(2026, 12, 1, 9, 0),  # T1 invitation, first reminder, then withdrawn
    ]
    with app.app_context():
        cancelled = db.session.scalars(select(OutboxMessage.last_error).where(
            OutboxMessage.status == MessageStatus.cancelled)).all()
    assert set(cancelled) == {"invitation completed", "invitation withdrawn"}


def test_a_family_that_stopped_contact_gets_nothing_more(app: Flask, journey: Journey) -> None:
    enrolled = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER])
    journey.dispatch(ENROLLED_AT)
    with app.app_context():
        family = db.session.scalars(select(Family).filter_by(pseudonym=enrolled.family)).one()
        family.status = "contact_stopped"
        db.session.commit()
    journey.walk(until=oslo(2028, 6, 1))
    assert [d.at for d in journey.deliveries] == [ENROLLED_AT]


def test_enrolled_late_in_the_evening_the_invitation_waits_for_the_morning(
    app: Flask, journey: Journey
) -> None:
    enrol_family(app, now=oslo(2026, 9, 1, 22, 30).astimezone(dt.UTC), people=[MOTHER])
    journey.dispatch(oslo(2026, 9, 1, 22, 31))
    journey.dispatch(oslo(2026, 9, 2, 8, 59))
    assert journey.deliveries == []
    journey.dispatch(oslo(2026, 9, 2, 9, 0))
    assert [d.at for d in journey.deliveries] == [oslo(2026, 9, 2, 9, 0)]


def test_a_dispatcher_that_runs_late_waits_for_the_next_morning_rather_than_texting_at_night(
    app: Flask, journey: Journey
) -> None:
    enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER])
    journey.dispatch(oslo(2026, 9, 1, 23, 15))  # cron was down all afternoon
    assert journey.deliveries == []
    assert journey.next_due() == oslo(2026, 9, 2, 9, 0)
    journey.dispatch(oslo(2026, 9, 2, 9, 0))
    assert len(journey.deliveries) == 1


def test_every_attempt_is_logged_under_the_invitation_without_contact_data(
    app: Flask, journey: Journey
) -> None:
    enrolled = enrol_family(app, now=ENROLLED_AT.astimezone(dt.UTC), people=[MOTHER, FATHER])
    journey.dispatch(ENROLLED_AT)
    with app.app_context():
        attempts = db.session.scalars(select(ContactAttempt).order_by(ContactAttempt.id)).all()
        assert [(a.channel, a.outcome) for a in attempts] == [("sms", "accepted"), ("email", "accepted")]
        assert attempts[0].provider_id == "gw-1"
        assert attempts[1].provider_id and attempts[1].provider_id.startswith("<inv")
        assert [a.message.invitation.respondent.pseudonym for a in attempts] == enrolled.respondents
        assert all(a.at == ENROLLED_AT for a in attempts)
