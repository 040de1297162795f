"""Waves for both arms: month ends, daylight saving, and re-planning when the protocol file changes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.messaging.models import OutboxMessage
from portal.protocol.model import Wave
from portal.protocol.replan import WavePlan, compare
from portal.protocol.schedule import plan_wave
from portal.staff.schedule_words import describe
from tests.conftest import Clock, app_on_study, csrf_from, shipped_study
from tests.staff.conftest import create_account, sign_in
from tests.support.builders import enrol_family, family_by_pseudonym

OSLO = ZoneInfo("Europe/Oslo")


def _wave(offset: int, before: int = 7, after: int = 28) -> Wave:
    return Wave("T", offset, before, after, (7,), {"mother": ("who5",)})


def test_31_august_plus_six_months_is_the_last_day_of_february() -> None:
    assert plan_wave(_wave(6), dt.date(2026, 8, 31), OSLO).due_date == dt.date(2027, 2, 28)
    assert plan_wave(_wave(6), dt.date(2027, 8, 31), OSLO).due_date == dt.date(2028, 2, 29)  # leap year
    assert plan_wave(_wave(3), dt.date(2026, 11, 30), OSLO).due_date == dt.date(2027, 2, 28)


def test_windows_open_and_close_at_oslo_midnight_on_both_sides_of_a_clock_change() -> None:
    # due 2027-03-28 (summer time starts that night); opens seven days before, in winter time
    planned = plan_wave(_wave(6), dt.date(2026, 9, 28), OSLO)
    assert planned.opens_at == dt.datetime(2027, 3, 20, 23, 0, tzinfo=dt.UTC)  # 00:00 CET
    assert planned.closes_at == dt.datetime(2027, 4, 25, 22, 0, tzinfo=dt.UTC)  # 00:00 CEST
    autumn = plan_wave(_wave(1, before=0, after=1), dt.date(2026, 9, 24), OSLO)  # clocks go back 25 Oct
    assert autumn.closes_at - autumn.opens_at == dt.timedelta(hours=49)  # the night the clocks go back


def test_both_arms_get_the_same_five_waves(app: Flask, clock: Clock) -> None:
    one = enrol_family(app, now=clock.now, arm="family_partner")
    two = enrol_family(app, now=clock.now, arm="usual_services",
                       people=[("mother", "nb", "Other", "+4791112222", None)])
    with app.app_context():
        plans = [
            [(i.wave, i.due_date, i.opens_at) for i in family_by_pseudonym(f).respondents[0].invitations]
            for f in (one.family, two.family)
        ]
    assert plans[0] == plans[1] and [w for w, _d, _o in plans[0]] == ["T0", "T1", "T2", "T3", "T4"]


def test_compare_names_added_removed_and_changed_waves() -> None:
    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    old = [WavePlan("T1", dt.date(2027, 1, 8), at, at + dt.timedelta(days=30), ("who5",)),
           WavePlan("T4", dt.date(2028, 1, 8), at, at + dt.timedelta(days=30), ("who5",))]
    new = [WavePlan("T1", dt.date(2027, 2, 8), at, at + dt.timedelta(days=30), ("who5", "gad7")),
           WavePlan("T5", dt.date(2029, 1, 8), at, at + dt.timedelta(days=30), ("who5",))]
    changes = compare(old, new)
    assert [(c.wave, c.kind) for c in changes] == [("T1", "changed"), ("T5", "added"), ("T4", "removed")]
    assert describe(changes[0]) == ["due 2027-01-08 → 2027-02-08", "adds gad7"]  # English outside a request


@pytest.fixture
def changed_app(environ: dict[str, str], tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    """The same database, served with a protocol file where T2 moved to 7 months and T4 became T5."""
    text = shipped_study().replace("id: T2\n    offset_months: 6", "id: T2\n    offset_months: 7")
    text = text.replace("id: T4\n    offset_months: 18", "id: T5\n    offset_months: 24")
    with app_on_study(environ, tmp_path / "changed", clock, text, PASSWORD_CHEAP=True) as app:
        yield app


def test_a_changed_protocol_re_plans_only_what_has_not_begun(
    app: Flask, changed_app: Flask, clock: Clock
) -> None:
    enrolled = enrol_family(app, now=clock.now)
    clock.advance(days=200)  # T0, T1 and T2 (opens at ~6 months) are past or open; T3 and T4 lie ahead
    runner = changed_app.test_cli_runner()
    now = ["--now", clock.now.isoformat()]
    preview = runner.invoke(args=["schedule", "replan", "--dry-run", *now])
    assert preview.exit_code == 0, preview.output
    assert "T5: wave added" in preview.output and "T4: wave removed" in preview.output
    assert "T2" not in preview.output  # already open: left as it was planned
    assert "1 respondents' schedules would change." in preview.output
    with changed_app.app_context():
        before = [i.wave for i in family_by_pseudonym(enrolled.family).respondents[0].invitations]
    assert before == ["T0", "T1", "T2", "T3", "T4"]
    applied = runner.invoke(args=["schedule", "replan", *now])
    assert applied.exit_code == 0 and "1 respondents' schedules changed." in applied.output
    with changed_app.app_context():
        after = family_by_pseudonym(enrolled.family).respondents[0].invitations
        assert [i.wave for i in after] == ["T0", "T1", "T2", "T3", "T5"]
        assert after[-1].token_hash is not None  # the new wave has a working link
        planned = db.session.scalars(
            select(OutboxMessage.kind).filter_by(invitation_id=after[-1].id, status="pending")
        ).all()
        assert "invitation" in planned  # and its messages are planned with it
    assert "0 respondents" in runner.invoke(args=["schedule", "replan", "--dry-run", *now]).output


def test_the_coordinator_sees_what_a_protocol_change_would_do(
    app: Flask, changed_app: Flask, clock: Clock
) -> None:
    enrolled = enrol_family(app, now=clock.now)
    _id, email, secret = create_account(changed_app, role="coordinator")
    client = changed_app.test_client()
    sign_in(client, email, secret, clock)
    page = client.get("/staff/schedule/changes").text
    assert enrolled.family in page and "wave added" in page
    assert re.search(r"due \d+ [A-Z][a-z]{2} \d{4} → \d+ [A-Z][a-z]{2} \d{4}", page)  # "due 1 Dec 2026 → ..."
    assert "Apply these changes" not in page  # the data manager applies


def test_a_norwegian_account_reads_the_schedule_changes_in_norwegian(
    app: Flask, changed_app: Flask, clock: Clock
) -> None:
    enrol_family(app, now=clock.now)
    _id, email, secret = create_account(changed_app, role="coordinator", language="nb")
    client = changed_app.test_client()
    sign_in(client, email, secret, clock)
    page = client.get("/staff/schedule/changes").text
    assert "målepunkt lagt til" in page and "målepunkt fjernet" in page and "forfaller " in page
    assert re.search(r"forfaller \d+\. [a-z]+ \d{4} → \d+\. [a-z]+ \d{4}", page)  # days in words, not ISO
    assert "wave added" not in page and not re.search(r"\bdue \d", page) and "forfaller 2027-" not in page
    _id, email, secret = create_account(changed_app, role="admin", email="dm@study.example", language="nb")
    manager = changed_app.test_client()
    sign_in(manager, email, secret, clock)
    form = manager.get("/staff/schedule/changes").text
    applied = manager.post("/staff/schedule/changes", data={"csrf_token": csrf_from(form)},
                           follow_redirects=True)
    assert "Tidsplanen til 1 respondent er planlagt på nytt." in applied.text
    assert "Re-planned" not in applied.text
