"""E-mail over SMTP: STARTTLS or TLS, login, a rate limit, each connection reused for a whole run.

A transport belongs to one sending thread (see pool.py); the pacer may be shared.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import smtplib
import ssl

from portal.config import SmtpSettings
from portal.messaging.mime import HeaderInjection, plain_text_mail
from portal.messaging.transports import Outgoing, Pacer, TransportError, TransportRefused

TIMEOUT = 30


class SmtpTransport:
    channel = "email"

    def __init__(self, settings: SmtpSettings, pacer: Pacer | None = None) -> None:
        self.settings = settings
        self.pacer = pacer or Pacer(settings.rate)
        self.connection: smtplib.SMTP | None = None
        self.envelope_from = email.utils.parseaddr(settings.sender)[1] or settings.sender
        self.domain = self.envelope_from.rpartition("@")[2] or "localhost"

    def send(self, message: Outgoing) -> str:
        self.pacer.wait()
        message_id = f"<{message.idempotency_key}@{self.domain}>"
        try:
            mail = plain_text_mail(
                sender=self.settings.sender, to=message.to, subject=message.subject, body=message.body,
                # the same Message-ID on every attempt: a repeat is recognisable as one message
                message_id=message_id, language=message.language, date=dt.datetime.now(dt.UTC),
            )
        except HeaderInjection:
            raise TransportRefused("the e-mail address or a header is not usable") from None
        try:
            self._connection().sendmail(self.envelope_from, [message.to], mail)
        except smtplib.SMTPRecipientsRefused as error:
            self._drop_connection_if_broken()
            codes = sorted({code for code, _text in error.recipients.values()})
            raise _by_code(codes[0] if codes else 550, "recipient refused") from None
        except smtplib.SMTPResponseException as error:
            self._drop_connection_if_broken()
            raise _by_code(error.smtp_code, "message refused") from None
        except (smtplib.SMTPException, OSError) as error:
            self._reset()
            raise TransportError(f"SMTP connection failed ({type(error).__name__})") from None
        return message_id

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._reset()

    def _connection(self) -> smtplib.SMTP:
        if self.connection is None:
            self.connection = self._connect()
        return self.connection

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if s.security == "tls":
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=context)
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
        try:
            if s.security == "starttls":
                connection.starttls(context=context)
            if s.user:
                connection.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError:
            connection.close()
            raise TransportError("SMTP login refused (check PORTAL_SMTP_USER and _PASSWORD)") from None
        except (smtplib.SMTPException, OSError):
            connection.close()
            raise
        return connection

    def _drop_connection_if_broken(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._reset()

    def _reset(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
        self.connection = None


def _by_code(code: int, what: str) -> TransportError:
    if 500 <= code < 600:
        return TransportRefused(f"SMTP {code}: {what}")
    return TransportError(f"SMTP {code}: {what}, try again later")
