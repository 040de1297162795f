"""Quiet hours: pure arithmetic in the study's local time, whatever daylight saving does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.protocol.model import QuietHours


def allowed(moment: dt.datetime, hours: QuietHours, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return hours.send_from <= local < hours.send_until


def next_allowed(moment: dt.datetime, hours: QuietHours, zone: ZoneInfo) -> dt.datetime:
    """`moment` itself if a message may go then, else the next opening of the sending hours (UTC)."""
    if allowed(moment, hours, zone):
        return moment
    local = moment.astimezone(zone)
    day = local.date() if local.time() < hours.send_from else local.date() + dt.timedelta(days=1)
    # a wall-clock time on a calendar day, so 09:00 stays 09:00 on both sides of a DST change
    opening = dt.datetime.combine(day, hours.send_from, tzinfo=zone).astimezone(dt.UTC)
    # a send_from inside a spring-forward gap maps to a time that may still be quiet: step on
    return opening if allowed(opening, hours, zone) else next_allowed(opening + dt.timedelta(hours=1),
                                                                      hours, zone)
