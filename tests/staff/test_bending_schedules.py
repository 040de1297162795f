"""Schedules that bend: one window extended, a baseline corrected, reminders moved by a protocol change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Invitation, Respondent, Response
from portal.messaging.models import MessageStatus, OutboxMessage
from tests.conftest import Clock, app_on_study, shipped_study
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases
OSLO = ZoneInfo("Europe/Oslo")


def _invitation(pseudonym: str, wave: str) -> Invitation:
    return db.session.scalars(select(Invitation).join(Respondent).where(
        Respondent.pseudonym == pseudonym, Invitation.wave == wave)).one()


def _pending(invitation_id: int) -> list[tuple[str, str]]:
    """(kind, Oslo date) of the invitation's queued messages."""
    messages = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.invitation_id == invitation_id, OutboxMessage.status == MessageStatus.pending
    ).order_by(OutboxMessage.due_at))
    return [(m.kind, m.due_at.astimezone(OSLO).date().isoformat()) for m in messages]


def _last_audit() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[return-value]


def test_extending_a_window_moves_its_last_reminder_and_is_audited(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    mother = family.respondents[0]
    with app.app_context():
        t0 = _invitation(mother, "T0").id
        assert ("last_reminder", "2026-09-29") in _pending(t0)
    coordinator = staff("coordinator")
    url = f"/staff/invitations/{t0}/extend"
    done = coordinator.post(url, {"last_day": "2026-10-10", "reason": "on holiday in September"}, form_at=url)
    assert done.status_code == 302
    with app.app_context():
        invitation = db.session.get(Invitation, t0)
        assert invitation is not None
        assert invitation.closes_at.astimezone(OSLO) == dt.datetime(2026, 10, 11, tzinfo=OSLO)
        assert _pending(t0)[-1] == ("last_reminder", "2026-10-10")
        event = _last_audit()
        assert (event.action, event.subject, event.details["reason"]) == (
            "window_extended", mother, "on holiday in September")


def test_a_window_never_reaches_into_the_next_wave_and_bad_input_is_kept_beside_its_field(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    with app.app_context():
        t0 = _invitation(family.respondents[0], "T0")
        t0_id, closes = t0.id, t0.closes_at
    coordinator = staff("coordinator")
    url = f"/staff/invitations/{t0_id}/extend"
    into_t1 = coordinator.post(url, {"last_day": "2026-11-30", "reason": "late"}, form_at=url)
    assert into_t1.status_code == 400
    assert "23 Nov 2026 at the latest" in into_t1.text and 'value="late"' in into_t1.text
    assert 'value="2026-11-30"' in into_t1.text  # the date field keeps what was typed, in ISO
    garbage = coordinator.post(url, {"last_day": "next friday", "reason": ""}, form_at=url)
    assert garbage.status_code == 400
    assert 'id="last_day-error"' in garbage.text and 'id="reason-error"' in garbage.text
    assert 'value="next friday"' in garbage.text
    with app.app_context():
        assert db.session.get(Invitation, t0_id).closes_at == closes  # type: ignore[union-attr]


def test_correcting_the_baseline_re_plans_waves_not_yet_opened_and_keeps_answers(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    mother = family.respondents[0]
    with app.app_context():
        t0 = _invitation(mother, "T0")
        t0.start(clock.now)
        db.session.add(Response(invitation_id=t0.id, instrument_id="who5", instrument_version="1",
                                language="nb", answers={"who5_1": 3}, status="draft", started_at=clock.now))
        db.session.commit()
        t0_window = (t0.opens_at, t0.closes_at)
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}/baseline"
    future = coordinator.post(url, {"baseline": "2027-01-01", "reason": "typo"}, form_at=url)
    assert future.status_code == 400 and "future" in future.text
    done = coordinator.post(url, {"baseline": "2026-08-15", "reason": "consent signed earlier"}, form_at=url)
    assert done.status_code == 302
    with app.app_context():
        t0, t1 = _invitation(mother, "T0"), _invitation(mother, "T1")
        assert (t0.opens_at, t0.closes_at) == t0_window  # already open: left alone
        assert t1.due_date == dt.date(2026, 11, 15)
        assert t1.respondent.family.baseline_date == dt.date(2026, 8, 15)
        assert _pending(t1.id)[0] == ("invitation", "2026-11-08")
        assert db.session.scalars(select(Response.answers)).one() == {"who5_1": 3}
        assert _last_audit().action == "baseline_corrected"


@pytest.fixture
def new_reminders_app(environ: dict[str, str], tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    """The same database, served with a protocol file where T1 reminds on days 5 and 10 only."""
    text = shipped_study()
    marker = "id: T1\n    offset_months: 3\n    window: {opens_days_before: 7, closes_days_after: 28}\n"
    assert marker in text
    text = text.replace(marker + "    reminder_days: [7, 14, 28]", marker + "    reminder_days: [5, 10]")
    with app_on_study(environ, tmp_path / "reminders", clock, text, PASSWORD_CHEAP=True) as app:
        yield app


def test_when_only_reminder_days_change_re_planning_moves_the_queued_reminders(
    app: Flask, new_reminders_app: Flask, clock: Clock
) -> None:
    family = enrol_family(app, now=clock.now)
    runner = new_reminders_app.test_cli_runner()
    now = ["--now", clock.now.isoformat()]
    preview = runner.invoke(args=["schedule", "replan", "--dry-run", *now])
    assert "0 respondents' schedules would change." in preview.output
    assert "invitations' queued reminders would move." in preview.output
    assert not preview.output.startswith("0 invitations") and "\n0 invitations" not in preview.output
    assert runner.invoke(args=["schedule", "replan", *now]).exit_code == 0
    with new_reminders_app.app_context():
        t1 = _invitation(family.respondents[0], "T1")
        assert _pending(t1.id) == [("invitation", "2026-11-24"), ("reminder", "2026-11-29"),
                                   ("reminder", "2026-12-04"), ("last_reminder", "2026-12-29")]
    again = runner.invoke(args=["schedule", "replan", "--dry-run", *now])
    assert "0 invitations' queued reminders would move." in again.output
