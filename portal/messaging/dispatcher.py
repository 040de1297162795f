"""Send what is due, once: claim a batch, re-check each message, read the contact, send, record.

This is the one place in messaging that opens the keystore, and only at the
moment of sending: a batch's sealed addresses are read in one query and each is
opened just before its message goes. Addresses and texts live in local variables
for one send; they never reach the outbox, the contact log, a log line or an
error text.

Sends run in a pool of threads (several connections at once); everything that
touches the database happens here, in the dispatcher's own thread, each outcome
committed as soon as the transport has answered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Protocol as Interface
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, joinedload

from portal.config import Settings
from portal.contacts import ContactDetails
from portal.contacts.crypto import KeystoreError
from portal.families.models import Invitation, Respondent
from portal.messaging import texts
from portal.messaging.claims import LEASE, claim, conclude, mark_sent
from portal.messaging.models import ContactAttempt, MessageKind, MessageStatus, OutboxMessage
from portal.messaging.on_call import raise_alert
from portal.messaging.planning import replan
from portal.messaging.pool import SendingPool
from portal.messaging.rules import Cancel, Defer, Replan, decide, next_try
from portal.messaging.transports import Outgoing, TransportError, TransportRefused
from portal.protocol.model import Protocol
from portal.security import derive_access_code, derive_token

log = logging.getLogger(__name__)
BATCH = 200
# a claim with less than this left is handed back, not sent: a send started then, and the few
# queued behind it, must be answered while the claim still holds, or a second dispatcher takes it
HAND_BACK = LEASE / 2
LOG_ATTEMPT = insert(cast(Table, ContactAttempt.__table__))
NEEDS = {"sms": "phone number (or no SMS gateway)", "email": "e-mail address",
         "none": "phone number or e-mail address"}


class Lookup(Interface):
    def get(self, pseudonym: str) -> ContactDetails | None: ...


class Contacts(Interface):
    def reach(self, pseudonyms: Collection[str]) -> Lookup: ...


@dataclass(frozen=True, slots=True)
class InFlight:
    """A message handed to the pool, waiting for the transport's answer."""

    message: OutboxMessage
    channel: str
    answer: Future[str]


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
    pool: SendingPool
    settings: Settings
    protocol: Protocol
    clock: Callable[[], dt.datetime]  # read at each claim: a long run leases each batch from its own time
    worker: str
    report: Report = field(default_factory=Report)
    stopping: Callable[[], bool] = lambda: False  # asked to stop: hand back the rest of the batch

    def __post_init__(self) -> None:
        self.now = self.clock()  # the time of the batch in hand
        self.uncommitted: Counter[str] = Counter()  # report counters waiting for the next commit
        self.channels = self.pool.channels()
        self.window = 2 * self.pool.size  # in flight at most: every connection busy, one more queued each

    def run(self, limit: int | None = None, batch: int = BATCH) -> Report:
        """Send everything that is due (at most `limit` claims), then return."""
        handled = 0
        try:
            while limit is None or handled < limit:
                size = batch if limit is None else min(batch, limit - handled)
                self.now = self.clock()
                ids = claim(self.session, now=self.now, worker=self.worker, batch=size)
                if not ids:
                    break
                self._handle_batch(self._load(ids))
                handled += len(ids)
                if self.stopping():
                    break
        finally:
            self.pool.close()
        return self.report

    def _handle_batch(self, messages: list[OutboxMessage]) -> None:
        """Settle what is not to be sent, then send the rest with a few in flight; record each as answered."""
        to_send = [message for message in messages if not self._settled(message)]
        self._commit()
        contacts = self.contacts.reach({m.invitation.respondent.pseudonym for m in to_send})
        in_flight: list[InFlight] = []
        for message in to_send:
            if self.stopping() or self.clock() >= self.now + LEASE - HAND_BACK:
                self._release(message)
                continue
            sending = self._send(message, contacts)
            if sending is not None:
                in_flight.append(sending)
            if len(in_flight) >= self.window:
                self._record_answered(in_flight)
        while in_flight:
            self._record_answered(in_flight)
        self._commit()

    def _record_answered(self, in_flight: list[InFlight]) -> None:
        """Wait for the first answer, then record every send answered by then; commit.

        Nothing is recorded before the transport has answered; one commit serves the answers in hand.
        An accepted message is recorded as soon as it is answered, even while an older one still
        waits on another connection: recorded in order, a dispatcher killed during such a wait
        left accepted messages claimed but unrecorded, and they were sent again after the lease.
        """
        wait([sending.answer for sending in in_flight], return_when=FIRST_COMPLETED)
        for sending in [sending for sending in in_flight if sending.answer.done()]:
            in_flight.remove(sending)
            self._record(sending)
        self._commit()

    def _load(self, ids: list[int]) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id).options(
            joinedload(OutboxMessage.invitation).joinedload(Invitation.respondent)
            .joinedload(Respondent.family)
        )
        return list(self.session.scalars(query).unique())

    def _settled(self, message: OutboxMessage) -> bool:
        """Cancel, defer, re-plan or hand back what is not to be sent now; False: send it."""
        if self.stopping():
            self._release(message)
            return True
        decision = decide(message, message.invitation, self.protocol, self.now)
        if isinstance(decision, Cancel):
            self._conclude(message, "cancelled", status=MessageStatus.cancelled, last_error=decision.reason)
        elif isinstance(decision, Defer):
            self._conclude(message, "deferred", status=MessageStatus.pending, claimed_by=None,
                         next_attempt_at=decision.until)
        elif isinstance(decision, Replan):
            self._replan(message)
        else:
            return False
        return True

    def _release(self, message: OutboxMessage) -> None:
        """Give an unhandled claim back at once rather than when its lease runs out."""
        conclude(self.session, message.id, self.worker, status=MessageStatus.pending, claimed_by=None)
        self._commit()

    def _replan(self, message: OutboxMessage) -> None:
        """Release the message, then let planning move it (and its siblings) to the new window."""
        if self._conclude(message, "deferred", status=MessageStatus.pending, claimed_by=None):
            self.session.expire(message)
            replan(self.session, self.protocol, message.invitation, self.now)
            self._commit()

    def _send(self, message: OutboxMessage, contacts: Lookup) -> InFlight | None:
        """Open the address and hand the message over; None when it failed before it could go."""
        if message.kind == MessageKind.alert:
            return self._send_on_call(message)
        try:
            details = contacts.get(message.invitation.respondent.pseudonym)
        except KeystoreError:
            self._failed(message, "none", "contact details do not open (is the keystore key set right?)")
            return None
        channel, address = self._route(details, message.channel, message.invitation.respondent)
        if address is None:
            self._failed(message, channel, f"no {NEEDS[channel]} to reach this respondent")
            return None
        return InFlight(message, channel, self.pool.submit(channel, self._compose(message, channel, address)))

    def _send_on_call(self, message: OutboxMessage) -> InFlight | None:
        """An alert's message goes to the study's on-call address, never to the respondent."""
        on_call = self.protocol.on_call
        if on_call is None:
            self._failed(message, "email", "the study file names no on-call address (study.on_call)")
            return None
        rendered = texts.render_on_call(on_call.language, study=self.protocol.text(
            self.protocol.public_name, on_call.language), sign_in=f"{self.settings.base_url}/staff/alerts")
        outgoing = Outgoing(to=on_call.email, subject=rendered.subject, body=rendered.body,
                            idempotency_key=message.idempotency_key, language=on_call.language)
        return InFlight(message, "email", self.pool.submit("email", outgoing))

    def _record(self, sending: InFlight) -> None:
        message, channel = sending.message, sending.channel
        try:
            provider_id = sending.answer.result()
        except TransportRefused as refusal:
            self._failed(message, channel, str(refusal))
        except TransportError as error:
            self._retry(message, channel, str(error))
        else:
            self._accepted(message, channel, provider_id)

    def _route(
        self, details: ContactDetails | None, wanted: str | None, respondent: Respondent
    ) -> tuple[str, str | None]:
        """The channel a coordinator chose; otherwise SMS first where there is a phone and a gateway,
        else e-mail. Only channels the parent consented to: one who consented to e-mail only is
        never texted."""
        phone = details.phone if details is not None and "sms" in self.channels else None
        email = details.email if details is not None else None
        phone = phone if respondent.consents_to("sms") else None
        email = email if respondent.consents_to("email") else None
        if wanted is not None:
            return wanted, phone if wanted == "sms" else email
        if phone:
            return "sms", phone
        if email:
            return "email", email
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
        if mark_sent(self.session, message.id, self.worker, self.now):
            self._attempt(message, channel, "accepted", provider_id=provider_id)
            self.uncommitted["sent"] += 1
        else:
            self._lost(message)

    def _retry(self, message: OutboxMessage, channel: str, reason: str) -> None:
        attempts = message.attempts + 1
        again = next_try(attempts, self.now, message.invitation, self.protocol, message.kind)
        if again is None:
            self._failed(message, channel, reason, attempts=attempts)
        elif self._conclude(message, "retried", status=MessageStatus.pending, claimed_by=None,
                            attempts=attempts, next_attempt_at=again, last_error=reason):
            self._attempt(message, channel, "retry", detail=reason)

    def _failed(self, message: OutboxMessage, channel: str, reason: str, attempts: int | None = None) -> None:
        if not self._conclude(message, "failed", status=MessageStatus.failed, last_error=reason[:200],
                              attempts=attempts if attempts is not None else message.attempts + 1):
            return
        if message.kind == MessageKind.alert:  # an alert about an alert would only repeat itself
            log.error("outbox message %s to the on-call address failed for good", message.id)
            return
        self._attempt(message, channel, "failed", detail=reason)
        invitation = message.invitation
        raise_alert(self.session.connection(), family_id=invitation.respondent.family_id,
                    respondent_id=invitation.respondent_id, invitation_id=invitation.id, kind="bounced",
                    detail=f"{invitation.wave} {message.kind} not delivered: {reason}", now=self.now,
                    tell_on_call=False)

    def _attempt(self, message: OutboxMessage, channel: str, outcome: str, *, provider_id: str | None = None,
                 detail: str = "") -> None:
        if message.kind == MessageKind.alert:
            return  # the contact log is about reaching respondents; the outbox row keeps this send
        self.session.connection().execute(LOG_ATTEMPT, {  # Core, built once: no unit of work per send
            "message_id": message.id, "invitation_id": message.invitation_id, "at": self.now,
            "channel": channel, "outcome": outcome, "provider_id": provider_id, "detail": detail[:200],
        })

    def _conclude(self, message: OutboxMessage, counter: str, **values: object) -> bool:
        """Conclude the claim if this dispatcher still holds it; counted in the report once committed."""
        if conclude(self.session, message.id, self.worker, **values):
            self.uncommitted[counter] += 1
            return True
        self._lost(message)
        return False

    def _commit(self) -> None:
        self.session.commit()
        for counter, count in self.uncommitted.items():
            setattr(self.report, counter, getattr(self.report, counter) + count)
        self.uncommitted.clear()

    def _lost(self, message: OutboxMessage) -> None:
        """The lease ran out and another dispatcher took the message over: record nothing of it."""
        self.report.lost_claims += 1
        log.warning("outbox message %s: claim expired before it was concluded", message.id)
