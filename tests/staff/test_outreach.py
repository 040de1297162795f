"""Contact attempts and "send the link again" from the family page and the command line."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Invitation
from portal.messaging.models import MessageKind, MessageStatus, OutboxMessage
from portal.staff.records import StaffAttempt
from portal.staff.resend import AlreadyQueued, new_click, resend_link, resend_links
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory, at
from tests.support.builders import Enrolled, enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """An SMS gateway is set up (nothing is dispatched in these tests, so none need answer)."""
    return {**environ, "PORTAL_SMS_URL": "http://127.0.0.1:9/sms", "PORTAL_SMS_TOKEN": "test-token",
            "PORTAL_SMS_SENDER": "Studien"}


def _invitation_id(app: Flask, family: Enrolled, wave: str = "T0") -> int:
    with app.app_context():
        invitations = family_by_pseudonym(family.family).respondents[0].invitations
        return next(i.id for i in invitations if i.wave == wave)


def _audit(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _count(app: Flask, model: type, **where: object) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0


def test_a_coordinator_records_an_attempt_on_the_family_page_and_it_is_audited_without_the_note(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    assert "Record attempt" in coordinator.client.get(url).text
    answer = coordinator.post("/staff/attempts", {
        "invitation": str(_invitation_id(app, family)), "channel": "phone", "outcome": "message_left",
        "note": "Voicemail; try again after 16", "back": "family"}, form_at=url, follow=True)
    assert f"Attempt recorded for {family.respondents[0]} Baseline: Phone, message left." in answer.text
    assert "Voicemail; try again after 16" in answer.text and "Message left" in answer.text
    [recorded] = [e for e in _audit(app) if e.action == "contact_attempt_recorded"]
    assert recorded.subject == family.respondents[0]
    assert recorded.details == {"wave": "T0", "channel": "phone", "outcome": "message_left"}


def test_reached_declines_this_wave_stops_that_waves_reminders_and_no_other(
    app: Flask, clock: Clock, runner: FlaskCliRunner
) -> None:
    family = enrol_family(app, now=clock.now)
    t0, t1 = _invitation_id(app, family), _invitation_id(app, family, "T1")
    pending = {"status": MessageStatus.pending}
    assert _count(app, OutboxMessage, invitation_id=t0, **pending) > 1
    later_waves = _count(app, OutboxMessage, invitation_id=t1, **pending)
    result = runner.invoke(args=["attempt", family.respondents[0].lower(), "--wave", "t0", "--channel",
                                 "phone", "--outcome", "declines", "--now", clock.now.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Reached: declines this wave" in result.output
    assert _count(app, OutboxMessage, invitation_id=t0, **pending) == 0
    assert _count(app, OutboxMessage, invitation_id=t1, **pending) == later_waves > 0
    with app.app_context():
        invitation = db.session.get(Invitation, t0)
        assert invitation is not None and invitation.declined_at == clock.now
        assert invitation.state(clock.now) == "open"  # the link still works if the parent changes their mind


@pytest.mark.parametrize(("args", "expected"), [
    (["FP-0000-0000", "--wave", "T0", "--channel", "phone", "--outcome", "no-answer"],
     "No respondent FP-0000-0000"),
    (["{r}", "--wave", "T1", "--channel", "phone", "--outcome", "no-answer"], "Wave T1 is not open yet"),
    (["{r}", "--wave", "T9", "--channel", "phone", "--outcome", "no-answer"],
     "has no such wave; their waves are T0, T1, T2, T3, T4"),
    (["Kari Testesen", "--wave", "T0", "--channel", "phone", "--outcome", "no-answer"],
     "That is not a respondent's code"),
    (["{r}", "--wave", "T0", "--channel", "fax", "--outcome", "no-answer"],
     "Invalid value for '--channel': use one of phone, sms-by-hand,"),
    (["{r}", "--wave", "T0", "--channel", "phone", "--outcome", "maybe"],
     "Invalid value for '--outcome': use one of will-answer,"),
    (["{r}", "--wave", "T0", "--channel", "phone", "--outcome", "no-answer", "--note", "Kari was out"],
     "Leave names, phone numbers and e-mail addresses out of the note"),
    (["{r}", "--wave", "T0", "--channel", "phone", "--outcome", "no-answer", "--note", "ring 911 11 111"],
     "Leave names, phone numbers"),
    (["{r}", "--wave", "T0", "--channel", "phone", "--outcome", "no-answer", "--note", "x" * 201],
     "at most 200 characters"),
])
def test_a_bad_attempt_is_refused_with_a_clear_message_and_changes_nothing(
    app: Flask, clock: Clock, runner: FlaskCliRunner, args: list[str], expected: str
) -> None:
    family = enrol_family(app, now=clock.now)
    before = len(_audit(app))
    result = runner.invoke(args=["attempt", *[a.format(r=family.respondents[0]) for a in args],
                                 "--now", clock.now.isoformat()])
    assert result.exit_code != 0 and expected in result.output, result.output
    assert _count(app, StaffAttempt) == 0 and len(_audit(app)) == before
    assert "Kari" not in result.output.replace("Kari was out", "")  # the refusal never repeats a name


def test_the_page_refuses_an_unknown_outcome_an_unopened_wave_and_another_sites_invitation(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    url = f"/staff/families/{family.family}"
    coordinator = staff("coordinator")
    form = {"invitation": str(_invitation_id(app, family)), "channel": "phone", "outcome": "maybe"}
    answer = coordinator.post("/staff/attempts", form, form_at=url, follow=True)
    assert "The attempt was not recorded. Outcome: Not a valid choice." in answer.text
    later = {"invitation": str(_invitation_id(app, family, "T1")), "channel": "phone", "outcome": "no_answer"}
    too_early = coordinator.post("/staff/attempts", later, form_at=url, follow=True)
    refusal = f"The attempt was not recorded. Wave T1 is not open yet for {family.respondents[0]}."
    assert refusal in too_early.text
    elsewhere = staff("coordinator", email="far@staff.example", sites=["lillehammer"])
    refused = elsewhere.post("/staff/attempts", {"invitation": str(_invitation_id(app, family)),
                                                 "channel": "phone", "outcome": "no_answer"})
    assert refused.status_code == 404 and _count(app, StaffAttempt) == 0


def test_send_the_link_again_waits_for_the_quiet_hours_says_when_and_is_audited_without_the_link(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    at(clock, "2026-09-01T21:30:00+02:00")  # after 20:00 in Oslo: quiet hours
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    page = coordinator.client.get(url).text
    assert "Send the link again now" in page
    invitation_id = _invitation_id(app, family)
    answer = coordinator.post(f"/staff/invitations/{invitation_id}/resend",
                              {"channel": "both", "click": new_click()}, form_at=url, follow=True)
    assert "goes again by SMS and e-mail at 09:00 on 2 Sep 2026 (study time)" in answer.text
    with app.app_context():
        queued = db.session.scalars(select(OutboxMessage).filter_by(kind=MessageKind.resend)).all()
        assert sorted(m.channel or "" for m in queued) == ["email", "sms"]
        assert {m.due_at for m in queued} == {dt.datetime(2026, 9, 2, 7, 0, tzinfo=dt.UTC)}
    [resent] = [e for e in _audit(app) if e.action == "link_resent"]
    assert resent.details == {"wave": "T0", "channels": ["sms", "email"]}
    assert family.tokens[f"{family.respondents[0]}/T0"] not in str(resent.details)


def test_one_click_sends_once_even_when_the_form_is_sent_twice(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/families/{family.family}"
    form = {"channel": "email", "click": new_click()}
    invitation_id = _invitation_id(app, family)
    first = coordinator.post(f"/staff/invitations/{invitation_id}/resend", form, form_at=url, follow=True)
    second = coordinator.post(f"/staff/invitations/{invitation_id}/resend", form, form_at=url, follow=True)
    assert "goes again by e-mail now" in first.text
    assert "was received already; it is sent once" in second.text
    assert _count(app, OutboxMessage, kind=MessageKind.resend) == 1
    assert [e.action for e in _audit(app)].count("link_resent") == 1


def test_two_concurrent_submits_of_one_click_queue_one_message(app: Flask, clock: Clock) -> None:
    family = enrol_family(app, now=clock.now)
    invitation_id, click = _invitation_id(app, family), new_click()
    start, outcomes = threading.Barrier(2), []

    def submit() -> None:
        with app.app_context():
            invitation = db.session.get(Invitation, invitation_id)
            assert invitation is not None
            start.wait()
            try:
                resend_link(db.session, invitation=invitation, channels=["email"], by=None, now=clock.now,
                            click=click)
                db.session.commit()
                outcomes.append("queued")
            except AlreadyQueued:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["queued", "refused"]
    assert _count(app, OutboxMessage, kind=MessageKind.resend) == 1
    assert [e.action for e in _audit(app)].count("link_resent") == 1


def test_a_resend_for_a_completed_withdrawn_closed_or_unopened_wave_is_refused_and_changes_nothing(
    app: Flask, clock: Clock, runner: FlaskCliRunner
) -> None:
    done, gone, late = (
        enrol_family(app, now=clock.now, people=[("mother", "nb", f"P{n}", f"+479111000{n}", None)])
        for n in range(3)
    )
    with app.app_context():
        finished = db.session.get(Invitation, _invitation_id(app, done))
        withdrawn = db.session.get(Invitation, _invitation_id(app, gone))
        assert finished is not None and withdrawn is not None
        finished.start(clock.now)
        finished.complete(clock.now)
        withdrawn.withdraw(clock.now)
        db.session.commit()
    cases = [
        (done, "T0", [], "is completed already"), (gone, "T0", [], "was withdrawn"),
        (late, "T1", [], "Wave T1 is not open yet"),
        (late, "T0", ["--channel", "email"], "has no e-mail address"),
    ]
    for family, wave, extra, expected in cases:
        result = runner.invoke(args=["resend", family.respondents[0], "--wave", wave, *extra,
                                     "--now", clock.now.isoformat()])
        assert result.exit_code == 1 and expected in result.output and "Nothing was changed" in result.output
    closed = runner.invoke(args=["resend", late.respondents[0], "--wave", "T0",
                                 "--now", (clock.now + dt.timedelta(days=40)).isoformat()])
    assert closed.exit_code == 1 and "has closed" in closed.output
    assert _count(app, OutboxMessage, kind=MessageKind.resend) == 0
    assert "link_resent" not in [e.action for e in _audit(app)]
    sent = runner.invoke(args=["resend", late.respondents[0], "--wave", "T0", "--now", clock.now.isoformat()])
    assert sent.exit_code == 0 and "Queued by sms; it goes with the next dispatch." in sent.output


def test_revoking_a_link_asks_first_and_can_send_the_new_one(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    invitation_id = _invitation_id(app, family)
    confirm = f"/staff/invitations/{invitation_id}/revoke"
    page = coordinator.client.get(confirm).text
    assert "This cannot be undone" in page and "Then send the new link" in page
    assert _count(app, OutboxMessage, kind=MessageKind.resend) == 0
    answer = coordinator.post(confirm, {"send": "sms", "click": new_click()}, form_at=confirm, follow=True)
    assert "no longer work" in answer.text and "goes again by SMS now" in answer.text
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.token_generation == 1
    actions = [e.action for e in _audit(app)]
    assert actions.index("link_revoked") < actions.index("link_resent")
    assert _count(app, OutboxMessage, kind=MessageKind.resend, channel="sms") == 1


def test_attempts_are_counted_per_arm_and_wave_in_the_consort_flow(
    app: Flask, clock: Clock, runner: FlaskCliRunner, staff: StaffFactory
) -> None:
    partner = enrol_family(app, now=clock.now, arm="family_partner")
    usual = enrol_family(app, now=clock.now, arm="usual_services",
                         people=[("mother", "nb", "B", "+4791112222", None)])
    for family, outcome in ((partner, "no-answer"), (partner, "declines"), (usual, "will-answer")):
        result = runner.invoke(args=["attempt", family.respondents[0], "--wave", "T0", "--channel", "phone",
                                     "--outcome", outcome, "--now", clock.now.isoformat()])
        assert result.exit_code == 0, result.output
    rows = staff("admin", blinded=False).client.get("/staff/retention.csv").text.splitlines()
    for expected in ("family_partner,T0,attempted,1,100%", "family_partner,T0,declined,1,100%",
                     "family_partner,T0,staff_attempts,2,", "usual_services,T0,attempted,1,100%",
                     "usual_services,T0,declined,0,0%", "usual_services,T0,staff_attempts,1,",
                     "family_partner,T1,attempted,0,0%"):
        assert expected in rows, expected
    page = staff("coordinator").client.get("/staff/retention").text
    assert "attempted: 2 (100%)" in page and "staff attempts: 3" in page  # blinded: one pooled column


def test_several_rows_at_once_send_where_they_may_and_name_the_rest(app: Flask, clock: Clock) -> None:
    open_one, finished_one = (
        enrol_family(app, now=clock.now, people=[("mother", "nb", f"P{n}", None, f"p{n}@test.example")])
        for n in range(2)
    )
    click = new_click()
    with app.app_context():
        ready, done = (db.session.get(Invitation, _invitation_id(app, f)) for f in (open_one, finished_one))
        assert ready is not None and done is not None
        done.start(clock.now)
        done.complete(clock.now)
        for _ in range(2):  # the same batch sent twice
            sent, refused = resend_links(db.session, invitations=[ready, done], channels=["email"], by=None,
                                         now=clock.now, click=click)
            db.session.commit()
        assert sent == [] and [r.invitation.id for r in refused] == [ready.id, done.id]
        assert "received already" in refused[0].reason and "is completed already" in refused[1].reason
    assert _count(app, OutboxMessage, kind=MessageKind.resend) == 1


def test_a_form_sent_from_the_call_list_returns_there(app: Flask, clock: Clock, staff: StaffFactory) -> None:
    family = enrol_family(app, now=clock.now)
    coordinator = staff("coordinator")
    invitation_id = _invitation_id(app, family)
    recorded = coordinator.post("/staff/attempts", {"invitation": str(invitation_id), "channel": "letter",
                                                    "outcome": "no_answer", "back": "calls"})
    resent = coordinator.post(f"/staff/invitations/{invitation_id}/resend",
                              {"channel": "email", "click": new_click(), "back": "calls"})
    for answer in (recorded, resent):
        assert answer.headers["Location"].startswith("/staff/calls"), answer.headers["Location"]
