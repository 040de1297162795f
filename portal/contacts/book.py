"""Add, read and look up contact details, sealed field by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import phonenumbers
from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from portal.contacts.crypto import FieldCipher, blind_index
from portal.contacts.models import Contact
from portal.db import db


class InvalidContact(ValueError):
    """A phone number or e-mail address that cannot be used. The message never repeats it."""


@dataclass(frozen=True, slots=True)
class ContactDetails:
    name: str
    phone: str | None  # E.164
    email: str | None

    def __repr__(self) -> str:
        return "ContactDetails(<sealed>)"


def normalise_phone(raw: str, region: str = "NO") -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidContact("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("not a valid phone number (Norwegian numbers need 8 digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in text) or len(text) > 254:
        raise InvalidContact("not an e-mail address")
    return f"{local}@{domain.lower()}"


class ContactBook:
    def __init__(self, session: Session, cipher: FieldCipher, index_key: bytes) -> None:
        self.session = session
        self.cipher = cipher
        self.index_key = index_key

    def add(self, pseudonym: str, details: ContactDetails, now: dt.datetime) -> None:
        contact = Contact(respondent_pseudonym=pseudonym, updated_at=now)
        self._fill(contact, details)
        self.session.add(contact)

    def replace(self, pseudonym: str, details: ContactDetails, now: dt.datetime) -> None:
        contact = self._row(pseudonym)
        self._fill(contact, details)
        contact.updated_at = now

    def get(self, pseudonym: str) -> ContactDetails | None:
        contact = self.session.scalars(select(Contact).filter_by(respondent_pseudonym=pseudonym)).first()
        if contact is None:
            return None
        return ContactDetails(
            name=_open(self.cipher, contact.name_sealed, pseudonym, "name") or "",
            phone=_open(self.cipher, contact.phone_sealed, pseudonym, "phone"),
            email=_open(self.cipher, contact.email_sealed, pseudonym, "email"),
        )

    def reach(self, pseudonyms: Collection[str]) -> ContactBatch:
        """Phone numbers and e-mail addresses of many respondents in one query, opened one by one on use.

        For the dispatcher's batches; names are not read at all: a message never needs one.
        """
        rows = self.session.execute(
            select(Contact.respondent_pseudonym, Contact.phone_sealed, Contact.email_sealed)
            .where(Contact.respondent_pseudonym.in_(set(pseudonyms)))
        )
        return ContactBatch(self.cipher, {pseudonym: (phone, email) for pseudonym, phone, email in rows})

    def get_many(self, pseudonyms: Collection[str]) -> dict[str, ContactDetails]:
        """Names, phones and e-mails of many respondents, read in few queries (for a page of a list)."""
        found = {}
        for contact in self._rows(pseudonyms):
            owner = contact.respondent_pseudonym
            found[owner] = ContactDetails(
                name=_open(self.cipher, contact.name_sealed, owner, "name") or "",
                phone=_open(self.cipher, contact.phone_sealed, owner, "phone"),
                email=_open(self.cipher, contact.email_sealed, owner, "email"),
            )
        return found

    def names(self, pseudonyms: Collection[str]) -> dict[str, str]:
        """Only the names of many respondents, opened in memory for a search by part of a name."""
        found = {}
        for chunk in _chunks(sorted(set(pseudonyms))):
            rows = self.session.execute(select(Contact.respondent_pseudonym, Contact.name_sealed)
                                        .where(Contact.respondent_pseudonym.in_(chunk)))
            found.update({owner: _open(self.cipher, sealed, owner, "name") or "" for owner, sealed in rows})
        return found

    def find(self, *, phone: str | None = None, email: str | None = None) -> list[str]:
        """Pseudonyms already enrolled with this phone or e-mail (normalised values)."""
        conditions = []
        if phone:
            conditions.append(Contact.phone_index == blind_index(self.index_key, "phone", phone))
        if email:
            conditions.append(Contact.email_index == blind_index(self.index_key, "email", email.lower()))
        if not conditions:
            return []
        return list(self.session.scalars(select(Contact.respondent_pseudonym).where(or_(*conditions))))

    def erase(self, pseudonym: str) -> None:
        self.session.execute(delete(Contact).where(Contact.respondent_pseudonym == pseudonym))

    def _rows(self, pseudonyms: Collection[str]) -> list[Contact]:
        rows: list[Contact] = []
        for chunk in _chunks(sorted(set(pseudonyms))):
            rows.extend(self.session.scalars(select(Contact).where(Contact.respondent_pseudonym.in_(chunk))))
        return rows

    def _row(self, pseudonym: str) -> Contact:
        return self.session.scalars(select(Contact).filter_by(respondent_pseudonym=pseudonym)).one()

    def _fill(self, contact: Contact, details: ContactDetails) -> None:
        owner = contact.respondent_pseudonym
        contact.name_sealed = self.cipher.seal(details.name, owner=owner, field="name")
        contact.phone_sealed = self._seal(details.phone, owner, "phone")
        contact.email_sealed = self._seal(details.email, owner, "email")
        contact.phone_index = blind_index(self.index_key, "phone", details.phone) if details.phone else None
        contact.email_index = (
            blind_index(self.index_key, "email", details.email.lower()) if details.email else None
        )

    def _seal(self, value: str | None, owner: str, field: str) -> str | None:
        return None if value is None else self.cipher.seal(value, owner=owner, field=field)


def _chunks(values: list[str], size: int = 1000) -> list[list[str]]:
    """A long IN list in parts: SQLite limits the parameters of one statement."""
    return [values[start:start + size] for start in range(0, len(values), size)]


def _open(cipher: FieldCipher, value: str | None, owner: str, field: str) -> str | None:
    return None if value is None else cipher.open(value, owner=owner, field=field)


class ContactBatch:
    """Sealed phone numbers and addresses, each opened only when its message is about to go."""

    def __init__(self, cipher: FieldCipher, sealed: dict[str, tuple[str | None, str | None]]) -> None:
        self.cipher = cipher
        self.sealed = sealed

    def get(self, pseudonym: str) -> ContactDetails | None:
        """Raises KeystoreError for details this key cannot open, as ContactBook.get does."""
        if pseudonym not in self.sealed:
            return None
        phone, email = self.sealed[pseudonym]
        return ContactDetails(name="", phone=_open(self.cipher, phone, pseudonym, "phone"),
                              email=_open(self.cipher, email, pseudonym, "email"))

    def __repr__(self) -> str:
        return f"ContactBatch(<{len(self.sealed)} sealed>)"


def contact_book() -> ContactBook:
    """The keystore for the current app, in its own session (it may be another database)."""
    settings = current_app.config["SETTINGS"]
    cipher = FieldCipher(settings.keystore_key, *settings.keystore_old_keys)
    return ContactBook(db.keystore_session(), cipher, settings.blind_index_key)
