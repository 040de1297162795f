"""Walk simulated time with `flask dispatch --now`, recording what each server received and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.db import db
from portal.messaging.models import MessageStatus, OutboxMessage
from tests.messaging.servers import Gateway, Mailbox

OSLO = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True)
class Delivery:
    at: dt.datetime  # Oslo time
    channel: str
    to: str
    text: str


@dataclass
class Journey:
    app: Flask
    runner: FlaskCliRunner
    gateway: Gateway
    mailbox: Mailbox
    deliveries: list[Delivery] = field(default_factory=list)

    def dispatch(self, moment: dt.datetime) -> str:
        result = self.runner.invoke(args=["dispatch", "--now", moment.isoformat()])
        assert result.exit_code == 0, result.output
        self._collect(moment)
        return result.output

    def _collect(self, moment: dt.datetime) -> None:
        sms_seen = sum(d.channel == "sms" for d in self.deliveries)
        mail_seen = sum(d.channel == "email" for d in self.deliveries)
        at = moment.astimezone(OSLO)
        for payload in self.gateway.received[sms_seen:]:
            self.deliveries.append(Delivery(at, "sms", payload["to"], payload["text"]))
        for mail in self.mailbox.mails[mail_seen:]:
            self.deliveries.append(Delivery(at, "email", mail.to[0], f"{mail.subject}\n{mail.body}"))

    def next_due(self) -> dt.datetime | None:
        with self.app.app_context():
            return db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == MessageStatus.pending))

    def walk(self, until: dt.datetime, events: list[tuple[dt.datetime, Callable[[], None]]] = ()) -> None:
        """Dispatch at every moment something is due (and a minute before it, which must send nothing)."""
        pending_events = sorted(events, key=lambda e: e[0])
        while True:
            due = self.next_due()
            if pending_events and (due is None or pending_events[0][0] <= due):
                pending_events.pop(0)[1]()
                continue
            if due is None or due > until:
                return
            before = len(self.deliveries)
            self.dispatch(due - dt.timedelta(minutes=1))
            assert len(self.deliveries) == before, "something went out before it was due"
            self.dispatch(due)


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)
