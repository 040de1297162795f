"""Fuzzing the staff workspace and the analyst's export form, signed in as the people who use them.

Valid values are mixed with hostile ones, so the fuzzer reaches the services behind the checks too.
Every answer: no crash, no exception text; a refused form (4xx) leaves both stores as they were.
"""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from portal.families.models import Alert
from tests.conftest import csrf_from
from tests.hardening.conftest import (
    FIELDS,
    FUZZ,
    NASTY,
    World,
    check,
    form,
    form_pairs,
    table_counts,
)
from tests.staff.conftest import PASSWORD, create_account
from tests.support.builders import family_by_pseudonym

pytestmark = pytest.mark.databases


def _or_nasty(*good: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(good), NASTY)


def _csrf(client: FlaskClient, path: str) -> str:
    return csrf_from(client.get(path).text)


def _post(app: Flask, client: FlaskClient, path: str, pairs: list[tuple[str, str]], *, form_at: str,
          may_write: bool = True, **options: object) -> None:
    token = _csrf(client, form_at)  # loading the form may itself be audited (contacts viewed)
    before = table_counts(app)
    response = client.post(path, data=form(token, *pairs), **options)  # type: ignore[arg-type]
    check(response, before, app, wrote_ok=may_write)


LOGIN = st.fixed_dictionaries({"email": _or_nasty("coordinator@staff.example", "nobody@x.example"),
                               "password": _or_nasty(PASSWORD, "")})


