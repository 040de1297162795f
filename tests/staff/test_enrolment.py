"""Enrolment: the CSV import is all or nothing and names each bad row; the form does the same for one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.contacts import contact_book
from portal.db import db
from portal.families.models import Family, Invitation, Respondent
from tests.conftest import Clock
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family, family_by_pseudonym

pytestmark = pytest.mark.databases

HEADER = "family_ref,site,language,respondent_role,name,phone,email,child_birth_month,consent_version,arm"
GOOD = [
    "F1,larvik,nb,mother,Kari Nordmann,912 34 567,,2019-05,v2,family_partner",
    "F1,larvik,nb,father,Ola Nordmann,,ola@example.org,2019-05,v2,family_partner",
    "F2,lillehammer,ar,mother,Layla Haddad,+47 41234567,,2016-01,v2,usual_services",
]


def _csv(tmp_path: Path, lines: list[str], *, sep: str = ",", bom: bool = False, crlf: bool = False) -> str:
    text = ("\r\n" if crlf else "\n").join(line.replace(",", sep) for line in [HEADER, *lines]) + "\n"
    path = tmp_path / "families.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return str(path)


def _counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count(model.id))) for model in (Family, Respondent, Invitation)
        )


def test_a_good_file_enrols_every_family_and_lists_the_pseudonyms(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["enrol", "--csv", _csv(tmp_path, GOOD), "--json"])
    assert result.exit_code == 0, result.output
    saved = json.loads(result.output)
    assert saved["saved"] is True
    assert [len(f["respondents"]) for f in saved["families"]] == [2, 1]
    with app.app_context():
        family = family_by_pseudonym(saved["families"][0]["family"])
        assert [r.role for r in family.respondents] == ["mother", "father"]
        assert family.arm is not None and family.arm.code == "family_partner"
        assert all(len(r.invitations) == 5 for r in family.respondents)
        contact = contact_book().get(family.respondents[0].pseudonym)
        assert contact is not None and contact.phone == "+4791234567"  # Norwegian number without +47


def test_excel_in_norway_semicolons_a_bom_and_windows_line_endings_are_read(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["enrol", "--csv", _csv(tmp_path, GOOD, sep=";", bom=True, crlf=True)])
    assert result.exit_code == 0, result.output
    assert "2 families enrolled." in result.output
    assert _counts(app) == (2, 3, 15)


BAD_ROWS = {
    "phone": ("F3,larvik,nb,mother,Ada,123,,2019-05,v2,family_partner", "phone"),
    "site": ("F3,bergen,nb,mother,Ada,+4791234500,,2019-05,v2,family_partner", "site"),
    "too old": ("F3,larvik,nb,mother,Ada,+4791234500,,2010-01,v2,family_partner", "child_birth_month"),
    "unborn": ("F3,larvik,nb,mother,Ada,+4791234500,,2031-01,v2,family_partner", "child_birth_month"),
    "month": ("F3,larvik,nb,mother,Ada,+4791234500,,May 2019,v2,family_partner", "child_birth_month"),
    "language": ("F3,larvik,xx,mother,Ada,+4791234500,,2019-05,v2,family_partner", "language"),
    "role": ("F3,larvik,nb,aunt,Ada,+4791234500,,2019-05,v2,family_partner", "respondent_role"),
    "arm": ("F3,larvik,nb,mother,Ada,+4791234500,,2019-05,v2,placebo", "arm"),
    "no contact": ("F3,larvik,nb,mother,Ada,,,2019-05,v2,family_partner", "phone"),
    "email": ("F3,larvik,nb,mother,Ada,,not-an-address,2019-05,v2,family_partner", "email"),
    "family differs": ("F1,larvik,nb,carer,Ada,+4791234500,,2018-05,v2,family_partner", "child_birth_month"),
    "duplicate in file": ("F3,larvik,nb,mother,Kari again,91234567,,2019-05,v2,family_partner", "phone"),
    "already enrolled": ("F3,larvik,nb,mother,Ada,+4791111111,,2019-05,v2,family_partner", "phone"),
    "no sequence": ("F3,larvik,nb,mother,Ada,+4791234500,,2019-05,v2,", "arm"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_one_bad_row_is_named_by_line_and_column_and_nothing_is_saved(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, clock: Clock, kind: str
) -> None:
    enrol_family(app, now=clock.now, people=[("mother", "nb", "Kari Testesen", "+4791111111", None)])
    before = _counts(app)
    row, column = BAD_ROWS[kind]
    result = runner.invoke(args=["enrol", "--csv", _csv(tmp_path, [*GOOD, row]), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["saved"] is False
    assert (5, column) in [(p["line"], p["column"]) for p in report["problems"]]
    assert _counts(app) == before


def test_every_problem_in_the_file_is_reported_at_once(runner: FlaskCliRunner, tmp_path: Path) -> None:
    rows = [BAD_ROWS["phone"][0], BAD_ROWS["site"][0].replace("F3", "F4"),
            BAD_ROWS["role"][0].replace("F3", "F5")]
    result = runner.invoke(args=["enrol", "--csv", _csv(tmp_path, rows)])
    assert "line 2, column phone" in result.output
    assert "line 3, column site" in result.output
    assert "line 4, column respondent_role" in result.output
    assert "3 problem(s) found; nothing was saved" in result.output


def test_a_missing_column_is_named(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("family_ref,site\nF1,larvik\n")
    result = runner.invoke(args=["enrol", "--csv", str(path)])
    assert result.exit_code == 1 and "line 1, column language: this column is missing" in result.output


def test_an_empty_arm_is_allocated_from_the_sequence(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    generated = runner.invoke(args=["allocation", "generate", "--seed", "a secret seed", "--per-site", "8"])
    assert generated.exit_code == 0
    rows = [GOOD[0].replace("family_partner", ""), GOOD[1].replace("family_partner", "")]
    result = runner.invoke(args=["enrol", "--csv", _csv(tmp_path, rows), "--json"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        family = family_by_pseudonym(json.loads(result.output)["families"][0]["family"])
        assert family.allocation_method == "portal" and family.arm is not None


def test_the_single_family_options_still_work(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["enrol", "--site", "larvik", "--name", "Kari", "--phone", "91234567",
                                 "--child-birth-month", "2019-05", "--consent-version", "v2"])
    assert result.exit_code == 0, result.output
    assert "baseline link: http" in result.output


CONSENT = {f"r{n}_consent_{part}": "yes" for n in (1, 2) for part in ("questionnaires", "sms", "email")}


def test_the_form_enrols_a_family_and_shows_its_five_waves(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    form = {"site": "larvik", "child_birth_month": "2019-05", "consent_version": "v2", "arm": "later",
            "r1_respondent_role": "mother", "r1_language": "nb", "r1_name": "Kari", "r1_phone": "91234567",
            "r2_respondent_role": "father", "r2_language": "pl", "r2_name": "Jan",
            "r2_email": "jan@example.org", **CONSENT}
    done = coordinator.post("/staff/enrol", form, form_at="/staff/enrol", follow=True)
    assert done.status_code == 200 and "enrolled; every wave is scheduled" in done.text
    assert done.text.count('data-wave="') == 10  # five waves for each of two parents
    assert "Kari" in done.text and "jan@example.org" in done.text


def test_the_form_reports_problems_and_saves_nothing(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    before = _counts(app)
    form = {"site": "larvik", "child_birth_month": "2001-05", "consent_version": "v2", "arm": "later",
            "r1_respondent_role": "mother", "r1_language": "nb", "r1_name": "Kari", "r1_phone": "12",
            **CONSENT}
    answer = coordinator.post("/staff/enrol", form, form_at="/staff/enrol")
    assert answer.status_code == 400
    assert "Nothing was saved" in answer.text and "0 to 12 years" in answer.text and "phone" in answer.text
    assert _counts(app) == before


def test_a_coordinator_cannot_enrol_at_another_site(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator", sites=["larvik"])
    form = {"site": "lillehammer", "child_birth_month": "2019-05", "consent_version": "v2", "arm": "later",
            "r1_respondent_role": "mother", "r1_language": "nb", "r1_name": "Kari", "r1_phone": "91234567"}
    assert coordinator.post("/staff/enrol", form, form_at="/staff/enrol").status_code == 400
    assert _counts(app) == (0, 0, 0)
