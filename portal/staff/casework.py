"""The verbs of the family page: notes, contact details and language, links, interview mode."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.contacts import ContactDetails, InvalidContact, contact_book
from portal.contacts.book import normalise_email, normalise_phone
from portal.families.enrolment import set_link_hashes
from portal.families.links import link_for
from portal.families.models import Family, Invitation, Respondent
from portal.security import derive_access_code
from portal.staff.i18n import _
from portal.staff.intake import contact_problem
from portal.staff.models import StaffUser
from portal.staff.records import Note

NOTE_LIMIT = 2000


class CaseworkError(ValueError):
    """Input for the family page that cannot be used; the message is for the coordinator."""


class ContactRefused(CaseworkError):
    """Contact details the form cannot use; `errors` maps each form field to the message beside it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class LinkShown:
    link: str
    access_code: str


def last_open_day(invitation: Invitation) -> dt.date:
    """closes_at is the first moment the window is shut: the day before it is the last one open."""
    zone = registry.protocol().timezone
    return (invitation.closes_at.astimezone(zone) - dt.timedelta(days=1)).date()


def notes(session: Session, family: Family) -> list[Note]:
    return list(session.scalars(select(Note).filter_by(family_id=family.id).order_by(Note.written_at)))


def add_note(session: Session, family: Family, user: StaffUser, text: str, now: dt.datetime) -> Note:
    text = text.strip()
    if not text:
        raise CaseworkError(_("Write something in the note first."))
    if len(text) > NOTE_LIMIT:
        raise CaseworkError(_("A note holds at most %(limit)s characters.", limit=NOTE_LIMIT))
    note = Note(family_id=family.id, author_id=user.id, written_at=now, text=text)
    session.add(note)
    record(session, now=now, actor=user.actor, action="note_added", subject=family.pseudonym)
    return note


def view_contacts(
    session: Session, family: Family, user: StaffUser, now: dt.datetime
) -> dict[str, ContactDetails | None]:
    """A coordinator's look at who a family is: read from the keystore, and audited."""
    book = contact_book()
    contacts = {r.pseudonym: book.get(r.pseudonym) for r in family.respondents}
    record(session, now=now, actor=user.actor, action="contacts_viewed", subject=family.pseudonym)
    return contacts


def read_contact(
    session: Session, respondent: Respondent, user: StaffUser, now: dt.datetime
) -> ContactDetails | None:
    """One respondent's contact details, for the form that changes them: read, and audited."""
    record(session, now=now, actor=user.actor, action="contact_viewed", subject=respondent.pseudonym)
    return contact_book().get(respondent.pseudonym)


def contact_details(name: str, phone: str, email: str) -> ContactDetails:
    """Checked and normalised contact details, or ContactRefused naming every field that is wrong."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the parent's name.")
    checked = {}
    for field, raw, normalise in (("phone", phone, normalise_phone), ("email", email, normalise_email)):
        try:
            checked[field] = normalise(raw) if raw.strip() else None
        except InvalidContact as problem:
            errors[field] = contact_problem(problem)
    if not (phone.strip() or email.strip()):
        errors["phone"] = _("Give a phone number or an e-mail address.")
    if errors:
        raise ContactRefused(errors)
    return ContactDetails(name=name.strip(), phone=checked["phone"], email=checked["email"])


def change_contact(
    session: Session, respondent: Respondent, user: StaffUser, details: ContactDetails, language: str,
    now: dt.datetime,
) -> None:
    if language not in registry.protocol().languages:
        raise ContactRefused({"language": _("Choose one of the study's languages.")})
    book = contact_book()
    if book.get(respondent.pseudonym) is None:
        book.add(respondent.pseudonym, details, now)
    else:
        book.replace(respondent.pseudonym, details, now)
    changed_language = respondent.language != language
    respondent.language = language
    record(session, now=now, actor=user.actor, action="contact_changed", subject=respondent.pseudonym,
           language_changed=changed_language)


def show_link(session: Session, invitation: Invitation, user: StaffUser, now: dt.datetime) -> LinkShown:
    """The current link and access code, to read out or paste; the showing is audited."""
    code = derive_access_code(registry.settings().link_key, invitation.id, invitation.token_generation)
    record(session, now=now, actor=user.actor, action="link_shown",
           subject=invitation.respondent.pseudonym, wave=invitation.wave)
    return LinkShown(link=link_for(invitation), access_code=code.reveal())


def revoke_link(session: Session, invitation: Invitation, user: StaffUser, now: dt.datetime) -> None:
    """Every earlier link and code of this invitation stops working; the new one is shown on request."""
    invitation.token_generation += 1
    set_link_hashes(registry.settings().link_key, invitation)
    record(session, now=now, actor=user.actor, action="link_revoked",
           subject=invitation.respondent.pseudonym, wave=invitation.wave,
           generation=invitation.token_generation)


def start_interview(session: Session, invitation: Invitation, user: StaffUser, now: dt.datetime) -> None:
    """Raises InvitationClosed when the invitation is not open or started."""
    if invitation.respondent.family.status != "active":
        raise CaseworkError(_("This family has stopped contact; no interview can be started."))
    invitation.start(now)
    record(session, now=now, actor=user.actor, action="interview_started",
           subject=invitation.respondent.pseudonym, wave=invitation.wave)
