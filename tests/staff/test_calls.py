"""The call list: who is on it and in which order, filters, search, paging, site scope, sheet and command.

The world (clock at 2026-09-01 10:00 in Oslo): four families at Larvik and one at Lillehammer.
Names, phones and e-mails here are test text, made up for these tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Alert
from portal.staff import calls, scope
from portal.staff.models import StaffUser
from tests.conftest import Clock
from tests.staff.conftest import Staff, StaffFactory
from tests.support.builders import Enrolled, enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases

DAY = dt.timedelta(days=1)
PEOPLE = {
    # key: (role, language, name, phone, e-mail), enrolled this many days before the clock
    "overdue_most": (("mother", "nb", "Kari Nordmann", "+4791234501", "kari@test.example"), 10),
    "overdue_less": (("father", "ar", "Yusuf Østby", "+4791234502", "yusuf@test.example"), 5),
    "fresh": (("mother", "pl", "Anna Kowalska", "+4791234503", None), 0),
    "opens_soon": (("carer", "so", "Hodan Warsame", "+4791234504", "hodan@test.example"), None),
}
ELSEWHERE = ("mother", "nb", "Per Annensted", "+4791234599", "per@test.example")


@pytest.fixture
def world(app: Flask, clock: Clock) -> dict[str, Enrolled]:
    """The order the list must show: most overdue, less overdue, open, opens in two days."""
    app.config["STAFF_IDLE"] = dt.timedelta(days=365)
    found = {}
    for key, (person, days_ago) in PEOPLE.items():
        # 2026-06-10 + 3 months: the T1 window opens 2026-09-03, two days after the clock
        june = dt.datetime(2026, 6, 10, 8, tzinfo=dt.UTC)
        enrolled = clock.now - days_ago * DAY if days_ago is not None else june
        found[key] = enrol_family(app, now=enrolled, people=[person])
    found["elsewhere"] = enrol_family(app, now=clock.now - 10 * DAY, site="lillehammer", people=[ELSEWHERE])
    return found


def _shown(page: str) -> list[str]:
    """The respondents on the page, in the page's order."""
    return re.findall(r'data-respondent="([^"]+)"', page)


def _respondent(world: dict[str, Enrolled], key: str) -> str:
    return world[key].respondents[0]


