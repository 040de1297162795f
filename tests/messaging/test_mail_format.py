"""The e-mail bytes we build read back correctly in every language, and refuse header injection."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from portal.i18n import LANGUAGES
from portal.messaging.mime import HeaderInjection, plain_text_mail
from portal.messaging.texts import render_email

SENT = dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC)


def _mail(subject: str, body: str, to: str = "kari@test.example") -> bytes:
    return plain_text_mail(sender="Familiestudien <studie@example.no>", to=to, subject=subject, body=body,
                           message_id="<inv1-invitation-0@example.no>", language="ar", date=SENT)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_subject_and_body_read_back_exactly(language: str) -> None:
    rendered = render_email("reminder", language, study="Familiestudien", link="https://x.example/s/abc",
                            code="AB12-CD34", help_text="Ring 22 00 00 00.")
    parsed = email.message_from_bytes(_mail(rendered.subject * 3, rendered.body), policy=email.policy.default)
    assert parsed["Subject"] == rendered.subject * 3  # long enough to need several encoded words
    assert parsed.get_content() == rendered.body
    assert parsed["Message-ID"] == "<inv1-invitation-0@example.no>"
    assert parsed["Date"].datetime == SENT
    assert all(len(line) <= 78 for line in _mail(rendered.subject * 3, rendered.body).split(b"\r\n"))


@pytest.mark.parametrize("field", ["to", "subject"])
def test_a_line_break_in_a_header_value_is_refused(field: str) -> None:
    values = {"to": "kari@test.example", "subject": "Hello"}
    values[field] += "\r\nBcc: someone@evil.example"
    with pytest.raises(HeaderInjection) as raised:
        _mail(values["subject"], "body", to=values["to"])
    assert "evil" not in str(raised.value) and "kari" not in str(raised.value)
