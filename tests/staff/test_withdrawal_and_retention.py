"""Withdrawal of both scopes, the access report, the CONSORT flow and the account commands."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.contacts import contact_book
from portal.db import db
from portal.families.models import InvitationState, Response
from portal.staff.models import StaffUser
from portal.staff.records import Note, StaffAttempt
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import answer_baseline, enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases


def _withdraw(coordinator, family: str, scope: str):  # type: ignore[no-untyped-def]
    url = f"/staff/families/{family}/withdraw"
    return coordinator.post(url, {"scope": scope, "confirm": family, "reason": "asked by phone"}, form_at=url)


def test_stop_contact_keeps_answers_and_withdraws_what_lies_ahead(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    answer_baseline(app, family.respondents[0], now=clock.now)
    coordinator = staff("coordinator")
    assert _withdraw(coordinator, family.family, "stop_contact").status_code == 302
    with app.app_context():
        found = family_by_pseudonym(family.family)
        states = [i.state(clock.now) for i in found.respondents[0].invitations]
        assert found.status == "contact_stopped"
        assert states == [InvitationState.completed] + [InvitationState.withdrawn] * 4
        assert db.session.scalar(select(func.count(Response.id))) == 1
        assert contact_book().get(family.respondents[0]) is not None
        assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == (
            "withdrawal_stop_contact"
        )


def test_erase_deletes_answers_contacts_and_notes_and_leaves_a_tombstone(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    answer_baseline(app, family.respondents[0], now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    coordinator.post(f"{url}/notes", {"text": "call in the evening"}, form_at=url)
    with app.app_context():
        t0 = family_by_pseudonym(family.family).respondents[0].invitations[0].id
    coordinator.post("/staff/attempts", {"invitation": str(t0), "channel": "phone", "outcome": "will_answer",
                                         "note": "best after 18"}, form_at=url)
    unconfirmed = coordinator.post(f"{url}/withdraw", {"scope": "erase", "confirm": "nope"},
                                   form_at=f"{url}/withdraw")
    assert unconfirmed.status_code == 400
    assert _withdraw(coordinator, family.family, "erase").status_code == 302
    with app.app_context():
        found = family_by_pseudonym(family.family)
        assert found.status == "erased" and found.child is None
        assert len(found.respondents) == 1 and len(found.respondents[0].invitations) == 5
        assert db.session.scalar(select(func.count(Response.id))) == 0
        assert db.session.scalar(select(func.count(Note.id))) == 0
        assert db.session.scalars(select(StaffAttempt.note)).all() == [""]  # counted still, the words gone
        assert contact_book().get(family.respondents[0]) is None
    page = coordinator.client.get(url).text
    assert "erased" in page and "Kari" not in page
    again = _withdraw(coordinator, family.family, "erase")
    assert again.status_code == 400 and "already been erased" in again.text


def test_the_access_report_shows_everything_held_and_is_audited(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    answer_baseline(app, family.respondents[0], now=clock.now)
    coordinator = staff("coordinator")
    report = coordinator.client.get(f"/staff/respondents/{family.respondents[0]}/access-report").text
    for expected in ("Kari Testesen", "+4791111111", "kari@test.example", family.family, "May 2018",
                     "who5_1 = 3", "18 months", "enrol", "GDPR Art. 15"):
        assert expected in report, expected
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and (last.action, last.subject) == ("access_report", family.respondents[0])


def test_the_consort_flow_counts_per_arm_as_svg_and_csv(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    one = enrol_family(app, now=clock.now, arm="family_partner")
    enrol_family(app, now=clock.now, arm="usual_services",
                 people=[("mother", "nb", "B", "+4791112222", None)])
    answer_baseline(app, one.respondents[0], now=clock.now)
    clock.advance(days=40)
    admin = staff("admin", blinded=False)
    page = admin.client.get("/staff/retention").text
    assert "<svg" in page and "Enrolled: 2 families" in page and "completed: 1 (100%)" in page
    assert "attempted = staff recorded at least one contact attempt" in page
    svg = admin.client.get("/staff/retention.svg")
    assert svg.mimetype == "image/svg+xml" and svg.text.startswith("<svg")
    rows = admin.client.get("/staff/retention.csv").text.splitlines()
    assert "family_partner,T0,completed,1,100%" in rows and "usual_services,T0,lost,1,100%" in rows
    pooled = staff("analyst").client.get("/staff/retention.csv").text
    assert "all arms,T0,invited,2,100%" in pooled.splitlines() and "family_partner" not in pooled
    elsewhere = staff("coordinator", email="far@staff.example", sites=["lillehammer"])
    assert "Enrolled: 0 families" in elsewhere.client.get("/staff/retention").text  # only their own sites


def test_the_data_manager_creates_disables_and_resets_accounts(app: Flask, runner: FlaskCliRunner) -> None:
    created = runner.invoke(args=["users", "create", "--email", "RA@Site.example", "--role", "coordinator",
                                  "--site", "larvik", "--site", "lillehammer", "--unblinded"])
    assert created.exit_code == 0, created.output
    assert "one-time password: " in created.output
    from_stdin = runner.invoke(args=["users", "create", "--email", "an@site.example", "--role", "analyst",
                                     "--password-stdin"], input="a long enough password\n")
    assert from_stdin.exit_code == 0 and "one-time password" not in from_stdin.output
    no_site = runner.invoke(args=["users", "create", "--email", "x@site.example", "--role", "coordinator"])
    assert no_site.exit_code == 2 and "needs at least one --site" in no_site.output
    bad_site = runner.invoke(args=["users", "create", "--email", "y@site.example", "--role", "coordinator",
                                   "--site", "bergen"])
    assert bad_site.exit_code == 2 and "unknown site(s) bergen" in bad_site.output
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email="ra@site.example")).one()
        assert (user.sites, user.blinded, user.password_hash.startswith("$argon2id$")) == (
            ["larvik", "lillehammer"], False, True
        )
        user.totp_secret = "JBSWY3DPEHPK3PXP"
        db.session.commit()
    assert runner.invoke(args=["users", "reset-2fa", "--email", "ra@site.example"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "--email", "ra@site.example"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "--email", "nobody@site.example"]).exit_code == 2
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email="ra@site.example")).one()
        assert (user.totp_secret, user.active) == (None, False)


def test_an_admin_can_disable_another_account_from_the_page(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    admin = staff("admin")
    admin.post(f"/staff/users/{coordinator.id}/disable", form_at="/staff/users")
    assert coordinator.client.get("/staff/dashboard").status_code == 302
    assert admin.post(f"/staff/users/{admin.id}/disable", form_at="/staff/users").status_code == 404
