"""Builders with keyword arguments: a family enrolled the way a coordinator would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask

import portal.registry as registry
from portal.contacts import ContactDetails
from portal.db import db
from portal.families.consent import Consent
from portal.families.enrolment import NewFamily
from portal.families.models import Family
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
    from sqlalchemy import select

    return db.session.scalars(select(Family).filter_by(pseudonym=pseudonym)).one()
