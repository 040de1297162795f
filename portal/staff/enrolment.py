"""Enrolment as the research assistant does it: the family, its schedule, its allocation, its contacts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from portal import registry
from portal.audit import record
from portal.contacts import ContactDetails, contact_book
from portal.db import db
from portal.families.consent import Consent
from portal.families.enrolment import EnrolmentError, NewFamily, NewRespondent, enrol_family
from portal.families.models import Family
from portal.messaging.planning import plan_family
from portal.staff import allocation


@dataclass(frozen=True, slots=True)
class Person:
    role: str
    language: str
    contact: ContactDetails
    consent: Consent | None = None  # None: the family's consent version, signed on the baseline day


def enrol(
    new: NewFamily, people: Sequence[Person], *, actor: str, now: dt.datetime, allocate: bool = False
) -> Family:
    """Enrol one family and commit it."""
    family = add_family(new, people, actor=actor, now=now, allocate=allocate)
    commit_both()
    return family


def add_family(
    new: NewFamily, people: Sequence[Person], *, actor: str, now: dt.datetime, allocate: bool = False
) -> Family:
    """Write the family in the main store and its contacts in the keystore, without committing.

    `new.arm` set means the arm was decided elsewhere and is recorded; otherwise
    `allocate` draws it from the concealed sequence now (consent is given at enrolment).
    """
    if new.arm is not None and new.arm not in registry.protocol().arm_ids():
        raise EnrolmentError(f"unknown arm {new.arm!r} (known: {', '.join(registry.protocol().arm_ids())})")
    catalogue = registry.catalogue()
    family = enrol_family(
        db.session, registry.protocol(), dataclasses.replace(new, arm=None),
        applies=lambda i, birth, on: catalogue[i].applies_to_age(birth, on),
        link_key=registry.settings().link_key, now=now,
    )
    plan_family(db.session, registry.protocol(), family, now)  # invitations and reminders, same transaction
    if new.arm is not None:
        allocation.record_decided(db.session, family, new.arm, actor=actor, now=now, audit=False)
    elif allocate:
        allocation.allocate(db.session, family, protocol=registry.protocol(),
                            key=registry.settings().allocation_key, actor=actor, now=now, audit=False)
    # one audit entry for the whole step (the allocation record holds the arm)
    record(db.session, now=now, actor=actor, action="enrol", subject=family.pseudonym,
           respondents=[r.pseudonym for r in family.respondents], consent_version=new.consent_version,
           allocation=family.allocation_method)
    book = contact_book()
    for respondent, person in zip(family.respondents, people, strict=True):
        book.add(respondent.pseudonym, person.contact, now)
    return family


def commit_both() -> None:
    """The main store commits first: if the keystore then fails, a family without contact
    details is left (visible and fixable), never contact details without a family."""
    db.session.commit()
    book = contact_book()
    if book.session is not db.session:
        book.session.commit()


def people_to_respondents(people: Sequence[Person]) -> list[NewRespondent]:
    return [NewRespondent(role=p.role, language=p.language, consent=p.consent) for p in people]
