"""A parent's visit and a coordinator's interview end when what allowed them ends (issue 22, item 1).

Before, the session held only the invitation's id: after a coordinator revoked a link that had
reached the wrong person, a session opened with it still read the saved answers and saved more;
and after a coordinator signed out, the parent pages still took answers recorded as theirs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Response
from tests.conftest import Clock
from tests.respond.conftest import Parent, hidden_fields
from tests.staff.conftest import Staff, StaffFactory
from tests.support.builders import Enrolled, enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases


@pytest.fixture
def family(app: Flask, clock: Clock) -> Enrolled:
    return enrol_family(app, now=clock.now)


def invitation_id(app: Flask, family: Enrolled) -> int:
    with app.app_context():
        return family_by_pseudonym(family.family).respondents[0].invitations[0].id


def saved(app: Flask) -> list[tuple[dict[str, object], str, int | None]]:
    """Each draft's answered items, mode and who entered them."""
    with app.app_context():
        return [({item: code for item, code in r.answers.items() if code is not None}, r.mode, r.entered_by)
                for r in db.session.scalars(select(Response))]


def replay_save(client: FlaskClient, page_html: str, answers: dict[str, str]) -> int:
    """Send page 1's form as it was shown earlier (its token and hidden fields), with `answers`."""
    return client.post("/q/1", data={**hidden_fields(page_html, "/q/1"), **answers, "go": "next"}).status_code


def test_a_revoked_link_ends_the_visit_it_opened(app: Flask, family: Enrolled, staff: StaffFactory) -> None:
    parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
    assert parent.start().location.endswith("/q/1")
    assert parent.answer(1, {"who5_1": "2"}).status_code == 302
    page = parent.client.get("/q/1").text
    coordinator = staff("coordinator")
    invitation = invitation_id(app, family)
    coordinator.post(f"/staff/invitations/{invitation}/revoke", form_at=f"/staff/families/{family.family}")
    with app.app_context():
        assert db.session.get(Invitation, invitation).token_generation == 1  # type: ignore[union-attr]
    assert parent.client.get("/q/1").status_code == 404  # the saved answer is not shown
    assert replay_save(parent.client, page, {"who5_1": "5", "who5_2": "5"}) == 404
    assert saved(app) == [({"who5_1": 2}, "web", None)]


def test_a_sent_wave_ends_the_visit(app: Flask, family: Enrolled) -> None:
    parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
    parent.answer_everything()
    page = parent.client.get("/q/1").text
    assert parent.submit().location.endswith("/q/thanks")
    assert parent.client.get("/q/thanks").status_code == 200
    assert parent.client.get("/q/1").status_code == 404
    assert parent.client.get("/q/review").status_code == 404
    assert replay_save(parent.client, page, {"who5_1": "5"}) == 404


def test_a_closed_window_ends_the_visit(app: Flask, family: Enrolled, clock: Clock) -> None:
    parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
    parent.start()
    assert parent.client.get("/q/1").status_code == 200
    with app.app_context():
        closes = db.session.get(Invitation, invitation_id(app, family)).closes_at  # type: ignore[union-attr]
    clock.now = closes + dt.timedelta(minutes=1)
    assert parent.client.get("/q/1").status_code == 404


def _interview(app: Flask, family: Enrolled, coordinator: Staff) -> None:
    started = coordinator.post(f"/staff/invitations/{invitation_id(app, family)}/interview",
                               form_at=f"/staff/families/{family.family}")
    assert started.headers["Location"].endswith("/q/1")


def test_an_interview_ends_when_the_coordinator_signs_out(
    app: Flask, family: Enrolled, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    _interview(app, family, coordinator)
    page = coordinator.client.get("/q/1").text
    assert replay_save(coordinator.client, page, {"who5_1": "3"}) == 302
    coordinator.post("/staff/logout")
    assert replay_save(coordinator.client, page, {"who5_1": "4", "who5_2": "4"}) == 404
    assert coordinator.client.get("/q/1").status_code == 404
    assert saved(app) == [({"who5_1": 3}, "interview", coordinator.id)]


def test_an_interview_ends_when_the_coordinator_is_signed_out_elsewhere(
    app: Flask, family: Enrolled, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    _interview(app, family, coordinator)
    page = coordinator.client.get("/q/1").text
    result = app.test_cli_runner().invoke(args=["users", "disable", "--email", coordinator.email])
    assert result.exit_code == 0
    assert replay_save(coordinator.client, page, {"who5_1": "4"}) == 404
    assert saved(app) == []


def test_an_interview_keeps_the_staff_session_alive_while_it_goes_on(
    app: Flask, family: Enrolled, staff: StaffFactory, clock: Clock
) -> None:
    coordinator = staff("coordinator")
    _interview(app, family, coordinator)
    for _ in range(3):  # 75 minutes of interview pages, never 30 minutes apart
        clock.advance(minutes=25)
        assert coordinator.client.get("/q/1").status_code == 200
    assert coordinator.client.get("/staff/dashboard").status_code == 200
