"""Staff accounts (admins, coordinators, analysts), their recovery codes and sign-in attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base

ROLES = ("admin", "coordinator", "analyst")


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'coordinator', 'analyst')", name="role_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    sites: Mapped[list[str]]  # site codes a coordinator may see; empty means none
    blinded: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))  # the workspace's language; None: the study's
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed (portal.staff.sealing)
    # the last TOTP time step accepted: a code seen once is never accepted again
    totp_last_step: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    # set when the data manager chose the password: the person picks their own at next sign-in
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # raised to end every session of the account (sign-out, password, 2FA, role, disabling)
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]

    @property
    def actor(self) -> str:
        """How the audit trail names this account."""
        return f"staff:{self.id}"

    @property
    def sees_arm(self) -> bool:
        return not self.blinded


class RecoveryCode(Base):
    """A one-time code for when the authenticator is lost. Only a keyed hash is kept."""

    __tablename__ = "staff_recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """One password or code check, kept so limits hold across app servers and restarts."""

    __tablename__ = "staff_login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the typed e-mail
    address: Mapped[str] = mapped_column(String(64), index=True)  # the network: an IPv6 address's /64
    succeeded: Mapped[bool]
