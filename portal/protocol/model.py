"""The study protocol as frozen values: what the YAML file under studies/ says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

ROLES = ("mother", "father", "carer")


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Arm:
    id: str
    ratio: int
    names: dict[str, str] = field(default_factory=dict)  # language -> the arm's name for people


@dataclass(frozen=True, slots=True)
class Wave:
    id: str
    offset_months: int
    opens_days_before: int
    closes_days_after: int
    reminder_days: tuple[int, ...]
    instruments: dict[str, tuple[str, ...]]  # respondent role -> instrument ids in order
    names: dict[str, str] = field(default_factory=dict)  # language -> the wave's name for people

    def instruments_for(self, role: str) -> tuple[str, ...]:
        return self.instruments.get(role, ())


@dataclass(frozen=True, slots=True)
class AgeStratum:
    """The one extra allocation stratum a study file may name: the child's age in months at baseline,
    cut into groups, e.g. cuts (36, 72) give age:0-35, age:36-71 and age:72+."""

    cuts_months: tuple[int, ...]

    def groups(self) -> list[str]:
        bounds = (0, *self.cuts_months)
        return [f"age:{low}-{high - 1}" for low, high in zip(bounds, bounds[1:], strict=False)] + [
            f"age:{bounds[-1]}+"]

    def group(self, age_months: int) -> str:
        below = [cut for cut in self.cuts_months if age_months >= cut]
        index = len(below)
        return self.groups()[index]


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Messages go out only between `send_from` and `send_until`, local time."""

    send_from: dt.time
    send_until: dt.time


@dataclass(frozen=True, slots=True)
class OnCall:
    """Where staff are told that an alert was raised (the message names nobody)."""

    email: str
    language: str  # of the outbound catalogue, for the message's words


@dataclass(frozen=True, slots=True)
class Protocol:
    id: str
    public_name: dict[str, str]
    pseudonym_prefix: str
    timezone: ZoneInfo
    languages: tuple[str, ...]
    default_language: str
    quiet_hours: QuietHours
    help_text: dict[str, str]
    support_text: dict[str, str]
    sites: tuple[Site, ...]
    arms: tuple[Arm, ...]
    waves: tuple[Wave, ...]
    permissions: dict[str, str]  # instrument id -> where the permission is recorded
    blinded: bool
    on_call: OnCall | None = None  # None: alerts are shown in the workspace only
    allocation_stratum: AgeStratum | None = None  # site always stratifies; this one more, if named

    def site(self, site_id: str) -> Site | None:
        return next((s for s in self.sites if s.id == site_id), None)

    def wave(self, wave_id: str) -> Wave | None:
        return next((w for w in self.waves if w.id == wave_id), None)

    def arm_ids(self) -> tuple[str, ...]:
        return tuple(arm.id for arm in self.arms)

    def text(self, texts: dict[str, str], language: str) -> str:
        return texts.get(language) or texts.get(self.default_language) or next(iter(texts.values()))
