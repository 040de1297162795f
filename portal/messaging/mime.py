"""A plain-text UTF-8 e-mail as bytes, built directly.

The standard library's email classes are slow for a large batch (see the
dispatch bench); this mail is always the same simple shape. Header values
come from our own texts and settings and from addresses normalised by the
keystore; a line break in any of them is refused, so nothing can inject a
header.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils

MAX_WORD_BYTES = 39  # 52 base64 characters: with "Subject: " a line stays under 78


class HeaderInjection(ValueError):
    """A header value with a line break in it."""


def encoded_words(text: str) -> str:
    """RFC 2047 base64 words for a non-ASCII or long header value, split between characters."""
    if text.isascii() and len(text) <= 60:
        return text
    words, chunk = [], b""
    for char in text:
        raw = char.encode()
        if len(chunk) + len(raw) > MAX_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += raw
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def plain_text_mail(
    *, sender: str, to: str, subject: str, body: str, message_id: str, language: str, date: dt.datetime
) -> bytes:
    for value in (sender, to, subject, message_id, language):
        if "\r" in value or "\n" in value:
            raise HeaderInjection("a header value contains a line break")
    headers = (
        f"From: {sender}", f"To: {to}", f"Subject: {encoded_words(subject)}",
        f"Date: {email.utils.format_datetime(date)}", f"Message-ID: {message_id}", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
        f"Content-Language: {language}", "Auto-Submitted: auto-generated",
    )
    encoded = base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")
    return "\r\n".join(headers).encode() + b"\r\n\r\n" + encoded
