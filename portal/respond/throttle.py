"""Limits on typed access codes, counted in the database so they hold for every worker and server.

Failed attempts are counted per code bucket (the first group of the code) and
network together, so someone guessing elsewhere never blocks a parent's own
code, and a parent who mistypes slows only their own tries at codes that start
the same way. A generous per-network limit (an IPv6 address's /64 counts as one)
stops one machine spraying guesses across every bucket; a global breaker stops a
flood from many machines (typed codes wait a while; links keep working). A
parent who gets in is not slowed down: only failures are kept, as keyed hashes of
the bucket and the network, and only as long as the longest window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import Base
from portal.security import keyed_digest, network_of, normalise_access_code

CODE_LIMIT, CODE_WINDOW = 5, dt.timedelta(minutes=15)
NETWORK_LIMIT, NETWORK_WINDOW = 60, dt.timedelta(hours=1)
# all networks together: far above what parents mistype (a few a day), far below what guessing
# 40-bit codes needs; a flood pauses typed codes for up to BREAKER_WINDOW
BREAKER_LIMIT, BREAKER_WINDOW = 1000, dt.timedelta(minutes=15)
BUCKET_CHARS = 4


class CodeAttempt(Base):
    """One failed access-code attempt."""

    __tablename__ = "code_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    bucket: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


@dataclass(frozen=True, slots=True)
class Attempt:
    """Where an attempt is counted: its code bucket and its network address, as keyed hashes."""

    bucket: str
    address: str

    @classmethod
    def of(cls, link_key: bytes, typed: str, address: str) -> Attempt:
        bucket = normalise_access_code(typed)[:BUCKET_CHARS]
        network = network_of(address)
        return cls(keyed_digest(link_key, "attempt-bucket", f"{bucket}|{network}"),
                   keyed_digest(link_key, "attempt-address", network))


def too_many(session: Session, attempt: Attempt, now: dt.datetime) -> bool:
    failed = select(func.count(CodeAttempt.id))
    in_bucket = failed.where(CodeAttempt.bucket == attempt.bucket, CodeAttempt.at > now - CODE_WINDOW)
    from_address = failed.where(CodeAttempt.address == attempt.address, CodeAttempt.at > now - NETWORK_WINDOW)
    everywhere = failed.where(CodeAttempt.at > now - BREAKER_WINDOW)
    return ((session.scalar(in_bucket) or 0) >= CODE_LIMIT
            or (session.scalar(from_address) or 0) >= NETWORK_LIMIT
            or (session.scalar(everywhere) or 0) >= BREAKER_LIMIT)


def note_failure(session: Session, attempt: Attempt, now: dt.datetime) -> None:
    session.execute(delete(CodeAttempt).where(CodeAttempt.at <= now - NETWORK_WINDOW))  # never counted again
    session.add(CodeAttempt(at=now, bucket=attempt.bucket, address=attempt.address))
