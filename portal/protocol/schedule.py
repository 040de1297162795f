"""Schedule arithmetic: pure functions of dates, the protocol and a time zone.

Waves fall on calendar months after baseline in the study's local time; a
window opens and closes at local midnight, whatever daylight saving does.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from portal.protocol.model import Protocol, Wave


@dataclass(frozen=True, slots=True)
class PlannedWave:
    wave_id: str
    due_date: dt.date
    opens_at: dt.datetime  # aware, UTC
    closes_at: dt.datetime  # aware, UTC; the first moment the window is shut
    reminders_at: tuple[dt.datetime, ...]


def add_months(day: dt.date, months: int) -> dt.date:
    """31 August + 6 months is the last day of February, not 3 March."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).astimezone(dt.UTC)


def plan_wave(wave: Wave, baseline: dt.date, zone: ZoneInfo) -> PlannedWave:
    due = add_months(baseline, wave.offset_months)
    first_day = due - dt.timedelta(days=wave.opens_days_before)
    opens_at = local_midnight(first_day, zone)
    closes_at = local_midnight(due + dt.timedelta(days=wave.closes_days_after + 1), zone)
    reminders = tuple(local_midnight(first_day + dt.timedelta(days=d), zone) for d in wave.reminder_days)
    return PlannedWave(wave.id, due, opens_at, closes_at, reminders)


def plan_waves(protocol: Protocol, baseline: dt.date) -> tuple[PlannedWave, ...]:
    return tuple(plan_wave(wave, baseline, protocol.timezone) for wave in protocol.waves)


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()
