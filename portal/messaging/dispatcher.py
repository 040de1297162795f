"""Send what is due, once: claim a batch, re-check each message, read the contact, send, record.

This is the one place in messaging that opens the keystore, and only at the
moment of sending. Addresses and texts live in local variables for one send;
they never reach the outbox, the contact log, a log line or an error text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol as Interface
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, joinedload

from portal.config import Settings
from portal.contacts import ContactDetails
from portal.contacts.crypto import KeystoreError
from portal.families.models import Alert, Invitation, Respondent
from portal.messaging import texts
from portal.messaging.claims import claim, conclude, mark_sent
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.messaging.planning import replan
from portal.messaging.rules import Cancel, Defer, Replan, decide, next_try
from portal.messaging.transports import Outgoing, Transport, TransportError, TransportRefused
from portal.protocol.model import Protocol
from portal.security import derive_access_code, derive_token

log = logging.getLogger(__name__)
BATCH = 200
LOG_ATTEMPT = insert(cast(Table, ContactAttempt.__table__))


class Contacts(Interface):
    def get(self, pseudonym: str) -> ContactDetails | None: ...


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0
    lost_claims: int = 0

    def line(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in vars(self).items())


@dataclass
class Dispatcher:
    session: Session
    contacts: Contacts
    transports: Mapping[str, Transport]
    settings: Settings
    protocol: Protocol
    now: dt.datetime
    worker: str
    report: Report = field(default_factory=Report)
    stopping: Callable[[], bool] = lambda: False  # asked to stop: hand back the rest of the batch

    def run(self, limit: int | None = None, batch: int = BATCH) -> Report:
        """Send everything due at `now` (at most `limit` claims), then return."""
        handled = 0
        try:
            while limit is None or handled < limit:
                size = batch if limit is None else min(batch, limit - handled)
                ids = claim(self.session, now=self.now, worker=self.worker, batch=size)
                if not ids:
                    break
                for message in self._load(ids):
                    if self.stopping():
                        self._release(message)
                    else:
                        self.handle(message)
                handled += len(ids)
                if self.stopping():
                    break
        finally:
            for transport in self.transports.values():
                transport.close()
        return self.report

    def _load(self, ids: list[int]) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id).options(
            joinedload(OutboxMessage.invitation).joinedload(Invitation.respondent)
            .joinedload(Respondent.family)
        )
        return list(self.session.scalars(query).unique())

    def handle(self, message: OutboxMessage) -> None:
        decision = decide(message, message.invitation, self.protocol, self.now)
        if isinstance(decision, Cancel):
            self._finish(message, "cancelled", status=MessageStatus.cancelled, last_error=decision.reason)
        elif isinstance(decision, Defer):
            self._finish(message, "deferred", status=MessageStatus.pending, claimed_by=None,
                         next_attempt_at=decision.until)
        elif isinstance(decision, Replan):
            self._replan(message)
        else:
            self._send(message)

    def _release(self, message: OutboxMessage) -> None:
        """Give an unhandled claim back at once rather than when its lease runs out."""
        if conclude(self.session, message.id, self.worker, status=MessageStatus.pending, claimed_by=None):
            self.session.commit()

    def _replan(self, message: OutboxMessage) -> None:
        """Release the message, then let planning move it (and its siblings) to the new window."""
        if conclude(self.session, message.id, self.worker, status=MessageStatus.pending, claimed_by=None):
            self.session.expire(message)
            replan(self.session, self.protocol, message.invitation, self.now)
            self._commit("deferred")
        else:
            self._lost(message)

    def _send(self, message: OutboxMessage) -> None:
        respondent = message.invitation.respondent
        try:
            details = self.contacts.get(respondent.pseudonym)
        except KeystoreError:
            self._failed(message, "none", "contact details do not open (is the keystore key set right?)")
            return
        channel, address = self._route(details)
        if address is None:
            self._failed(message, channel, "no phone number or e-mail address to reach this respondent")
            return
        outgoing = self._compose(message, channel, address)
        try:
            provider_id = self.transports[channel].send(outgoing)
        except TransportRefused as refusal:
            self._failed(message, channel, str(refusal))
        except TransportError as error:
            self._retry(message, channel, str(error))
        else:
            self._accepted(message, channel, provider_id)

    def _route(self, details: ContactDetails | None) -> tuple[str, str | None]:
        """SMS first where there is a phone and a gateway, else e-mail."""
        if details is not None and details.phone and "sms" in self.transports:
            return "sms", details.phone
        if details is not None and details.email:
            return "email", details.email
        return "none", None

    def _compose(self, message: OutboxMessage, channel: str, address: str) -> Outgoing:
        invitation = message.invitation
        language = invitation.respondent.language
        generation, key = invitation.token_generation, self.settings.link_key
        values = {
            "study": self.protocol.text(self.protocol.public_name, language),
            "link": f"{self.settings.base_url}/s/{derive_token(key, invitation.id, generation).reveal()}",
            "code": derive_access_code(key, invitation.id, generation).reveal(),
        }
        if channel == "sms":
            rendered = texts.render_sms(message.kind, language, **values)
        else:
            help_text = self.protocol.text(self.protocol.help_text, language)
            rendered = texts.render_email(message.kind, language, help_text=help_text, **values)
        return Outgoing(to=address, subject=rendered.subject, body=rendered.body,
                        idempotency_key=message.idempotency_key, language=language)

    def _accepted(self, message: OutboxMessage, channel: str, provider_id: str) -> None:
        self._attempt(message, channel, "accepted", provider_id=provider_id)
        if mark_sent(self.session, message.id, self.worker, self.now):
            self._commit("sent")
        else:
            self._lost(message)

    def _retry(self, message: OutboxMessage, channel: str, reason: str) -> None:
        attempts = message.attempts + 1
        again = next_try(attempts, self.now, message.invitation, self.protocol)
        if again is None:
            self._failed(message, channel, reason, attempts=attempts)
            return
        self._attempt(message, channel, "retry", detail=reason)
        self._finish(message, "retried", status=MessageStatus.pending, claimed_by=None,
                     attempts=attempts, next_attempt_at=again, last_error=reason)

    def _failed(self, message: OutboxMessage, channel: str, reason: str, attempts: int | None = None) -> None:
        self._attempt(message, channel, "failed", detail=reason)
        invitation = message.invitation
        self.session.add(Alert(
            family_id=invitation.respondent.family_id, respondent_id=invitation.respondent_id,
            kind="bounced", detail=f"{invitation.wave} {message.kind} not delivered: {reason}"[:200],
            created_at=self.now,
        ))
        self._finish(message, "failed", status=MessageStatus.failed, last_error=reason[:200],
                     attempts=attempts if attempts is not None else message.attempts + 1)

    def _attempt(self, message: OutboxMessage, channel: str, outcome: str, *, provider_id: str | None = None,
                 detail: str = "") -> None:
        self.session.connection().execute(LOG_ATTEMPT, {  # Core, built once: no unit of work per send
            "message_id": message.id, "invitation_id": message.invitation_id, "at": self.now,
            "channel": channel, "outcome": outcome, "provider_id": provider_id, "detail": detail[:200],
        })

    def _finish(self, message: OutboxMessage, counter: str, **values: object) -> None:
        """Conclude the claim and commit; the commit follows the transport's answer, never precedes it."""
        if conclude(self.session, message.id, self.worker, **values):
            self._commit(counter)
        else:
            self._lost(message)

    def _commit(self, counter: str) -> None:
        self.session.commit()
        setattr(self.report, counter, getattr(self.report, counter) + 1)

    def _lost(self, message: OutboxMessage) -> None:
        self.session.rollback()
        self.report.lost_claims += 1
        log.warning("outbox message %s: claim expired before it was concluded", message.id)
