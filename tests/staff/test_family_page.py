"""The family page: states, contacts for coordinators, notes, contact changes, links, interview, alerts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.contacts import contact_book
from portal.db import db
from portal.families.models import Alert, Invitation
from portal.security import derive_token, hash_token
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_page_shows_each_wave_and_the_contacts_to_a_coordinator(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    page = staff("coordinator").client.get(f"/staff/families/{family.family}").text
    assert f"<bdi dir=\"ltr\">{family.family}</bdi>" in page
    assert "Kari Testesen" in page and "+4791111111" in page
    assert page.count('data-wave="') == 5 and "tag-open" in page and "tag-scheduled" in page
    assert "Do not write names" in page
    assert _actions(app)[-1] == "contacts_viewed"  # who looked at whom is on the record


def test_dates_read_in_the_account_language_and_stay_iso_where_they_are_data(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    with app.app_context():
        waves = {i.wave: i for i in family_by_pseudonym(family.family).respondents[0].invitations}
        assert waves["T2"].due_date == dt.date(2027, 3, 1)
        t0_id = waves["T0"].id
    norwegian = staff("coordinator", email="nb@staff.example", language="nb")
    english = staff("coordinator", email="en@staff.example", language="en").client
    path = f"/staff/families/{family.family}"
    assert '<time datetime="2027-03-01">1. mars 2027</time>' in norwegian.client.get(path).text
    shown = english.get(path).text
    assert '<time datetime="2027-03-01">1 Mar 2027</time>' in shown
    words = re.sub(r"<[^>]*>", " ", shown)  # what a person reads, without the tags' attributes
    assert re.findall(r"\b\d{4}-\d{2}-\d{2}\b", words) == []  # no ISO date left in the prose
    url = f"/staff/invitations/{t0_id}/extend"
    refused = norwegian.post(url, {"last_day": "2027-06-30", "reason": "ferie"}, form_at=url)
    assert refused.status_code == 400 and "23. november 2026" in refused.text  # the latest day, in words
    assert 'type="date" dir="ltr" required value="2027-06-30"' in refused.text  # the field keeps ISO


def test_pages_without_contacts_leave_no_contact_view_in_the_audit(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    page = staff("admin").client.get(f"/staff/families/{family.family}").text
    assert family.family in page and "Kari Testesen" not in page
    assert "contacts_viewed" not in _actions(app)


def test_blinded_staff_never_see_the_arm_and_unblinded_staff_do(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, arm="usual_services")
    blinded = staff("coordinator", email="b@staff.example", blinded=True).client
    open_eyes = staff("coordinator", email="u@staff.example", blinded=False).client
    for path in (f"/staff/families/{family.family}", "/staff/dashboard", "/staff/retention",
                 "/staff/retention.csv"):
        shown = blinded.get(path).text
        assert "usual_services" not in shown and "Usual services" not in shown, path
    assert "Usual services" in open_eyes.get(f"/staff/families/{family.family}").text  # its name, in words
    assert "usual_services" in open_eyes.get("/staff/retention.csv").text
    assert 'name="arm"' not in blinded.get("/staff/dashboard").text
    filtered = open_eyes.get("/staff/dashboard?arm=family_partner").text
    assert family.family not in filtered


def _count(page: str, bucket: str) -> str:
    """A dashboard count's number, whether or not it links to the call list."""
    found = re.search(rf'<td data-bucket="{bucket}">(?:<a href="([^"]+)"[^>]*>)?(\d+)', page)
    assert found is not None, bucket
    return found.group(2) + (f" {found.group(1)}" if found.group(1) else "")


