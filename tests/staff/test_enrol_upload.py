"""CSV enrolment from the browser: a preview first, line-numbered errors, all or nothing; consent per
parent; two parents of one family may share a phone."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.contacts import contact_book
from portal.db import KeystoreBase, db
from portal.families.models import Family, Respondent
from tests.staff.conftest import Staff, StaffFactory

pytestmark = pytest.mark.databases

HEADER = "family_ref,site,language,respondent_role,name,phone,email,child_birth_month,consent_version,arm"
SHARED = ["F1,larvik,nb,mother,Kari Nordmann,912 34 567,,2019-05,v2,family_partner",
          "F1,larvik,nb,father,Ola Nordmann,91234567,,2019-05,v2,family_partner"]
URL = "/staff/enrol/csv"


def _families(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Family.id))) or 0


def _upload(coordinator: Staff, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    page = coordinator.client.get(URL)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    upload = FileStorage(io.BytesIO(data), "families.csv", content_type="text/csv")
    form = {"csrf_token": token.group(1), "file": upload, **fields}
    # encoded in memory: werkzeug's test client spools a large body to a file it never closes
    boundary, body = encode_multipart(form)
    kind = f"multipart/form-data; boundary={boundary}"
    return coordinator.client.post(URL, data=body, content_type=kind)


def _confirm(coordinator: Staff, preview_html: str):  # type: ignore[no-untyped-def]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview_html))
    return coordinator.client.post(URL, data=fields, content_type="multipart/form-data")


def _stored(app: Flask) -> dict[str, int]:
    """Rows in both stores: families and respondents here, sealed contact details in the keystore."""
    with app.app_context():
        keystore = db.keystore_session()
        counts = {t.name: keystore.scalar(select(func.count()).select_from(t)) or 0
                  for t in KeystoreBase.metadata.sorted_tables}
        return {**counts, "family": _families(app),
                "respondent": db.session.scalar(select(func.count(Respondent.id))) or 0}


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def test_a_preview_comes_first_then_every_family_is_enrolled_with_each_parents_consent(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    header = HEADER + ",consent_date,consent_covers"
    data = _csv(SHARED[0] + ",2026-08-30,questionnaires email", SHARED[1] + ",,", header=header)
    preview = _upload(coordinator, data)
    assert preview.status_code == 200 and "2 parents will be enrolled" in preview.text
    assert "Kari Nordmann" in preview.text and "Larvik" in preview.text
    assert _families(app) == 0  # the preview saves nothing
    done = _confirm(coordinator, preview.text)
    assert done.status_code == 302 and _families(app) == 1
    with app.app_context():
        mother, father = db.session.scalars(select(Respondent).order_by(Respondent.id)).all()
        assert (mother.consent_date, mother.consent_sms, mother.consent_email) == (
            dt.date(2026, 8, 30), False, True)
        assert (father.consent_date, father.consent_sms) == (dt.date(2026, 9, 1), True)  # the enrolment day
        assert mother.consent_version == "v2"


def test_one_bad_line_is_named_and_nothing_is_enrolled(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    bad = "F2,larvik,nb,mother,Ada,123,,2019-05,v2,family_partner"
    answer = _upload(coordinator, _csv(*SHARED, bad))
    assert answer.status_code == 400
    assert "Line 4, column phone" in answer.text and "Nothing was saved" in answer.text
    assert _families(app) == 0


@pytest.mark.parametrize(("data", "line"), [
    (_csv(SHARED[0]) + b"F2,larvik,nb,mother,Test\x81,91234500,,2019-05,v2,family_partner\n",
     "has the byte 0x81 on line 3"),
    (_csv(SHARED[0], header=HEADER + ",favourite_colour"), "unknown column: favourite_colour"),
    (_csv(SHARED[0]) + b"#" * (2 * 1024 * 1024), "larger than 2 MB"),
    (b"", "choose a CSV file"),
])
def test_a_file_the_portal_cannot_take_gets_one_clear_line(
    app: Flask, staff: StaffFactory, data: bytes, line: str
) -> None:
    coordinator = staff("coordinator")
    answer = _upload(coordinator, data) if data else coordinator.post(URL, {}, form_at=URL)
    assert answer.status_code == 400 and line in answer.text
    assert answer.text.count("<li>") == 1
    assert _families(app) == 0


# What Norwegian Excel writes for plain "CSV": semicolons, Windows line endings, Windows-1252. Test names.
EXCEL_CP1252 = "\r\n".join([
    HEADER.replace(",", ";"),
    "F1;larvik;nb;mother;Testmor Blåbær-Ørn;91234501;;2019-05;v2;family_partner",
    "F1;larvik;nb;father;Testfar Ærlig Åsen;91234502;;2019-05;v2;family_partner",
    "F2;larvik;nb;carer;Testverge Øyvør Æsøy;91234503;;2018-11;v2;usual_services",
]).encode("cp1252") + b"\r\n"
EXCEL_NAMES = {"Testmor Blåbær-Ørn", "Testfar Ærlig Åsen", "Testverge Øyvør Æsøy"}


def _enrolled_names(app: Flask) -> set[str]:
    """The names as the portal reads them back from the keystore."""
    with app.app_context():
        pseudonyms = db.session.scalars(select(Respondent.pseudonym)).all()
        return {contact.name for p in pseudonyms if (contact := contact_book().get(p)) is not None}


def test_a_windows_1252_file_from_excel_is_previewed_and_enrolled_with_the_names_as_written(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    preview = _upload(coordinator, EXCEL_CP1252)
    assert preview.status_code == 200 and "3 parents will be enrolled" in preview.text
    assert all(name in preview.text for name in EXCEL_NAMES)  # the coordinator sees them as read
    assert _families(app) == 0
    assert _confirm(coordinator, preview.text).status_code == 302
    assert _families(app) == 2 and _enrolled_names(app) == EXCEL_NAMES


def test_the_command_reads_the_same_excel_file_the_same_way(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "families.csv"
    path.write_bytes(EXCEL_CP1252)
    result = runner.invoke(args=["enrol", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    assert _families(app) == 2 and _enrolled_names(app) == EXCEL_NAMES


def test_a_byte_that_is_text_in_neither_encoding_is_named_and_nothing_is_saved(
    app: Flask, staff: StaffFactory, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    broken = EXCEL_CP1252.replace("Æsøy".encode("cp1252"), b"\x81sy")  # 0x81 means nothing in Windows-1252
    before = _stored(app)
    answer = _upload(staff("coordinator"), broken)
    assert answer.status_code == 400 and "has the byte 0x81 on line 4" in answer.text
    path = tmp_path / "families.csv"
    path.write_bytes(broken)
    result = runner.invoke(args=["enrol", "--csv", str(path)])
    assert result.exit_code == 1 and "line 4, column file: has the byte 0x81 on line 4" in result.output
    assert "nothing was saved" in result.output
    assert _stored(app) == before


def test_a_phone_is_shared_within_a_family_but_not_across_families(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    other = "F2,larvik,nb,mother,Someone Else,91234567,,2019-05,v2,family_partner"
    answer = _upload(coordinator, _csv(*SHARED, other))
    assert answer.status_code == 400 and "Line 4, column phone" in answer.text
    assert "Line 3" not in answer.text  # the father shares the mother's number: accepted


def test_the_form_accepts_two_parents_sharing_a_phone_and_takes_each_ones_consent(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    form = {"site": "larvik", "child_birth_month": "2019-05", "consent_version": "v2", "arm": "later",
            "r1_respondent_role": "mother", "r1_language": "nb", "r1_name": "Kari", "r1_phone": "91234567",
            "r1_consent_date": "2026-08-31", "r1_consent_questionnaires": "yes", "r1_consent_email": "yes",
            "r2_respondent_role": "father", "r2_language": "nb", "r2_name": "Ola", "r2_phone": "912 34 567",
            "r2_consent_questionnaires": "yes", "r2_consent_sms": "yes"}
    done = coordinator.post("/staff/enrol", form, form_at="/staff/enrol", follow=True)
    assert done.status_code == 200 and "enrolled" in done.text
    assert "signed 31 Aug 2026; covers the questionnaires, contact by e-mail" in done.text
    assert "covers the questionnaires, contact by SMS" in done.text


def test_the_form_keeps_what_was_typed_and_puts_each_error_beside_its_field(
    app: Flask, staff: StaffFactory
) -> None:
    coordinator = staff("coordinator")
    form = {"site": "larvik", "child_birth_month": "May 2019", "consent_version": "v2", "arm": "later",
            "r1_respondent_role": "mother", "r1_language": "nb", "r1_name": "Kari", "r1_phone": "91234567",
            "r1_consent_sms": "yes", "r2_name": "Ola", "r2_email": "not-an-address"}
    answer = coordinator.post("/staff/enrol", form, form_at="/staff/enrol")
    assert answer.status_code == 400
    for field in ("child_birth_month", "r1_consent_covers", "r2_email"):
        assert f'id="{field}-error"' in answer.text
    assert 'value="May 2019"' in answer.text and 'value="not-an-address"' in answer.text
    assert re.search(r'name="r1_consent_sms" value="yes"\s+checked', answer.text)
    assert not re.search(r'name="r1_consent_email" value="yes"\s+checked', answer.text)
    assert _families(app) == 0


def test_a_damaged_confirmation_enrols_nothing(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    page = coordinator.client.get(URL).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = coordinator.client.post(URL, data={"csrf_token": token.group(1), "confirm": "yes",
                                                "data": "%%%" + base64.b64encode(_csv(*SHARED)).decode()})
    assert answer.status_code == 400 and _families(app) == 0
