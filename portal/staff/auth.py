"""Signing in: password (argon2id), then a TOTP or recovery code, within attempt limits.

Attempts are counted in the database, so the limits hold across app servers.
Every refusal says the same thing whether the account exists or not.
"""

from __future__ import annotations

import datetime as dt
import functools

from argon2 import PasswordHasher
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.security import password_hasher, verify_password
from portal.staff import sealing, totp
from portal.staff.limits import TooManyAttempts, check_limits, note_attempt
from portal.staff.models import RecoveryCode, StaffUser

__all__ = ["SignInRefused", "TooManyAttempts", "check_password", "check_second_factor", "signed_in"]


class SignInRefused(Exception):
    """Wrong e-mail, password or code, or a disabled account: one message for all."""


def hasher() -> PasswordHasher:
    """argon2id; tests may ask for cheap parameters, production never gets them."""
    cheap = bool(current_app.config.get("PASSWORD_CHEAP")) and not registry.settings().production
    return password_hasher(cheap=cheap)


def _dummy_hash(hashing: PasswordHasher) -> str:
    """A hash to verify against when the account does not exist, so timing does not tell."""
    return _dummy_for(hashing.time_cost, hashing.memory_cost, hashing.parallelism)


@functools.cache
def _dummy_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost, memory_cost, parallelism).hash("no such account")


def check_password(
    session: Session, email: str, password: str, *, address: str, now: dt.datetime
) -> StaffUser:
    email = email.strip().lower()
    check_limits(session, email, address, now)
    user = session.scalars(select(StaffUser).filter_by(email=email)).first()
    hashing = hasher()
    good = verify_password(hashing, user.password_hash if user else _dummy_hash(hashing), password)
    if user is None or not good or not user.active:
        note_attempt(session, email, address, now, succeeded=False)
        raise SignInRefused
    if hashing.check_needs_rehash(user.password_hash):
        user.password_hash = hashing.hash(password)
    return user


def check_second_factor(
    session: Session, user: StaffUser, code: str, *, address: str, now: dt.datetime
) -> str:
    """Accept a TOTP code or an unused recovery code; say which was used."""
    check_limits(session, user.email, address, now)
    secret = sealing.opened(user)
    if secret:
        step = totp.accepted_step(secret, code, now, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
    if _spend_recovery_code(session, user, code, now):
        return "recovery_code"
    note_attempt(session, user.email, address, now, succeeded=False)
    raise SignInRefused


def _spend_recovery_code(session: Session, user: StaffUser, code: str, now: dt.datetime) -> bool:
    digest = totp.recovery_hash(registry.settings().secret_key, user.id, code)
    row = session.scalars(select(RecoveryCode).filter_by(user_id=user.id, code_hash=digest)).first()
    if row is None or row.used_at is not None:
        return False
    row.used_at = now
    return True


def signed_in(session: Session, user: StaffUser, *, address: str, now: dt.datetime, factor: str) -> None:
    note_attempt(session, user.email, address, now, succeeded=True)
    user.last_login_at = now
    record(session, now=now, actor=user.actor, action="staff_login", factor=factor)


def confirm_totp(session: Session, user: StaffUser, secret: str, code: str, now: dt.datetime) -> list[str]:
    """Save a new authenticator once the person proves it works; return fresh recovery codes."""
    step = totp.accepted_step(secret, code, now, None)
    if step is None:
        raise SignInRefused
    user.totp_secret, user.totp_last_step = sealing.seal(user.id, secret), step
    return replace_recovery_codes(session, user)


def replace_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    for old in session.scalars(select(RecoveryCode).filter_by(user_id=user.id)):
        session.delete(old)
    session.flush()
    codes = totp.new_recovery_codes()
    key = registry.settings().secret_key
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=totp.recovery_hash(key, user.id, c)) for c in codes
    )
    session.flush()
    return codes
