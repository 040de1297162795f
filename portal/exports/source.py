"""The rows an export is made from: plain values read from the main store, no ORM objects.

Only completed responses are carried: a draft is not data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Answered:
    """One completed response: one instrument in one invitation."""

    instrument: str
    version: str
    language: str
    mode: str
    answers: Mapping[str, Any]
    pack: str = ""  # the translation pack's version the items were shown in; "" the instrument's own text


@dataclass(frozen=True, slots=True)
class Attempts:
    """The contact log of one invitation, summed up (counts and channels, never an address)."""

    count: int = 0
    channels: tuple[str, ...] = ()
    first_at: dt.datetime | None = None
    by_staff: int = 0  # contact attempts staff recorded (calls, visits, letters, messages by hand)
    last_staff_outcome: str = ""


@dataclass(frozen=True, slots=True)
class Visit:
    """One invitation: a respondent at one wave."""

    wave: str
    instruments: tuple[str, ...]  # what the schedule asks at this wave
    due_date: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    responses: tuple[Answered, ...] = ()
    attempts: Attempts | None = None  # None: no contact log in this database

    def response(self, instrument: str) -> Answered | None:
        return next((r for r in self.responses if r.instrument == instrument), None)

    @property
    def in_window(self) -> bool:
        return self.completed_at is not None and self.opens_at <= self.completed_at < self.closes_at


@dataclass(frozen=True, slots=True)
class Person:
    """A respondent with the family's pseudonymous facts. `arm` is already blinded where asked."""

    family: str
    respondent: str
    role: str
    site: str
    arm: str  # "" while not allocated
    baseline: dt.date
    visits: tuple[Visit, ...]
    child_birth_month: dt.date | None = None  # the 1st of the month: no birth day is kept

    def visit(self, wave: str) -> Visit | None:
        return next((v for v in self.visits if v.wave == wave), None)
