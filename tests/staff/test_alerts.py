"""Alerts that reach someone: respondent and wave named, a count in every menu, resolved with a note."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Alert
from portal.messaging.models import MessageKind, OutboxMessage
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import Enrolled, enrol_family, raise_test_alert

pytestmark = pytest.mark.databases
BADGE = '<span class="badge">{n}<span class="visually-hidden"> open</span></span>'


def _raise(app: Flask, family: Enrolled, clock: Clock, kind: str = "phq9_item9") -> int:
    return raise_test_alert(app, family.family, now=clock.now, kind=kind, tell_on_call=kind == "phq9_item9")


def test_an_alert_names_respondent_and_wave_shows_name_and_phone_and_the_read_is_audited(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    _raise(app, family, clock)
    coordinator = staff("coordinator")
    page = coordinator.client.get("/staff/alerts").text
    assert family.respondents[0] in page and "<td>Baseline</td>" in page and "1 Sep 2026, 10:00" in page
    assert "Kari Testesen" in page and "+4791111111" in page and "kari@test.example" not in page
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and (last.action, last.subject) == ("contacts_viewed", family.respondents[0])
    admin_page = staff("admin").client.get("/staff/alerts").text
    assert family.respondents[0] in admin_page and "Kari Testesen" not in admin_page


def test_every_staff_page_counts_open_alerts_at_the_coordinators_sites(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    here = enrol_family(app, now=clock.now)
    there = enrol_family(app, now=clock.now, site="lillehammer",
                         people=[("mother", "nb", "B", "+4791112222", None)])
    _raise(app, here, clock)
    _raise(app, here, clock, kind="bounced")
    _raise(app, there, clock)
    coordinator = staff("coordinator")
    for path in ("/staff/dashboard", "/staff/alerts", "/staff/retention", f"/staff/families/{here.family}"):
        assert BADGE.format(n=2) in coordinator.client.get(path).text, path
    assert BADGE.format(n=3) in staff("admin").client.get("/staff/dashboard").text
    analyst = staff("analyst").client.get("/staff/retention").text
    assert 'class="badge"' not in analyst
    family_page = coordinator.client.get(f"/staff/families/{here.family}").text
    assert "Open alerts (2)" in family_page and "PHQ-9 item 9" in family_page


def test_resolving_needs_a_note_without_names_and_is_audited_without_it(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    alert_id = _raise(app, family, clock)
    coordinator = staff("coordinator")
    url = f"/staff/alerts/{alert_id}/resolve"
    empty = coordinator.post(url, {"note": "  "}, form_at="/staff/alerts", follow=True)
    assert "The alert is still open. Write briefly what was done" in empty.text
    named = coordinator.post(url, {"note": "Spoke with Kari"}, form_at="/staff/alerts", follow=True)
    assert "Leave names, phone numbers and e-mail addresses out" in named.text
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert is not None and alert.resolved_at is None
    done = coordinator.post(url, {"note": "Called the same day; safety plan agreed", "back": "family"},
                            form_at=f"/staff/families/{family.family}", follow=True)
    assert "Alert marked as resolved." in done.text and "Open alerts" not in done.text
    assert 'class="badge"' not in done.text
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert is not None and alert.resolution_note == "Called the same day; safety plan agreed"
        event = db.session.scalars(select(AuditEvent).filter_by(action="alert_resolved")).one()
        assert "safety plan" not in str(event.details) and event.subject == family.family


def test_a_safety_alert_queues_one_message_to_on_call_and_a_bounce_none(app: Flask, clock: Clock) -> None:
    family = enrol_family(app, now=clock.now)
    safety = _raise(app, family, clock)
    _raise(app, family, clock, kind="bounced")
    with app.app_context():
        queued = db.session.scalars(select(OutboxMessage).filter_by(kind=MessageKind.alert)).all()
        assert [(m.idempotency_key, m.channel, m.due_at) for m in queued] == [
            (f"alert{safety}-on-call", "email", clock.now)]
