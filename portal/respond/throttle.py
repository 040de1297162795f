"""Limits on typed access codes.

Failed attempts are counted per code bucket (the first group of the code),
so a parent who mistypes their own code slows only guesses at codes that
start the same way; parents sharing one mobile-network address are not
locked out together. A generous per-address limit stops one machine
spraying guesses across every bucket.
"""

from __future__ import annotations

from flask import Response, request

from portal.security import normalise_access_code

CODE_LIMIT = "5 per 15 minutes"
NETWORK_LIMIT = "60 per hour"
BUCKET_CHARS = 4


def code_bucket() -> str:
    typed = normalise_access_code(request.form.get("code", "")[:40])
    return "code:" + typed[:BUCKET_CHARS]


def failed(response: Response) -> bool:
    """Only a failed attempt counts; a parent who gets in is not slowed down."""
    return response.status_code != 302
