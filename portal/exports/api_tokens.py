"""Personal API tokens for analysts' scripts: made and revoked by an admin, shown once, kept only as a
keyed hash (security.keyed_digest), tied to one account, expiring, and counted per minute.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.audit import record
from portal.db import Base
from portal.security import keyed_digest
from portal.staff.models import StaffUser

TOKEN_PREFIX = "fpa_"  # recognisable in a leaked file or a secret scanner
PURPOSE = "api-token"
MAX_DAYS = 366
PER_MINUTE = 30


class ApiTokenError(ValueError):
    """A token that cannot be made, used or revoked as asked; the message says why."""


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    # a fixed one-minute window: shared by every app server, as the database is
    window_started_at: Mapped[dt.datetime | None]
    window_requests: Mapped[int] = mapped_column(default=0, server_default="0")

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def create_token(
    session: Session, key: bytes, user: StaffUser, *, label: str, days: int, actor: str, now: dt.datetime
) -> tuple[ApiToken, str]:
    """A new token for an active analyst or admin; the clear token is returned once and never stored."""
    if user.role not in ("analyst", "admin") or not user.active:
        raise ApiTokenError("API tokens are for active analyst and admin accounts only")
    if not 1 <= days <= MAX_DAYS:
        raise ApiTokenError(f"a token lives 1 to {MAX_DAYS} days")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, label=label.strip()[:100] or "token",
                     token_hash=hash_api_token(key, clear), created_at=now, created_by=actor,
                     expires_at=now + dt.timedelta(days=days))
    session.add(token)
    session.flush()
    record(session, now=now, actor=actor, action="api_token_created", subject=user.actor, token=token.id,
           expires_at=token.expires_at.isoformat())
    return token, clear


def hash_api_token(key: bytes, clear: str) -> str:
    return keyed_digest(key, PURPOSE, clear.strip())


def revoke_token(session: Session, token_id: int, *, actor: str, now: dt.datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise ApiTokenError(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
        record(session, now=now, actor=actor, action="api_token_revoked", subject=f"staff:{token.user_id}",
               token=token.id)
    return token


def tokens_of(session: Session) -> list[tuple[ApiToken, StaffUser]]:
    rows = session.execute(select(ApiToken, StaffUser).join(StaffUser, ApiToken.user_id == StaffUser.id)
                           .order_by(ApiToken.id))
    return [(token, user) for token, user in rows]


class ApiRefused(Exception):
    """A request the API turns away; `status` is the HTTP status, the message is safe to show."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


def authenticate(session: Session, key: bytes, header: str, now: dt.datetime) -> tuple[ApiToken, StaffUser]:
    """The token from an `Authorization: Bearer ...` header, its account, and one more request counted.

    Unknown, revoked and expired tokens get the same answer, so a guess learns nothing."""
    scheme, _, clear = header.partition(" ")
    if scheme.lower() != "bearer" or not clear.strip().startswith(TOKEN_PREFIX):
        raise ApiRefused(401, "send a personal API token as: Authorization: Bearer fpa_...")
    token = session.scalars(select(ApiToken).filter_by(token_hash=hash_api_token(key, clear))).first()
    user = session.get(StaffUser, token.user_id) if token is not None else None
    if token is None or user is None or not token.usable(now) or not user.active:
        raise ApiRefused(401, "this API token is unknown, revoked or expired; ask an admin for a new one")
    if user.role not in ("analyst", "admin"):
        raise ApiRefused(403, "this account may not download exports")
    _count(token, now)
    return token, user


def _count(token: ApiToken, now: dt.datetime) -> None:
    """A fixed one-minute window per token, kept in its row (so every app server counts together)."""
    started = token.window_started_at
    if started is None or now - started >= dt.timedelta(minutes=1):
        token.window_started_at, token.window_requests = now, 0
        started = now
    if token.window_requests >= PER_MINUTE:
        wait = max(1, int((started + dt.timedelta(minutes=1) - now).total_seconds()) + 1)
        raise ApiRefused(429, f"at most {PER_MINUTE} requests a minute per token; try again in {wait} s",
                         wait)
    token.window_requests += 1
    token.last_used_at = now
