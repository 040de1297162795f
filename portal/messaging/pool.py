"""Several messages in flight at once, each sending thread with connections of its own.

A send spends most of its time waiting for the other side (four SMTP round trips,
an HTTP request to the SMS gateway), so one connection caps a dispatcher far below
what the database and the CPU can do. The threads only talk to transports: the
database session stays with the dispatcher's own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from portal.messaging.transports import Outgoing, Transport

OpenTransports = Callable[[], Mapping[str, Transport]]


class SendingPool:
    def __init__(self, open_transports: OpenTransports, size: int) -> None:
        self.open_transports = open_transports
        self.size = size
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="send")
        self.local = threading.local()
        self.opened: list[Mapping[str, Transport]] = []
        self.lock = threading.Lock()

    def channels(self) -> frozenset[str]:
        """The channels the transports offer (opened here once to ask; they connect lazily)."""
        return frozenset(self._own_transports())

    def submit(self, channel: str, outgoing: Outgoing) -> Future[str]:
        """Hand `outgoing` to a sending thread; the future holds the provider id or the transport's error."""
        return self.executor.submit(self._send, channel, outgoing)

    def close(self) -> None:
        """Wait for what is in flight, then end every connection."""
        self.executor.shutdown(wait=True)
        for transports in self.opened:
            for transport in transports.values():
                transport.close()

    def _send(self, channel: str, outgoing: Outgoing) -> str:
        return self._own_transports()[channel].send(outgoing)

    def _own_transports(self) -> Mapping[str, Transport]:
        transports: Mapping[str, Transport] | None = getattr(self.local, "transports", None)
        if transports is None:
            transports = self.local.transports = self.open_transports()
            with self.lock:
                self.opened.append(transports)
        return transports
