"""Real servers on 127.0.0.1 standing in for the mail relay and the SMS gateway."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Mail:
    to: list[str]
    message_id: str
    subject: str
    body: str
    language: str
    mail_from: str


class Mailbox:
    """An aiosmtpd handler that keeps what it accepted. `hold()` makes new messages wait unanswered."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.lock = threading.Lock()
        self.hold_after: int | None = None
        self.waiting = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.released: asyncio.Event | None = None
        self.refuse_with: str | None = None  # e.g. "550 no such user"
        self.logins: list[str] = []
        self.on_accept: Callable[[Mail], None] | None = None  # called with each mail before its 250

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        if self.hold_after is not None and len(self.mails) >= self.hold_after:
            assert self.released is not None
            self.waiting += 1
            try:
                await self.released.wait()
            finally:
                self.waiting -= 1
            if server.transport is None or server.transport.is_closing():
                return "421 the client went away"  # never answered 250, so never accepted
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        mail = Mail(
            to=list(envelope.rcpt_tos), message_id=str(parsed["Message-ID"]),
            subject=str(parsed["Subject"]), body=body.get_content() if body else "",
            language=str(parsed["Content-Language"]), mail_from=envelope.mail_from,
        )
        if self.on_accept is not None:
            self.on_accept(mail)
        with self.lock:
            self.mails.append(mail)
        return "250 OK"

    def hold(self, after: int) -> None:
        assert self.loop is not None
        self.released = asyncio.Event()
        self.hold_after = after

    def release(self) -> None:
        assert self.loop is not None and self.released is not None
        self.hold_after = None
        self.loop.call_soon_threadsafe(self.released.set)


class Authenticator:
    def __init__(self, mailbox: Mailbox, user: str, password: str) -> None:
        self.mailbox, self.user, self.password = mailbox, user, password

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user \
            and auth_data.password.decode() == self.password
        if ok:
            self.mailbox.logins.append(self.user)
        return AuthResult(success=ok)


class _ClientProbingController(Controller):
    """For implicit TLS: aiosmtpd's start-up probe wraps its socket with the server's context; probe as a
    client does (trusting what SSL_CERT_FILE names)."""

    def _trigger_server(self) -> None:
        client = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw, \
                client.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
            wrapped.recv(1024)


def _tls_options(certificate: tuple[Path, Path], implicit: bool) -> dict[str, Any]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}


@contextmanager
def smtp_server(login: tuple[str, str] | None = None, *, port: int | None = None,
                certificate: tuple[Path, Path] | None = None, implicit_tls: bool = False
                ) -> Iterator[tuple[Mailbox, int]]:
    """aiosmtpd on 127.0.0.1 (on `port`, else a free one), keeping what it accepts in a Mailbox.

    `login`: it offers AUTH and notes who logged in. `certificate` (cert, key): it requires STARTTLS,
    or with `implicit_tls` speaks TLS from the first byte."""
    mailbox = Mailbox()
    port = port or free_port()
    options: dict[str, Any] = {}
    if login:
        options = {"authenticator": Authenticator(mailbox, *login), "auth_require_tls": False,
                   "auth_required": False}
    if certificate:
        options.update(_tls_options(certificate, implicit_tls))
    loop = asyncio.new_event_loop()  # ours, so that we can close it (the Controller leaves its own open)
    kind = _ClientProbingController if certificate and implicit_tls else Controller
    controller = kind(mailbox, hostname="127.0.0.1", port=port, loop=loop, **options)
    controller.start()
    mailbox.loop = loop
    try:
        yield mailbox, port
    finally:
        controller.stop()
        loop.close()


@contextmanager
def dropping_server() -> Iterator[int]:
    """Accepts a connection and closes it at once, as a crashed or overloaded relay does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


class Gateway:
    """What the SMS gateway received, and how it should answer next."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.lock = threading.Lock()

    def answer(self, payload: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.status != 200:
                return self.status, {"error": "test gateway says no"}
            self.received.append(payload)
            self.headers.append(headers)
            return 200, {"id": f"gw-{len(self.received)}"}


@contextmanager
def sms_gateway() -> Iterator[tuple[Gateway, str]]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length))
            status, answer = gateway.answer(payload, dict(self.headers))
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet: the test reads `gateway.received` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway, f"http://127.0.0.1:{server.server_port}/send"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
