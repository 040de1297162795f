"""Every staff read of a name, phone or e-mail leaves an audit entry (issue 22, item 6)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def test_opening_the_contact_form_is_audited(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    respondent = family.respondents[0]
    page = coordinator.client.get(f"/staff/respondents/{respondent}/contact")
    assert page.status_code == 200 and "Kari Testesen" in page.text and "+4791111111" in page.text
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        seen = (last.actor, last.action, last.subject)
    assert seen == (f"staff:{coordinator.id}", "contact_viewed", respondent)
