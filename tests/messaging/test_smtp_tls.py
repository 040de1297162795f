"""STARTTLS and implicit TLS against a real aiosmtpd server with a certificate the client trusts."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from portal import create_app
from tests.conftest import TEST_KEYS
from tests.messaging.journey import oslo
from tests.messaging.servers import Mailbox, free_port
from tests.support.builders import enrol_family

ENROLLED_AT = oslo(2026, 9, 1, 14, 0)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _server(certificate: tuple[Path, Path], implicit: bool) -> Iterator[tuple[Mailbox, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    mailbox, port, loop = Mailbox(), free_port(), asyncio.new_event_loop()
    options = {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, loop=loop, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
        loop.close()


def _probe_as_client(controller: Controller) -> None:
    client = ssl.create_default_context()
    with socket.create_connection(("127.0.0.1", controller.port), timeout=5) as raw, \
            client.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
        wrapped.recv(1024)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_encrypted_to_a_server_with_a_trusted_certificate(
    app: Flask, certificate: tuple[Path, Path], security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test certificate, as a real CA
    if security == "tls":
        # aiosmtpd's start-up probe wraps its socket with the server's context; probe as a client does
        monkeypatch.setattr(Controller, "_trigger_server", _probe_as_client)
    for mailbox, port in _server(certificate, implicit=security == "tls"):
        second = create_app({"environ": {
            "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": app.config["SETTINGS"].database_url, **TEST_KEYS,
            "PORTAL_SMTP_PORT": str(port), "PORTAL_SMTP_SECURITY": security,
        }, "instance_path": app.instance_path})
        enrol_family(second, now=ENROLLED_AT.astimezone(dt.UTC),
                     people=[("mother", "nb", "Kari Testesen", None, "kari@test.example")])
        result = second.test_cli_runner().invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
        second.extensions["portal.db"].dispose()
        assert result.output.startswith("sent 1,"), result.output
        assert [m.to for m in mailbox.mails] == [["kari@test.example"]]


def test_an_untrusted_certificate_is_a_failure_to_retry_not_a_message_sent_in_clear(
    app: Flask, certificate: tuple[Path, Path]
) -> None:
    for mailbox, port in _server(certificate, implicit=False):
        second = create_app({"environ": {
            "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": app.config["SETTINGS"].database_url, **TEST_KEYS,
            "PORTAL_SMTP_PORT": str(port), "PORTAL_SMTP_SECURITY": "starttls",
        }, "instance_path": app.instance_path})
        enrol_family(second, now=ENROLLED_AT.astimezone(dt.UTC),
                     people=[("mother", "nb", "Kari Testesen", None, "kari@test.example")])
        result = second.test_cli_runner().invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
        second.extensions["portal.db"].dispose()
        assert result.output.startswith("sent 0, retried 1,"), result.output
        assert mailbox.mails == []
