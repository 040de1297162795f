"""Builders with keyword arguments: a family enrolled the way a coordinator would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

import portal.registry as registry
from portal.contacts import ContactDetails
from portal.db import db
from portal.families.consent import Consent
from portal.families.enrolment import NewFamily
from portal.families.models import Family, Respondent, Response
from portal.messaging.on_call import raise_alert
from portal.security import derive_token
from portal.staff.enrolment import Person, enrol, people_to_respondents


@dataclass(frozen=True)
class Enrolled:
    family: str
    respondents: list[str]
    tokens: dict[str, str]  # "<respondent pseudonym>/<wave>" -> link token


def enrol_family(
    app: Flask, *, now: dt.datetime, site: str = "larvik", arm: str | None = "family_partner",
    people: list[tuple[str, str, str, str | None, str | None]] | None = None,
    child_birth_month: dt.date = dt.date(2018, 5, 1), consents: list[Consent | None] | None = None,
) -> Enrolled:
    people = people or [("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")]
    consents = consents or [None] * len(people)
    persons = [Person(r, lang, ContactDetails(n, p, e), consent)
               for (r, lang, n, p, e), consent in zip(people, consents, strict=True)]
    with app.app_context():
        new = NewFamily(
            site=site, baseline=now.astimezone(registry.protocol().timezone).date(),
            respondents=people_to_respondents(persons), child_birth_month=child_birth_month,
            consent_version="v1", arm=arm,
        )
        family = enrol(new, persons, actor="test", now=now)
        key = registry.settings().link_key
        tokens = {
            f"{r.pseudonym}/{i.wave}": derive_token(key, i.id, i.token_generation).reveal()
            for r in family.respondents for i in r.invitations
        }
        return Enrolled(family.pseudonym, [r.pseudonym for r in family.respondents], tokens)


def family_by_pseudonym(pseudonym: str) -> Family:
    return db.session.scalars(select(Family).filter_by(pseudonym=pseudonym)).one()


def answer_baseline(app: Flask, respondent: str, *, now: dt.datetime) -> None:
    """The parent answered WHO-5 (one item) at T0 and sent it: their baseline is complete."""
    with app.app_context():
        parent = db.session.scalars(select(Respondent).filter_by(pseudonym=respondent)).one()
        invitation = parent.invitations[0]
        invitation.start(now)
        db.session.add(Response(invitation_id=invitation.id, instrument_id="who5", instrument_version="1",
                                language="nb", answers={"who5_1": 3}, status="completed",
                                started_at=now, completed_at=now))
        invitation.complete(now)
        db.session.commit()


def raise_test_alert(app: Flask, family: str, *, now: dt.datetime, kind: str = "phq9_item9",
                     tell_on_call: bool = True) -> int:
    """An alert on the family's first parent's baseline, as an answer that needs a follow-up raises it."""
    with app.app_context():
        found = family_by_pseudonym(family)
        respondent = found.respondents[0]
        alert_id = raise_alert(db.session.connection(), family_id=found.id, respondent_id=respondent.id,
                               invitation_id=respondent.invitations[0].id, kind=kind, detail="wave T0",
                               now=now, tell_on_call=tell_on_call)
        db.session.commit()
        return alert_id