@FUZZ
@given(fields=LOGIN, extra=form_pairs(FIELDS), address=st.ip_addresses(v=4).map(str))
def test_sign_in_form(app: Flask, world: World, fields: dict[str, str], extra: list[tuple[str, str]],
                      address: str) -> None:
    client = app.test_client()
    before = table_counts(app)
    response = client.post("/staff/login", data=form(_csrf(client, "/staff/login"), *fields.items(), *extra),
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code in (302, 400, 401)
    # a refused sign-in is counted (the attempt limits live in the database), and nothing else is written
    after = table_counts(app)
    before["staff_login_attempt"] = after["staff_login_attempt"]
    check(response, before, app, wrote_ok=response.status_code == 302)


@FUZZ
@given(code=_or_nasty("000000", "123456"), extra=form_pairs(FIELDS))
def test_second_factor_form(app: Flask, world: World, code: str, extra: list[tuple[str, str]]) -> None:
    world.coordinator.clock.advance(minutes=16)  # past the attempt limits of the example before
    client = app.test_client()
    client.post("/staff/login", data=form(_csrf(client, "/staff/login"), ("email", world.coordinator.email),
                                          ("password", PASSWORD)))
    response = client.post("/staff/login/code", data=form(_csrf(client, "/staff/login/code"), ("code", code),
                                                          *extra))
    assert response.status_code in (302, 400, 401)
    assert response.status_code < 500 and "Traceback" not in response.text


NEW = itertools.count()


@FUZZ
@given(code=NASTY, extra=form_pairs(FIELDS))
def test_authenticator_set_up_form(app: Flask, world: World, code: str, extra: list[tuple[str, str]]) -> None:
    _id, email, _secret = create_account(app, role="analyst", email=f"new{next(NEW)}@staff.example",
                                         with_totp=False)
    client = app.test_client()
    client.post("/staff/login", data=form(_csrf(client, "/staff/login"), ("email", email),
                                          ("password", PASSWORD)))
    _post(app, client, "/staff/login/setup", [("code", code), *extra], form_at="/staff/login/setup",
          may_write=False)


ENROL = st.fixed_dictionaries({
    "site": _or_nasty("larvik"), "child_birth_month": _or_nasty("2019-05", "2010-01"),
    "consent_version": _or_nasty("v1"), "arm": _or_nasty("portal", "family_partner", "usual_services"),
    "r1_respondent_role": _or_nasty("mother", "father", "carer"), "r1_language": _or_nasty("nb", "ar", "xx"),
    "r1_name": _or_nasty("Kari Nordmann"), "r1_phone": _or_nasty("+4791234567", "91234567", "+1"),
    "r1_email": _or_nasty("", "kari@example.org"), "r2_name": _or_nasty("", "Ola"),
    "r2_phone": _or_nasty("", "+4791234568"), "r2_respondent_role": _or_nasty("father", "mother"),
})


@FUZZ
@given(fields=ENROL, extra=form_pairs(FIELDS))
def test_enrolment_form(app: Flask, world: World, fields: dict[str, str],
                        extra: list[tuple[str, str]]) -> None:
    _post(app, world.coordinator.client, "/staff/enrol", [*fields.items(), *extra], form_at="/staff/enrol")


CONTACT = st.fixed_dictionaries({
    "name": _or_nasty("Kari Nordmann"), "phone": _or_nasty("+4791234567", ""),
    "email": _or_nasty("kari@example.org", ""), "language": _or_nasty("nb", "so", "de"),
})


@FUZZ
@given(fields=CONTACT, extra=form_pairs(FIELDS))
def test_contact_and_language_form(app: Flask, world: World, fields: dict[str, str],
                                   extra: list[tuple[str, str]]) -> None:
    path = f"/staff/respondents/{world.family.respondents[0]}/contact"
    _post(app, world.coordinator.client, path, [*fields.items(), *extra], form_at=path)


@FUZZ
@given(text=NASTY, extra=form_pairs(FIELDS))
def test_note_form_saves_a_whole_note_or_nothing(app: Flask, world: World, text: str,
                                                 extra: list[tuple[str, str]]) -> None:
    page = f"/staff/families/{world.family.family}"
    before = table_counts(app)
    _post(app, world.coordinator.client, f"{page}/notes", [("text", text), *extra], form_at=page)
    after = table_counts(app)
    changed = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    audited = changed.pop("audit_event", 0)
    with app.app_context():
        new_actions = set(db.session.scalars(
            select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(audited)))
    # Showing the family page records that contacts were viewed; the note itself adds one row and one entry.
    assert changed in ({}, {"staff_note": 1}), changed
    assert new_actions <= {"contacts_viewed", "note_added"}
    assert ("note_added" in new_actions) == bool(changed)


WITHDRAW = st.fixed_dictionaries({
    "confirm": _or_nasty("", "FP-0000-0000"), "scope": _or_nasty("stop_contact", "erase"), "reason": NASTY,
})


@FUZZ
@given(fields=WITHDRAW, extra=form_pairs(FIELDS))
def test_withdrawal_form_refuses_without_the_pseudonym(app: Flask, world: World, fields: dict[str, str],
                                                       extra: list[tuple[str, str]]) -> None:
    path = f"/staff/families/{world.family.family}/withdraw"
    fields = {**fields, "confirm": world.family.family if fields["confirm"] == "" else fields["confirm"]}
    _post(app, world.coordinator.client, path, [*fields.items(), *extra], form_at=path)


@FUZZ
@given(alert=st.one_of(st.just("mine"), st.integers(min_value=-5, max_value=2**63).map(str)),
       extra=form_pairs(FIELDS))
def test_alert_resolve(app: Flask, world: World, alert: str, extra: list[tuple[str, str]]) -> None:
    if alert == "mine":
        with app.app_context():
            family = family_by_pseudonym(world.family.family)
            row = Alert(family_id=family.id, kind="phq9_item9", created_at=world.coordinator.clock.now)
            db.session.add(row)
            db.session.commit()
            alert = str(row.id)
    client = world.coordinator.client
    before = table_counts(app)
    response = client.post(f"/staff/alerts/{alert}/resolve",
                           data=form(_csrf(client, "/staff/alerts"), *extra))
    assert response.status_code in (302, 400, 404)
    check(response, before, app, wrote_ok=response.status_code == 302)
    with app.app_context():
        assert db.session.scalars(select(Alert)).all() is not None


PASSWORDS = st.fixed_dictionaries({"current": _or_nasty(PASSWORD), "new": NASTY, "repeated": NASTY})


@FUZZ
@given(fields=PASSWORDS, same=st.booleans(), extra=form_pairs(FIELDS))
def test_password_change_form(app: Flask, world: World, fields: dict[str, str], same: bool,
                              extra: list[tuple[str, str]]) -> None:
    if same:
        fields = {**fields, "repeated": fields["new"]}
    path = "/staff/account/password"
    _post(app, world.admin.client, path, [*fields.items(), *extra], form_at=path)
    if fields["current"] == PASSWORD and fields["new"] == fields["repeated"] and len(fields["new"]) >= 12:
        # a new password was taken: put the known one back so the next example starts alike
        world.admin.post(path, {"current": fields["new"], "new": PASSWORD + "!", "repeated": PASSWORD + "!"},
                         form_at=path)
        world.admin.post(path, {"current": PASSWORD + "!", "new": PASSWORD, "repeated": PASSWORD},
                         form_at=path)


EXPORT = st.fixed_dictionaries({
    "format": _or_nasty("csv", "sav", "dta", "parquet"), "layout": _or_nasty("wide", "long"),
    "waves": _or_nasty("T0", "T9"), "instruments": _or_nasty("who5", "phq9", "nope"),
    "blind": _or_nasty("1", "0"), "bom": _or_nasty("1"),
})


@FUZZ
@given(fields=EXPORT, extra=form_pairs(st.sampled_from(["waves", "instruments", "format", "layout"])))
def test_analyst_export_form(app: Flask, world: World, fields: dict[str, str],
                             extra: list[tuple[str, str]]) -> None:
    client = world.admin.client
    before = table_counts(app)
    response = client.post("/analysis/export",
                           data=form(_csrf(client, "/analysis/"), *fields.items(), *extra))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        check(response, before, app, wrote_ok=False)
    else:
        assert response.mimetype == "application/zip"


def _post_paths(app: Flask, world: World) -> list[str]:
    """Every POST route of the workspace and the analyst's pages, with the world's real ids filled in."""
    with app.app_context():
        family = family_by_pseudonym(world.family.family)
        ids = {"pseudonym": world.family.family, "invitation_id": family.respondents[0].invitations[0].id,
               "alert_id": 1, "user_id": world.coordinator.id}
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.rule.startswith(("/staff", "/analysis")):
            path = rule.rule
            for name, value in ids.items():
                path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
            paths.append(path.replace("/respondents/" + world.family.family,
                                      "/respondents/" + world.family.respondents[0]))
    return paths


@settings(FUZZ, max_examples=10)  # each example posts to every route twice
@given(pairs=form_pairs(FIELDS))
def test_staff_posts_without_csrf_are_refused_and_change_nothing(
    app: Flask, world: World, pairs: list[tuple[str, str]]
) -> None:
    before = table_counts(app)
    for user in (world.coordinator, world.admin):
        for path in _post_paths(app, world):
            response = user.client.post(path, data=form(None, *[p for p in pairs if p[0] != "csrf_token"]))
            assert response.status_code == 400, (path, response.status)
            check(response, before, app, wrote_ok=False)
