"""STARTTLS and implicit TLS against a real aiosmtpd server with a certificate the client trusts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from tests.conftest import TEST_KEYS
from tests.messaging.journey import oslo
from tests.messaging.servers import smtp_server
from tests.support.builders import enrol_family
from tests.support.certificates import self_signed

ENROLLED_AT = oslo(2026, 9, 1, 14, 0)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def _enrol_and_dispatch(app: Flask, port: int, security: str) -> str:
    """One e-mail invitation, then `flask dispatch` from an app that sends through the test's relay."""
    second = create_app({"environ": {
        "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": app.config["SETTINGS"].database_url, **TEST_KEYS,
        "PORTAL_SMTP_PORT": str(port), "PORTAL_SMTP_SECURITY": security,
    }, "instance_path": app.instance_path})
    enrol_family(second, now=ENROLLED_AT.astimezone(dt.UTC),
                 people=[("mother", "nb", "Kari Testesen", None, "kari@test.example")])
    result = second.test_cli_runner().invoke(args=["dispatch", "--now", ENROLLED_AT.isoformat()])
    second.extensions["portal.db"].dispose()
    return result.output


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_encrypted_to_a_server_with_a_trusted_certificate(
    app: Flask, certificate: tuple[Path, Path], security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test certificate, as a real CA
    with smtp_server(certificate=certificate, implicit_tls=security == "tls") as (mailbox, port):
        output = _enrol_and_dispatch(app, port, security)
        assert output.startswith("sent 1,"), output
        assert [m.to for m in mailbox.mails] == [["kari@test.example"]]


def test_an_untrusted_certificate_is_a_failure_to_retry_not_a_message_sent_in_clear(
    app: Flask, certificate: tuple[Path, Path]
) -> None:
    with smtp_server(certificate=certificate) as (mailbox, port):
        output = _enrol_and_dispatch(app, port, "starttls")
        assert output.startswith("sent 0, retried 1,"), output
        assert mailbox.mails == []
