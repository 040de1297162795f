"""Keystore key rotation and end-of-study destruction.

Rotation without downtime: deploy the new key as PORTAL_KEYSTORE_KEY with the
old one in PORTAL_KEYSTORE_OLD_KEYS (every server can then read both), run
`keys rotate` (it re-seals row by row, in small transactions), then drop the
old key. Destruction deletes every contact row; the pseudonymous data stays.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from portal.contacts.book import ContactBook
from portal.contacts.models import Contact

FIELDS = ("name", "phone", "email")


def key_ids_in_use(session: Session) -> Counter[str]:
    """How many sealed values each key id still protects."""
    counts: Counter[str] = Counter()
    for row in session.execute(select(Contact.name_sealed, Contact.phone_sealed, Contact.email_sealed)):
        counts.update(value.partition(":")[0] for value in row if value)
    return counts


def rotate(book: ContactBook, now: dt.datetime, batch: int = 200) -> int:
    """Re-seal every contact not wholly under the current key; returns how many rows changed."""
    changed = 0
    for ids in _batches(book.session, book.cipher.current_key_id, batch):
        for contact in book.session.scalars(select(Contact).where(Contact.id.in_(ids))):
            details = book.get(contact.respondent_pseudonym)
            assert details is not None
            book.replace(contact.respondent_pseudonym, details, now)
            changed += 1
        book.session.commit()
    return changed


def _batches(session: Session, current: str, size: int) -> Iterator[list[int]]:
    prefix = f"{current}:"
    stale = (
        ~Contact.name_sealed.startswith(prefix)
        | (Contact.phone_sealed.is_not(None) & ~Contact.phone_sealed.startswith(prefix))
        | (Contact.email_sealed.is_not(None) & ~Contact.email_sealed.startswith(prefix))
    )
    while ids := list(session.scalars(select(Contact.id).where(stale).order_by(Contact.id).limit(size))):
        yield ids


def destroy_contacts(session: Session) -> int:
    """Delete every contact row, then rewrite storage so no sealed value lingers in free pages."""
    removed = len(session.scalars(delete(Contact).returning(Contact.id)).all())
    session.commit()
    engine = session.get_bind().engine
    sqlite = engine.dialect.name == "sqlite"
    statements = ("VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)") if sqlite else ("VACUUM FULL contact",)
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            autocommit.execute(text(statement))
    return removed
