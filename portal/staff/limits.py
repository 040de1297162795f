"""Sign-in attempt limits that slow guessing down without locking the right person out.

Failures are counted per pair of account and network (an IPv6 address's /64), so wrong passwords
typed from one place never refuse the right one from another. Past a few failures a pair, and
past many a network, must wait before its next try, longer after each further failure; a correct
sign-in from elsewhere is never refused. The typed e-mail is kept only as a keyed hash: people
sometimes type a password there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import registry
from portal.security import keyed_digest, network_of
from portal.staff.models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
PAIR_FREE = 5  # failures an account and network may have in WINDOW before each further try waits
NETWORK_FREE = 20  # failures a network may have in WINDOW, over all accounts, before it waits
FIRST_WAIT = dt.timedelta(seconds=30)  # doubled with each further failure, up to WINDOW


class TooManyAttempts(Exception):
    """Wait before the next try; str() is "account" or "address", `wait` how long."""

    def __init__(self, scope: str, wait: dt.timedelta) -> None:
        super().__init__(scope)
        self.wait = wait


def account_key(email: str) -> str:
    return keyed_digest(registry.settings().secret_key, "sign-in-email", email.strip().lower())


def check_limits(session: Session, email: str, address: str, now: dt.datetime) -> None:
    network = network_of(address)
    failed = select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
        LoginAttempt.at > now - WINDOW, ~LoginAttempt.succeeded, LoginAttempt.address == network)
    pair = session.execute(failed.where(LoginAttempt.account == account_key(email))).one()
    _wait_if_over(pair, PAIR_FREE, now, "account")
    _wait_if_over(session.execute(failed).one(), NETWORK_FREE, now, "address")


def _wait_if_over(counted: tuple[int, dt.datetime | None], free: int, now: dt.datetime, scope: str) -> None:
    failures, last = counted
    if failures < free or last is None:
        return
    wait = min(FIRST_WAIT * 2 ** (failures - free), WINDOW)
    if now < last + wait:
        raise TooManyAttempts(scope, last + wait - now)


def note_attempt(session: Session, email: str, address: str, now: dt.datetime, succeeded: bool) -> None:
    session.add(LoginAttempt(at=now, account=account_key(email), address=network_of(address),
                             succeeded=succeeded))
    session.flush()
