"""Staff accounts for the data manager: create, disable, reset the second factor."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.security import verify_password
from portal.staff import auth
from portal.staff.i18n import _
from portal.staff.models import ROLES, RecoveryCode, StaffUser

MIN_PASSWORD = 12


class AccountError(ValueError):
    """An account request that cannot be carried out; the message says why."""


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create(
    session: Session, *, email: str, role: str, sites: list[str], blinded: bool, password: str,
    actor: str, now: dt.datetime, language: str | None = None,
) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_sites(role, sites)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalars(select(StaffUser.id).filter_by(email=email)).first() is not None:
        raise AccountError(f"an account for {email} exists already")
    user = StaffUser(email=email, password_hash=auth.hasher().hash(password), role=role,
                     sites=sites if role == "coordinator" else [], blinded=blinded, created_at=now,
                     must_change_password=True, language=language)
    session.add(user)
    session.flush()
    record(session, now=now, actor=actor, action="staff_created", account=user.id, role=role,
           sites=user.sites,
           blinded=blinded)
    return user


def _check_sites(role: str, sites: list[str]) -> None:
    known = {site.id for site in registry.protocol().sites}
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise AccountError(f"unknown site(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if role == "coordinator" and not sites:
        raise AccountError("a coordinator needs at least one --site")


def change_password(
    session: Session, user: StaffUser, *, current: str, new: str, repeated: str, now: dt.datetime
) -> None:
    hashing = auth.hasher()
    if not verify_password(hashing, user.password_hash, current):
        raise AccountError(_("The current password is not right."))
    if len(new) < MIN_PASSWORD:
        raise AccountError(_("The new password needs at least %(least)s characters.", least=MIN_PASSWORD))
    if new != repeated:
        raise AccountError(_("The two new passwords are not the same."))
    if new == current:
        raise AccountError(_("Choose a password different from the one you were given."))
    user.password_hash = hashing.hash(new)
    user.must_change_password = False
    end_sessions(user)
    record(session, now=now, actor=user.actor, action="staff_password_changed")


def end_sessions(user: StaffUser) -> None:
    """Every session of the account ends at its next request, wherever its cookie is kept."""
    user.session_epoch += 1


def sign_out(session: Session, user: StaffUser, *, now: dt.datetime) -> None:
    end_sessions(user)
    record(session, now=now, actor=user.actor, action="staff_logout")


def change_role(session: Session, user: StaffUser, *, role: str, sites: list[str], actor: str,
                now: dt.datetime) -> None:
    """A new role (and sites): the person signs in again to work under it."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_sites(role, sites)
    user.role, user.sites = role, sites if role == "coordinator" else []
    end_sessions(user)
    record(session, now=now, actor=actor, action="staff_role_changed", account=user.id, role=role,
           sites=user.sites)


def find(session: Session, email: str) -> StaffUser:
    user = session.scalars(select(StaffUser).filter_by(email=email.strip().lower())).first()
    if user is None:
        raise AccountError(f"no account for {email}")
    return user


def disable(session: Session, user: StaffUser, *, actor: str, now: dt.datetime) -> None:
    """The account can no longer sign in, and any open session of it ends at its next request."""
    user.active = False
    end_sessions(user)
    record(session, now=now, actor=actor, action="staff_disabled", account=user.id)


def reset_second_factor(session: Session, user: StaffUser, *, actor: str, now: dt.datetime) -> None:
    """The person sets up a new authenticator at the next sign-in; old recovery codes stop working."""
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(user)
    for code in session.scalars(select(RecoveryCode).filter_by(user_id=user.id)):
        session.delete(code)
    record(session, now=now, actor=actor, action="staff_2fa_reset", account=user.id)


def listing(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.email)))


class AccountAction(Protocol):
    def __call__(self, session: Session, user: StaffUser, *, actor: str, now: dt.datetime) -> None: ...
