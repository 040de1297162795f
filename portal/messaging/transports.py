"""What a transport promises the dispatcher, and the errors it may raise.

Error texts name what went wrong (a status code, a kind of failure), never
the address, the number or the message: they are kept in the outbox and
shown to coordinators.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    to: str
    subject: str
    body: str
    idempotency_key: str
    language: str

    def __repr__(self) -> str:
        return f"Outgoing(<sealed>, key={self.idempotency_key})"


class TransportError(Exception):
    """The message was not accepted this time; worth another try later."""


class TransportRefused(TransportError):
    """The provider refused this message for good (bad recipient, rejected content)."""


class Transport(Protocol):
    channel: str

    def send(self, message: Outgoing) -> str:
        """Hand the message over; return the provider's id once it is accepted."""
        ...

    def close(self) -> None:
        """End the batch (close a reused connection)."""
        ...


class Pacer:
    """At most `rate` sends per second (0: no limit), spaced evenly rather than in bursts.

    One pacer serves all of a dispatcher's connections: each send reserves the next
    slot under a lock, then sleeps until it outside the lock.
    """

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_slot: float | None = None
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            slot = now if self.next_slot is None else max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            self.sleep(slot - now)
