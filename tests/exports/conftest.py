"""Seeding for export tests: families enrolled as a coordinator would, answers stored as parents do."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal import registry
from portal.db import db
from portal.families.models import Invitation, Respondent, Response
from portal.staff.models import StaffUser
from tests.conftest import Clock
from tests.support.builders import enrol_family

PEOPLE = {
    "one": [("mother", "nb", "Ingrid Fjellheim", "+4792345678", "ingrid.fjellheim@test.example"),
            ("father", "ar", "Yusuf Rahimi", "+4792345679", "yusuf.rahimi@test.example")],
    "two": [("carer", "pl", "Zofia Kowalska", "+4798765432", "zofia.kowalska@test.example")],
    "three": [("mother", "en", "Aisha Warsame", "+4790011223", "aisha.warsame@test.example")],
}
IDENTITIES = [part for people in PEOPLE.values() for person in people for part in person[2:]]
ARMS = ("family_partner", "usual_services")


@dataclass
class Seeded:
    families: dict[str, str]  # key -> family pseudonym
    respondents: dict[str, list[str]]  # key -> respondent pseudonyms
    answers: dict[tuple[str, str, str], dict[str, Any]]  # (respondent, wave, instrument) -> answers


def answer_wave(
    respondent: str, wave: str, now: dt.datetime, rng: random.Random, *, submit: bool = True,
    mode: str = "web", skip: tuple[str, ...] = (),
) -> dict[str, dict[str, Any]]:
    """Store answers to every instrument of the wave (items in `skip` left blank), then submit."""
    session = db.session
    person = session.scalars(select(Respondent).filter_by(pseudonym=respondent)).one()
    invitation = session.scalars(select(Invitation).filter_by(respondent_id=person.id, wave=wave)).one()
    invitation.start(now)
    stored: dict[str, dict[str, Any]] = {}
    for instrument_id in invitation.instruments:
        instrument = registry.catalogue()[instrument_id]
        answers = {i.id: (None if i.id in skip else rng.choice(i.codes())) for i in instrument.items}
        invitation.responses.append(Response(
            instrument_id=instrument_id, instrument_version=instrument.version, language=person.language,
            mode=mode, answers=answers, status="draft", started_at=now,
        ))
        stored[instrument_id] = answers
    if submit:
        invitation.complete(now)
        for response in invitation.responses:
            response.status, response.completed_at = "completed", now
    session.commit()
    return stored


def seed_study(app: Flask, clock: Clock) -> Seeded:
    """Three families: both arms, three roles, T0 answered (one only as a draft), T1 answered by one."""
    rng = random.Random(7)
    seeded = Seeded({}, {}, {})
    for index, (key, people) in enumerate(PEOPLE.items()):
        enrolled = enrol_family(app, now=clock.now, site="larvik", arm=ARMS[index % 2], people=people)
        seeded.families[key], seeded.respondents[key] = enrolled.family, enrolled.respondents
    moment = clock.now + dt.timedelta(hours=2)
    with app.app_context():
        for key, respondents in seeded.respondents.items():
            for respondent in respondents:
                skip = ("who5_5",) if key == "two" else ()
                done = answer_wave(respondent, "T0", moment, rng, submit=key != "three", skip=skip)
                for instrument_id, answers in done.items():
                    seeded.answers[(respondent, "T0", instrument_id)] = answers
        t1 = moment + dt.timedelta(days=92)
        respondent = seeded.respondents["one"][0]
        for instrument_id, answers in answer_wave(respondent, "T1", t1, rng, mode="interview").items():
            seeded.answers[(respondent, "T1", instrument_id)] = answers
    clock.now = moment + dt.timedelta(days=100)
    return seeded


@pytest.fixture
def seeded(app: Flask, clock: Clock) -> Seeded:
    return seed_study(app, clock)


def make_user(app: Flask, *, role: str, blinded: bool, email: str | None = None, language: str = "en") -> int:
    """An account whose pages speak English unless `language` says otherwise."""
    with app.app_context():
        user = StaffUser(email=email or f"{role}-{int(blinded)}@staff.example", password_hash="-", role=role,
                         sites=[], blinded=blinded, active=True, created_at=registry.now(),
                         totp_secret="JBSWY3DPEHPK3PXP", language=language)
        db.session.add(user)
        db.session.commit()
        return user.id


def record_unblinding(
    app: Flask, runner: FlaskCliRunner, reason: str = "database locked, analysis plan signed"
) -> int:
    """An admin records the unblinding decision, as the data manager does from the shell."""
    admin = make_user(app, role="admin", blinded=False, email="trial-admin@staff.example")
    result = runner.invoke(args=["blinding", "unblind", "--admin", "trial-admin@staff.example",
                                 "--reason", reason])
    assert result.exit_code == 0, result.output
    return admin


def sign_in(client: FlaskClient, user_id: int, at: dt.datetime) -> None:
    """What the staff sign-in leaves in the session: the account, when it signed in and was last seen,
    and the account's session epoch."""
    with client.session_transaction() as session:
        session["staff_user"] = user_id
        session["staff_seen"] = session["staff_since"] = at.isoformat()
        session["staff_epoch"] = 0  # a new account's


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "export"
    yield folder
