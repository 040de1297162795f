"""Second factor: TOTP (RFC 6238) enrolled by a QR code drawn on our own page, and recovery codes."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

import pyotp
import segno

from portal.security import keyed_digest

STEP_SECONDS = 30
RECOVERY_CODES = 10
ISSUER = "Family study portal"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """An SVG data: URI: the CSP allows data: images, and nothing leaves our origin."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def accepted_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to (one step of clock drift either way), or None.

    A step at or before `last_step` is refused: a code that was seen once is spent.
    """
    cleaned = code.replace(" ", "").strip()
    if not (cleaned.isdigit() and len(cleaned) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), cleaned):
            return step if last_step is None or step > last_step else None
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 60 random bits each, grouped for reading: `k7q2-m9xd-4hpa`."""
    alphabet = "abcdefghjkmnpqrstvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def recovery_hash(key: bytes, user_id: int, code: str) -> str:
    """Keyed hash: the codes are random enough that a slow hash adds nothing but delay."""
    cleaned = code.strip().lower().replace("-", "").replace(" ", "")
    return keyed_digest(key, "recovery", f"{user_id}|{cleaned}")