def test_the_dashboard_counts_invitations_by_state(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    # weeks pass in this test, not in an office
    app.config["STAFF_IDLE"] = app.config["STAFF_ABSOLUTE"] = dt.timedelta(days=365)
    enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    page = coordinator.client.get("/staff/dashboard").text
    assert _count(page, "open") == "1 /staff/calls?site=larvik&amp;wave=&amp;state=not_started"
    assert _count(page, "due_this_week").startswith("1 /staff/calls?")
    clock.advance(days=10)
    page = coordinator.client.get("/staff/dashboard").text
    assert _count(page, "overdue") == "1 /staff/calls?site=larvik&amp;wave=&amp;state=overdue"
    clock.advance(days=30)
    assert _count(coordinator.client.get("/staff/dashboard?wave=T0").text, "expired") == "1"


def test_a_note_is_saved_under_the_pseudonym_and_audited(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    page = coordinator.post(f"{url}/notes", {"text": "Prefers calls after 16:00."}, form_at=url, follow=True)
    assert "Prefers calls after 16:00." in page.text
    empty = coordinator.post(f"{url}/notes", {"text": "  "}, form_at=url, follow=True)
    assert "Write something in the note first." in empty.text
    assert [a for a in _actions(app) if a != "contacts_viewed"][-1] == "note_added"


def test_contact_details_and_language_can_be_changed(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/respondents/{family.respondents[0]}/contact"
    bad = coordinator.post(url, {"name": "Kari", "phone": "12", "email": "", "language": "nb"}, form_at=url)
    assert bad.status_code == 400 and "not a valid phone number" in bad.text
    changed = {"name": "Kari T.", "phone": "48 00 00 01", "email": "", "language": "pl"}
    coordinator.post(url, changed, form_at=url)
    with app.app_context():
        contact = contact_book().get(family.respondents[0])
        assert contact is not None
        assert (contact.name, contact.phone, contact.email) == ("Kari T.", "+4748000001", None)
        assert family_by_pseudonym(family.family).respondents[0].language == "pl"
    assert _actions(app)[-1] == "contact_changed"


def test_showing_a_link_is_audited_and_revoking_it_stops_the_old_one(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    old_token = family.tokens[f"{family.respondents[0]}/T0"]
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    with app.app_context():
        invitation_id = family_by_pseudonym(family.family).respondents[0].invitations[0].id
    shown = coordinator.post(f"/staff/invitations/{invitation_id}/link", form_at=url)
    assert old_token in shown.text and "Access code" in shown.text
    assert _actions(app)[-1] == "link_shown"
    assert app.test_client().get(f"/s/{old_token}").status_code == 200
    coordinator.post(f"/staff/invitations/{invitation_id}/revoke", form_at=url)
    assert app.test_client().get(f"/s/{old_token}").status_code == 404
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.token_generation == 1
        key = app.config["SETTINGS"].link_key
        assert invitation.token_hash == hash_token(key, derive_token(key, invitation_id, 1).reveal())
    assert app.test_client().get(f"/s/{derive_token(key, invitation_id, 1).reveal()}").status_code == 200


def test_interview_mode_hands_over_to_the_parent_pages(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    with app.app_context():
        invitation_id = family_by_pseudonym(family.family).respondents[0].invitations[0].id
    answer = coordinator.post(f"/staff/invitations/{invitation_id}/interview",
                              form_at=f"/staff/families/{family.family}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/q/1")
    with coordinator.client.session_transaction() as session:
        assert (session["invitation"], session["mode"], session["entered_by"]) == (
            invitation_id, "interview", coordinator.id
        )
        assert session["staff_user"] == coordinator.id  # still signed in
    assert _actions(app)[-1] == "interview_started"
    with app.app_context():
        later = family_by_pseudonym(family.family).respondents[0].invitations[1].id
    refused = coordinator.post(f"/staff/invitations/{later}/interview",
                               form_at=f"/staff/families/{family.family}", follow=True)
    assert "Interview cannot start" in refused.text


def test_alerts_are_listed_and_resolved_with_an_audit_entry(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    with app.app_context():
        family_id = family_by_pseudonym(family.family).id
        alert = Alert(family_id=family_id, kind="phq9_item9", created_at=clock.now)
        db.session.add(alert)
        db.session.commit()
        alert_id = alert.id
    coordinator = staff("coordinator")
    page = coordinator.client.get("/staff/alerts").text
    assert "PHQ-9 item 9" in page and family.family in page
    coordinator.post(f"/staff/alerts/{alert_id}/resolve", {"note": "Called; safety plan agreed"},
                     form_at="/staff/alerts")
    with app.app_context():
        resolved = db.session.get(Alert, alert_id)
        assert resolved is not None and resolved.resolved_by == coordinator.id
    assert _actions(app)[-1] == "alert_resolved"
    elsewhere = staff("coordinator", email="other@staff.example", sites=["lillehammer"])
    assert family.family not in elsewhere.client.get("/staff/alerts").text


def test_a_family_is_found_by_a_typed_pseudonym_and_a_typo_is_explained(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    typed = family.family.lower()
    found = coordinator.client.get(f"/staff/families?pseudonym={typed}")
    assert found.headers["Location"] == f"/staff/families/{family.family}"
    wrong = family.family[:-1] + ("0" if family.family[-1] != "0" else "1")
    missing = coordinator.client.get(f"/staff/families?pseudonym={wrong}", follow_redirects=True)
    assert "No family" in missing.text and "last character catches most typos" in missing.text
