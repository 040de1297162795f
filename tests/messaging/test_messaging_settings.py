"""Mail and SMS settings: demo-friendly defaults, clear refusals, secrets never printed."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from portal.config import ConfigError, load_settings
from tests.conftest import TEST_KEYS

STRONG = {name: base64.b64encode(bytes(range(i, i + 32))).decode() for i, name in enumerate(TEST_KEYS)}
SMS = {"PORTAL_SMS_URL": "https://sms.example/send", "PORTAL_SMS_TOKEN": "gateway-token-123",
       "PORTAL_SMS_SENDER": "Studien"}


def test_defaults_reach_a_local_mail_catcher_and_no_sms(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_ENV": "test", **TEST_KEYS}, tmp_path)
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == ("127.0.0.1", 8025, "none")
    assert settings.smtp.rate == 0 and settings.sms is None


def test_passwords_tokens_and_the_receipt_key_never_show_in_a_repr(tmp_path: Path) -> None:
    settings = load_settings({
        "PORTAL_ENV": "test", **TEST_KEYS, **SMS, "PORTAL_SMTP_PASSWORD": "mail-password-456",
        "PORTAL_SMS_RECEIPT_KEY": base64.b64encode(b"receipt-key-" * 3).decode(),
    }, tmp_path)
    shown = repr(settings)
    assert "sms.example" in shown
    for secret in ("mail-password-456", "gateway-token-123", "receipt-key"):
        assert secret not in shown


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("PORTAL_SMTP_SECURITY", "ssl", "PORTAL_SMTP_SECURITY must be none, starttls or tls"),
    ("PORTAL_SMTP_PORT", "smtp", "PORTAL_SMTP_PORT must be a number"),
    ("PORTAL_SMTP_RATE", "-1", "PORTAL_SMTP_RATE must be between 0 and"),
    ("PORTAL_SMS_URL", "sms.example/send", "PORTAL_SMS_URL must be the gateway's http(s):// address"),
])
def test_unusable_values_stop_the_start_with_one_clear_line(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings({"PORTAL_ENV": "test", **TEST_KEYS, variable: value}, tmp_path)


def test_production_needs_a_receipt_key_only_where_sms_is_configured(tmp_path: Path) -> None:
    production = {"PORTAL_ENV": "production", **STRONG, "PORTAL_SMTP_SECURITY": "starttls",
                  "PORTAL_SMTP_HOST": "smtp.example"}
    assert load_settings(production, tmp_path).sms is None
    with pytest.raises(ConfigError, match="PORTAL_SMS_RECEIPT_KEY is not set"):
        load_settings({**production, **SMS}, tmp_path)
    key = base64.b64encode(bytes(range(100, 132))).decode()
    sms = load_settings({**production, **SMS, "PORTAL_SMS_RECEIPT_KEY": key}, tmp_path).sms
    assert sms is not None and sms.receipt_key == bytes(range(100, 132))


def test_production_refuses_unencrypted_mail_to_another_machine(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="use starttls or tls"):
        load_settings({"PORTAL_ENV": "production", **STRONG, "PORTAL_SMTP_HOST": "smtp.example"}, tmp_path)