def _audit(app: Flask, action: str = "call_list_shown") -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def test_overdue_first_then_the_window_that_closes_soonest(
    world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    page = staff("coordinator").client.get("/staff/calls").text
    order = ["overdue_most", "overdue_less", "fresh", "opens_soon"]
    assert _shown(page) == [_respondent(world, key) for key in order]
    assert "Kari Nordmann" in page and "kari@test.example" in page
    assert '<a href="tel:+4791234501" dir="ltr">+47 91 23 45 01</a>' in page  # to dial, and to read out
    assert "Arabic" in page and "Polish" in page and "Somali" in page  # languages in words
    assert "Last day in 18 days (Saturday 19 September)" in page
    assert "Opens in 2 days (Thursday 3 September)" in page
    assert f'href="/staff/families/{world["fresh"].family}"' in page


def test_the_call_list_speaks_norwegian_to_a_norwegian_account_and_english_to_an_english_one(
    world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    norwegian = staff("coordinator", language="nb").client.get("/staff/calls").text
    english = staff("coordinator", email="en@staff.example", language="en").client.get("/staff/calls").text
    assert '<html lang="nb"' in norwegian and '<html lang="en"' in english
    assert "<h1>Ringeliste</h1>" in norwegian and "<h1>Call list</h1>" in english
    assert "Siste dag om 18 dager (lørdag 19. september)" in norwegian
    assert "Last day in 18 days (Saturday 19 September)" in english
    assert "Åpner om 2 dager (torsdag 3. september)" in norwegian
    assert "Oppstart · Ikke påbegynt" in norwegian and "Baseline · Not started" in english  # wave by name
    assert "arabisk" in norwegian and "Arabic" in english  # the parents' languages in the reader's
    assert "4 foreldre å nå" in norwegian and "4 parents to reach" in english
    assert "Registrer et forsøk" in norwegian and ">Ikke svar</option>" in norwegian
    for english_word in ("Last day", "Opens in", "Not started", "Record an attempt", "None yet", "Send by"):
        assert english_word not in norwegian


def test_the_printed_list_and_a_refused_search_speak_the_accounts_language(
    world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator", language="nb")
    printed = coordinator.client.get("/staff/calls/print").text
    assert "Skrevet ut tirsdag 1. september 2026 kl. 10:00 · 4 foreldre." in printed
    assert "makuler den etter bruk" in printed
    refused = _search(coordinator, "912 34")
    assert refused.status_code == 400 and "Det er ikke et helt telefonnummer" in refused.text


def _complete_baseline(family: Enrolled, clock: Clock) -> None:
    """The parent started and sent the baseline (in the caller's app context; the caller commits)."""
    invitation = family_by_pseudonym(family.family).respondents[0].invitations[0]
    invitation.start(clock.now)
    invitation.complete(clock.now)


def test_completed_withdrawn_and_stopped_families_are_not_on_the_list(
    app: Flask, clock: Clock, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    with app.app_context():
        _complete_baseline(world["fresh"], clock)
        family_by_pseudonym(world["overdue_less"].family).status = "contact_stopped"
        db.session.commit()
    page = staff("coordinator").client.get("/staff/calls").text
    assert _shown(page) == [_respondent(world, "overdue_most"), _respondent(world, "opens_soon")]


@pytest.mark.parametrize(("filters", "expected"), [
    ("state=overdue", ["overdue_most", "overdue_less"]),
    ("state=not_started", ["overdue_most", "overdue_less", "fresh"]),
    ("state=opens_soon", ["opens_soon"]),
    ("wave=T1", ["opens_soon"]),
    ("language=pl", ["fresh"]),
    ("site=larvik&wave=T0&state=overdue", ["overdue_most", "overdue_less"]),
    ("sort=language", ["overdue_less", "overdue_most", "fresh", "opens_soon"]),  # ar, nb, pl, so
    ("state=nonsense&wave=T9&language=xx", ["overdue_most", "overdue_less", "fresh", "opens_soon"]),
])
def test_filters_and_sorting(
    world: dict[str, Enrolled], staff: StaffFactory, filters: str, expected: list[str]
) -> None:
    page = staff("coordinator").client.get(f"/staff/calls?{filters}").text
    assert _shown(page) == [_respondent(world, key) for key in expected]


def test_started_and_messages_and_alerts_show_on_the_row(
    app: Flask, clock: Clock, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    with app.app_context():
        family = family_by_pseudonym(world["fresh"].family)
        family.respondents[0].invitations[0].start(clock.now)
        db.session.add(Alert(family_id=family.id, respondent_id=family.respondents[0].id, kind="bounced",
                             created_at=clock.now))
        db.session.commit()
    client = staff("coordinator").client
    page = client.get("/staff/calls?state=started").text
    assert _shown(page) == [_respondent(world, "fresh")]
    assert "Baseline · Started" in page and "1 open alert" in page
    assert "None yet" in page and "Next: Invitation, 01 Sep 10:00" in page  # the dispatcher has not run


def test_paging_keeps_the_filters(
    world: dict[str, Enrolled], staff: StaffFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "PER_PAGE", 2)
    client = staff("coordinator").client
    first = client.get("/staff/calls?state=not_started").text
    assert _shown(first) == [_respondent(world, "overdue_most"), _respondent(world, "overdue_less")]
    assert "Page 1 of 2" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first)
    assert next_link is not None and "state=not_started" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    assert _shown(second) == [_respondent(world, "fresh")]
    assert _shown(client.get("/staff/calls?page=99").text) == [_respondent(world, "fresh"),
                                                                _respondent(world, "opens_soon")]


def _search(coordinator: Staff, text: str, **filters: str) -> Any:
    return coordinator.post("/staff/calls", {"q": text, **filters}, form_at="/staff/calls")


@pytest.mark.parametrize(("text", "key"), [
    ("nordm", "overdue_most"), ("KARI", "overdue_most"), ("nordmann kari", "overdue_most"),
    ("ostby", "overdue_less"), ("Østby", "overdue_less"), ("912 34 502", "overdue_less"),
    ("+47 91234503", "fresh"), ("Hodan@Test.example", "opens_soon"),
])
def test_search_by_part_of_the_name_the_phone_or_the_email(
    world: dict[str, Enrolled], staff: StaffFactory, text: str, key: str
) -> None:
    response = _search(staff("coordinator"), text)
    assert response.status_code == 200
    assert _shown(response.text) == [_respondent(world, key)]


def test_a_search_puts_no_name_in_an_address_a_log_or_the_audit_trail(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory, caplog: pytest.LogCaptureFixture
) -> None:
    coordinator = staff("coordinator")
    caplog.set_level(logging.DEBUG)
    response = _search(coordinator, "Kowalska")
    assert _shown(response.text) == [_respondent(world, "fresh")]
    assert "Kowalska" not in caplog.text and "+4791234503" not in caplog.text
    entry = _audit(app)[-1]
    assert entry.details == {"how": "search by name", "respondents": [_respondent(world, "fresh")]}
    assert "Kowalska" not in str(entry.details) + entry.subject
    assert 'method="get"' not in re.search(r'<form[^>]+role="search"', response.text).group(0)  # type: ignore[union-attr]


def test_a_search_outside_the_list_points_to_the_family(
    app: Flask, clock: Clock, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    with app.app_context():
        _complete_baseline(world["fresh"], clock)
        db.session.commit()
    page = _search(staff("coordinator"), "anna").text
    assert _shown(page) == []
    assert f"/staff/families/{world['fresh'].family}" in page and "not due now" in page


def test_a_search_that_cannot_run_says_why_and_shows_nothing(
    world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    for text, says in (("912 34", "not a whole phone number"), ("", "Type part of a name"),
                       ("kari@", "not a whole e-mail address")):
        response = _search(coordinator, text)
        assert response.status_code == 400 and says in response.text and _shown(response.text) == []


def test_a_coordinator_never_sees_searches_or_exports_another_sites_families(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    larvik = staff("coordinator", sites=["larvik"])
    other = world["elsewhere"]
    secrets = ("Per Annensted", "+4791234599", "91 23 45 99", "per@test.example", other.family,
               other.respondents[0])
    for path in ("/staff/calls", "/staff/calls?site=lillehammer", "/staff/calls/print", "/staff/calls.csv"):
        page = larvik.client.get(path).text
        assert not any(secret in page for secret in secrets), path
    for text in ("Annensted", "+4791234599", "per@test.example"):  # the box shows what was typed, no more
        page = _search(larvik, text).text
        assert _shown(page) == [] and "not due now" not in page
        assert not any(secret in page for secret in secrets if secret != text), text
    lillehammer = staff("coordinator", email="lh@staff.example", sites=["lillehammer"])
    assert _shown(lillehammer.client.get("/staff/calls").text) == [other.respondents[0]]
    assert _shown(_search(lillehammer, "kari").text) == []


def test_the_site_rule_is_one_function(app: Flask) -> None:
    with app.app_context():
        def user(role: str, sites: list[str]) -> StaffUser:
            return StaffUser(role=role, sites=sites)

        assert scope.visible_sites(user("coordinator", ["larvik", "nowhere"])) == ["larvik"]
        assert scope.visible_sites(user("admin", [])) == ["ovre-eiker", "lillehammer", "larvik"]
        assert scope.visible_sites(user("analyst", ["larvik"])) == []


def test_the_data_manager_sees_every_site_but_no_contact_details(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    page = staff("admin").client.get("/staff/calls").text
    assert world["elsewhere"].respondents[0] in _shown(page) and len(_shown(page)) == 5
    assert "Kari Nordmann" not in page and "91 23 45 01" not in page and 'name="q"' not in page
    assert _audit(app) == []  # nothing about a person was shown


def test_each_page_view_is_one_audit_entry_naming_who_was_shown(
    app: Flask, world: dict[str, Enrolled], staff: StaffFactory
) -> None:
    staff("coordinator").client.get("/staff/calls?state=overdue")
    [entry] = _audit(app)
    assert entry.details == {"how": "page", "respondents": sorted(
        [_respondent(world, "overdue_most"), _respondent(world, "overdue_less")])}
    assert entry.actor.startswith("staff:") and "Nordmann" not in str(entry.details)


def test_the_call_sheet_is_guarded_audited_and_refused_to_others(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    formula = "=HYPERLINK(\"http://x.example\",\"Kari\")"
    enrolled = enrol_family(app, now=clock.now - 3 * DAY,
                            people=[("mother", "nb", formula, "+4791234511", None)])
    response = staff("coordinator").client.get("/staff/calls.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=call-sheet-2026-09-01.csv"
    lines = response.text.splitlines()
    assert lines[0].startswith("Family,Respondent,Role,Name,Phone,E-mail,Language")
    assert f"'{formula}".replace('"', '""') in response.text
    assert ",'+4791234511," in response.text  # a leading + is a formula to a spreadsheet too
    assert _audit(app)[-1].details == {"how": "sheet", "respondents": enrolled.respondents}
    for role in ("analyst", "admin"):
        refused = staff(role, email=f"{role}2@staff.example").client.get("/staff/calls.csv")
        assert refused.status_code == 403 and "only coordinators may download it" in refused.text
        assert formula not in refused.text
    assert len(_audit(app)) == 1


def test_the_printable_list_holds_every_row(
    world: dict[str, Enrolled], staff: StaffFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "PER_PAGE", 2)
    page = staff("coordinator").client.get("/staff/calls/print").text
    assert len(_shown(page)) == 4 and "Printed Tuesday 1 September 2026, 10:00" in page
    assert "calls.css" in page and "shred it after use" in page


def test_the_workspace_lands_on_the_call_list(world: dict[str, Enrolled], staff: StaffFactory) -> None:
    assert staff("coordinator").client.get("/staff/").headers["Location"] == "/staff/calls"


# The command -----------------------------------------------------------------------------------

def test_the_command_prints_the_list_and_audits_it(
    app: Flask, runner: FlaskCliRunner, world: dict[str, Enrolled]
) -> None:
    result = runner.invoke(args=["calls", "--site", "larvik", "--now", "2026-09-01T12:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Family", "Respondent", "Name", "Phone", "Language", "Wave", "State", "Last",
                                "day", "Messages", "sent", "Attempt", "outcome"]
    assert [line.split()[1] for line in lines[1:]] == [_respondent(world, k) for k in PEOPLE]
    assert "Kari Nordmann" in lines[1] and "Per Annensted" not in result.output
    [entry] = _audit(app)
    assert entry.actor == "cli" and entry.details["how"] == "command (text)"


def test_the_command_writes_csv_and_honours_days(
    app: Flask, runner: FlaskCliRunner, world: dict[str, Enrolled]
) -> None:
    result = runner.invoke(args=["calls", "--format", "csv", "--days", "0", "--now", "2026-09-01T12:00"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0].startswith("Family,Respondent") and len(rows) == 1 + 4  # no "opens soon"; both sites
    assert _respondent(world, "opens_soon") not in result.output
    assert world["elsewhere"].respondents[0] in result.output


def test_the_command_explains_bad_input(runner: FlaskCliRunner) -> None:
    unknown = runner.invoke(args=["calls", "--site", "oslo"])
    assert unknown.exit_code == 2 and "no such site" in unknown.output and "larvik" in unknown.output
    assert runner.invoke(args=["calls", "--format", "xls"]).exit_code == 2
    assert "Print the call list" in runner.invoke(args=["calls", "--help"]).output
    assert runner.invoke(args=["calls", "--now", "2026-09-01"]).output == "No parent on the call list.\n"


def test_the_rows_hold_no_person_until_someone_who_may_see_them_asks(
    app: Flask, clock: Clock, world: dict[str, Enrolled]
) -> None:
    with app.app_context():
        zone = ZoneInfo("Europe/Oslo")
        page = calls.call_page(db.session, calls.CallQuery(sites=("larvik",)), clock.now, zone)
        assert [row.contact for row in page.rows] == [None] * 4
        assert "Nordmann" not in repr(page)
