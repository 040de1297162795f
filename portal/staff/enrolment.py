"""Enrolment as the research assistant does it: the family, its schedule and its contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import portal.registry as registry
from portal.audit import record
from portal.contacts import ContactDetails, contact_book
from portal.db import db
from portal.families.enrolment import NewFamily, NewRespondent, enrol_family
from portal.families.models import Family


@dataclass(frozen=True, slots=True)
class Person:
    role: str
    language: str
    contact: ContactDetails


def enrol(new: NewFamily, people: Sequence[Person], *, actor: str, now: dt.datetime) -> Family:
    """Write the family in the main store and its contacts in the keystore, then commit both.

    The main store commits first: if the keystore then fails, a family without
    contact details is left (visible and fixable), never contact details
    without a family.
    """
    catalogue = registry.catalogue()
    family = enrol_family(
        db.session, registry.protocol(), new,
        applies=lambda i, birth, on: catalogue[i].applies_to_age(birth, on),
        link_key=registry.settings().link_key, now=now,
    )
    book = contact_book()
    for respondent, person in zip(family.respondents, people, strict=True):
        book.add(respondent.pseudonym, person.contact, now)
    record(db.session, now=now, actor=actor, action="enrol", subject=family.pseudonym,
           respondents=[r.pseudonym for r in family.respondents])
    db.session.commit()
    book.session.commit()
    return family


def people_to_respondents(people: Sequence[Person]) -> list[NewRespondent]:
    return [NewRespondent(role=p.role, language=p.language) for p in people]
