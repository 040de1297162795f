"""Planning (pure): which messages an invitation gets, whatever moment the plan is made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.messaging.planning import PlannedMessage, plan_invitation
from portal.protocol.loader import load_protocol
from portal.protocol.model import Protocol, Wave
from portal.protocol.schedule import plan_wave
from tests.messaging.journey import OSLO, oslo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(ROOT / "studies" / "family-partner.yaml")


def _plan(protocol: Protocol, wave_id: str, now: dt.datetime, baseline: dt.date = dt.date(2026, 9, 1)
          ) -> list[PlannedMessage]:
    wave = protocol.wave(wave_id)
    assert isinstance(wave, Wave)
    planned = plan_wave(wave, baseline, protocol.timezone)
    return plan_invitation(protocol, wave, planned.opens_at, planned.closes_at, now.astimezone(dt.UTC))


def _local(plan: list[PlannedMessage]) -> list[tuple[str, int, str]]:
    return [(m.kind.value, m.sequence, m.due_at.astimezone(OSLO).strftime("%m-%d %H:%M")) for m in plan]


def test_planned_ahead_a_wave_gets_its_invitation_reminders_and_last_day(protocol: Protocol) -> None:
    assert _local(_plan(protocol, "T1", oslo(2026, 9, 1, 14, 0))) == [
        ("invitation", 0, "11-24 09:00"), ("reminder", 1, "12-01 09:00"), ("reminder", 2, "12-08 09:00"),
        ("reminder", 3, "12-22 09:00"), ("last_reminder", 0, "12-29 09:00"),
    ]


def test_planned_mid_window_past_reminders_are_left_out_and_keys_stay_the_same(protocol: Protocol) -> None:
    # on 10 December the first two T1 reminders are history; the third keeps its number
    assert _local(_plan(protocol, "T1", oslo(2026, 12, 10, 15, 0))) == [
        ("invitation", 0, "12-10 15:00"), ("reminder", 3, "12-22 09:00"), ("last_reminder", 0, "12-29 09:00"),
    ]


def test_planned_on_the_evening_of_the_last_day_nothing_is_left_to_send(protocol: Protocol) -> None:
    assert _plan(protocol, "T1", oslo(2026, 12, 29, 20, 30)) == []


def test_a_reminder_on_the_last_day_becomes_the_last_reminder(protocol: Protocol) -> None:
    wave = protocol.wave("T0")
    assert wave is not None
    short = Wave(wave.id, 0, 0, 7, (3, 7), wave.instruments)
    planned = plan_wave(short, dt.date(2026, 9, 1), protocol.timezone)
    now = oslo(2026, 9, 1, 10).astimezone(dt.UTC)
    plan = plan_invitation(protocol, short, planned.opens_at, planned.closes_at, now)
    assert _local(plan) == [("invitation", 0, "09-01 10:00"), ("reminder", 1, "09-04 09:00"),
                            ("last_reminder", 0, "09-08 09:00")]
