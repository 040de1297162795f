"""Quiet hours in Oslo local time, across both daylight-saving changes (pure, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from portal.messaging.quiet import allowed, next_allowed
from portal.protocol.model import QuietHours

OSLO = ZoneInfo("Europe/Oslo")
HOURS = QuietHours(send_from=dt.time(9, 0), send_until=dt.time(20, 0))


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO).astimezone(dt.UTC)


def test_a_moment_inside_the_sending_hours_goes_at_once() -> None:
    assert next_allowed(oslo(2027, 5, 3, 9, 0), HOURS, OSLO) == oslo(2027, 5, 3, 9, 0)
    assert next_allowed(oslo(2027, 5, 3, 19, 59), HOURS, OSLO) == oslo(2027, 5, 3, 19, 59)


def test_early_morning_waits_until_nine_and_evening_until_nine_next_day() -> None:
    assert next_allowed(oslo(2027, 5, 3, 0, 0), HOURS, OSLO) == oslo(2027, 5, 3, 9, 0)
    assert next_allowed(oslo(2027, 5, 3, 20, 0), HOURS, OSLO) == oslo(2027, 5, 4, 9, 0)
    assert next_allowed(oslo(2027, 12, 31, 23, 30), HOURS, OSLO) == oslo(2028, 1, 1, 9, 0)


def test_nine_oclock_stays_nine_oclock_across_daylight_saving_changes() -> None:
    # spring forward on 28 March 2027 (02:00 -> 03:00), fall back on 31 October 2027 (03:00 -> 02:00)
    spring = next_allowed(oslo(2027, 3, 27, 21, 0), HOURS, OSLO)
    autumn = next_allowed(oslo(2027, 10, 30, 21, 0), HOURS, OSLO)
    assert spring == dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC)  # 09:00 summer time
    assert autumn == dt.datetime(2027, 10, 31, 8, 0, tzinfo=dt.UTC)  # 09:00 winter time
    # the night of the change is still quiet: 02:30 UTC is 04:30 summer time
    assert not allowed(dt.datetime(2027, 3, 28, 2, 30, tzinfo=dt.UTC), HOURS, OSLO)


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2030, 12, 31)))
def test_the_next_allowed_moment_is_never_quiet_never_earlier_and_within_a_day(naive: dt.datetime) -> None:
    moment = naive.replace(tzinfo=dt.UTC)
    chosen = next_allowed(moment, HOURS, OSLO)
    assert allowed(chosen, HOURS, OSLO)
    assert moment <= chosen <= moment + dt.timedelta(hours=14)  # 14: the night the clocks go back
    assert chosen == moment or chosen.astimezone(OSLO).time() == dt.time(9, 0)
