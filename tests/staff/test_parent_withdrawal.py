"""Withdrawal of one parent: contact stopped (and resumed) or answers erased, while the other carries on."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.contacts import contact_book
from portal.db import db
from portal.families.models import Invitation, InvitationState, Respondent, Response
from portal.messaging.models import MessageStatus, OutboxMessage
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import answer_baseline, enrol_family

pytestmark = pytest.mark.databases

PARENTS = [("mother", "nb", "Kari Testesen", "+4791111111", None),
           ("father", "pl", "Jan Testowy", "+4791111112", None)]


def _pending(app: Flask, pseudonym: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(Invitation.wave).join(OutboxMessage).join(Respondent)
            .where(Respondent.pseudonym == pseudonym, OutboxMessage.status == MessageStatus.pending)
            .order_by(OutboxMessage.due_at)
        ))


def _actions(app: Flask, subject: str) -> list[tuple[str, str]]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(subject=subject).order_by(AuditEvent.id))
        return [(e.action, str((e.details or {}).get("reason", ""))) for e in events]


def test_stopping_one_parent_keeps_the_other_parents_reminders_and_can_be_undone(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, people=PARENTS)
    mother, father = family.respondents
    coordinator = staff("coordinator")
    url = f"/staff/respondents/{father}/withdraw"
    stopped = coordinator.post(url, {"scope": "stop_contact", "reason": "asked by phone"}, form_at=url)
    assert stopped.status_code == 302
    assert _pending(app, father) == []
    assert _pending(app, mother)[:2] == ["T0", "T0"]  # the mother's reminders are still planned
    page = coordinator.client.get(f"/staff/families/{family.family}").text
    assert "contact stopped" in page and "Resume contact" in page
    resumed = coordinator.post(url, {"scope": "resume", "reason": "changed his mind"}, form_at=url)
    assert resumed.status_code == 302
    assert "T1" in _pending(app, father)
    assert _actions(app, father) == [("parent_stop_contact", "asked by phone"),
                                     ("parent_contact_resumed", "changed his mind")]


def test_a_withdrawal_without_a_reason_changes_nothing_and_keeps_what_was_typed(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, people=PARENTS)
    father = family.respondents[1]
    coordinator = staff("coordinator")
    url = f"/staff/respondents/{father}/withdraw"
    answer = coordinator.post(url, {"scope": "erase", "reason": " ", "confirm": father}, form_at=url)
    assert answer.status_code == 400
    assert 'id="reason-error"' in answer.text and f'value="{father}"' in answer.text
    assert _actions(app, father) == [] and "T1" in _pending(app, father)


def test_erasing_one_parent_deletes_only_their_answers_and_contact_and_says_so_first(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    family = enrol_family(app, now=clock.now, people=PARENTS)
    mother, father = family.respondents
    answer_baseline(app, mother, now=clock.now)
    answer_baseline(app, father, now=clock.now)
    coordinator = staff("coordinator")
    url = f"/staff/respondents/{father}/withdraw"
    assert "cannot be undone" in coordinator.client.get(url).text
    unconfirmed = coordinator.post(url, {"scope": "erase", "reason": "asked by letter", "confirm": "no"},
                                   form_at=url)
    assert unconfirmed.status_code == 400 and 'id="confirm-error"' in unconfirmed.text
    confirmed = {"scope": "erase", "reason": "asked by letter", "confirm": father}
    done = coordinator.post(url, confirmed, form_at=url)
    assert done.status_code == 302
    with app.app_context():
        kept = db.session.scalars(select(Respondent.pseudonym).join(Invitation).join(Response)).all()
        assert kept == [mother]
        assert contact_book().get(father) is None and contact_book().get(mother) is not None
        erased = db.session.scalars(select(Respondent).filter_by(pseudonym=father)).one()
        assert erased.erased_at is not None and erased.family.status == "active"
        assert [i.state(clock.now) for i in erased.invitations[1:]] == [InvitationState.withdrawn] * 4
    assert _pending(app, father) == [] and "T1" in _pending(app, mother)
    assert ("parent_erase", "asked by letter") in _actions(app, father)
    again = coordinator.post(url, {"scope": "resume", "reason": "oops"}, form_at=url)
    assert again.status_code == 400  # erasing cannot be undone
