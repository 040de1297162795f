"""A body over the app's limit is refused on a connection that stays open, under a real gunicorn.

nginx keeps its connections to gunicorn open and sends a request's whole body. gunicorn closes a
connection that still holds more than 64 KiB of a body the app did not read; nginx, still sending,
then showed its own 502 page in place of the app's translated 413. The app reads a refused body
(up to nginx's limit), so the connection holds and the next request on it is answered.
"""

from __future__ import annotations

import socket

from portal.security import PROXY_BODY_LIMIT
from tests.faults.served import Gunicorn


def _answer(connection: socket.socket) -> bytes:
    """One whole answer's bytes (the pages here end with </html>), or what came before a close."""
    received = b""
    while b"</html>" not in received and b'"ok"}' not in received:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def _status(answer: bytes) -> str:
    return answer.split(b"\r\n", 1)[0].decode()


def test_an_oversized_form_is_refused_and_the_connection_answers_again(served: dict[str, str]) -> None:
    body = b"code=" + b"x" * (2 * 1024 * 1024)  # over the form limit, under nginx's
    assert len(body) < PROXY_BODY_LIMIT
    with Gunicorn(served) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(b"POST /s HTTP/1.1\r\nHost: portal\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert _status(_answer(connection)) == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: portal\r\n\r\n")
        assert _status(_answer(connection)) == "HTTP/1.1 200 OK"
