"""Interview mode framed: the banner in the coordinator's language, and signing out ends the interview."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Respondent
from tests.conftest import Clock
from tests.staff.conftest import Staff, StaffFactory
from tests.support.builders import enrol_family

pytestmark = pytest.mark.databases


def _interview(app: Flask, coordinator: Staff, respondent: str, family: str) -> None:
    with app.app_context():
        invitation = db.session.scalars(select(Invitation).join(Respondent).where(
            Respondent.pseudonym == respondent, Invitation.wave == "T0")).one()
    started = coordinator.post(f"/staff/invitations/{invitation.id}/interview",
                               form_at=f"/staff/families/{family}")
    assert started.headers["Location"] == "/q/1"


def test_the_banner_speaks_the_coordinators_language_and_the_items_the_parents(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, people=[("mother", "ar", "Layla Test", "+4791118888", None)])
    coordinator = staff("coordinator")  # English
    _interview(app, coordinator, family.respondents[0], family.family)
    page = coordinator.client.get("/q/1").text
    assert '<html lang="ar" dir="rtl">' in page
    assert f"Interview with {family.respondents[0]} (family {family.family}), wave Baseline" in page
    assert f'href="/staff/families/{family.family}">Back to the family page</a>' in page


def test_signing_out_ends_the_interview(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    _interview(app, coordinator, family.respondents[0], family.family)
    assert coordinator.client.get("/q/1").status_code == 200
    coordinator.post("/staff/logout")
    after = coordinator.client.get("/q/1")
    assert after.status_code == 404 and "Interview with" not in after.text
