"""Messaging fixtures: a real SMTP server, a local SMS gateway, and the app pointed at both."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tests.messaging.servers import Gateway, Mailbox, sms_gateway, smtp_server
from tests.support.catalogues import compile_stale

RECEIPT_KEY = b"r" * 32
BASE_URL = "https://familiestudien.example.no"  # as long as a real study address


@pytest.fixture(scope="session", autouse=True)
def outbound_catalogues() -> None:
    """Compile the outbound catalogues when a .po is newer than its .mo (as `make catalogues` does)."""
    compile_stale("outbound")


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def mailbox(mail: tuple[Mailbox, int]) -> Mailbox:
    return mail[0]


@pytest.fixture
def sms() -> Iterator[tuple[Gateway, str]]:
    with sms_gateway() as served:
        yield served


@pytest.fixture
def gateway(sms: tuple[Gateway, str]) -> Gateway:
    return sms[0]


@pytest.fixture
def environ(environ: dict[str, str], mail: tuple[Mailbox, int], sms: tuple[Gateway, str]) -> dict[str, str]:
    return {
        **environ,
        "PORTAL_BASE_URL": BASE_URL,
        "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(mail[1]),
        "PORTAL_SMTP_FROM": "Familiestudien <studie@familiestudien.example.no>",
        "PORTAL_SMS_URL": sms[1], "PORTAL_SMS_TOKEN": "test-gateway-token", "PORTAL_SMS_SENDER": "Studien",
        "PORTAL_SMS_RECEIPT_KEY": base64.b64encode(RECEIPT_KEY).decode(),
    }
