"""Every route under /staff, with every role and without one: the answer each should get.

A new route that is not listed here fails the test, so no page goes out undeclared.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from portal.db import db
from portal.families.models import Alert
from tests.conftest import Clock, csrf_from
from tests.staff.conftest import StaffFactory, create_account
from tests.support.builders import enrol_family, family_by_pseudonym

A, C, N = "admin", "coordinator", "analyst"
EXPECTED: dict[str, set[str] | str] = {
    "staff.login": "public",
    "staff.login_code": "pending",
    "staff.setup_totp": "pending",
    "staff.logout": {A, C, N},
    "staff.home": {A, C, N},
    "staff.change_password": {A, C, N},
    "staff.call_list": {A, C},
    "staff.search_calls": {C},
    "staff.print_calls": {A, C},
    "staff.call_sheet_csv": {C},
    "staff.resend_selected_links": {C},
    "staff.dashboard": {A, C},
    "staff.find_family": {A, C},
    "staff.family": {A, C},
    "staff.add_note": {C},
    "staff.allocate": {C},
    "staff.confirm_allocation": {C},
    "staff.withdraw_parent": {C},
    "staff.enrol_csv": {C},
    "staff.extend_window": {C},
    "staff.correct_baseline": {C},
    "staff.set_language": {A, C, N},
    "staff.edit_contact": {C},
    "staff.show_link": {C},
    "staff.revoke_link": {C},
    "staff.confirm_revoke": {C},
    "staff.resend": {C},
    "staff.record_contact_attempt": {C},
    "staff.interview": {C},
    "staff.enrol": {C},
    "staff.alerts": {A, C},
    "staff.resolve_alert": {C},
    "staff.withdraw": {C},
    "staff.access_report": {C},
    "staff.retention": {A, C, N},
    "staff.retention_svg": {A, C, N},
    "staff.retention_csv": {A, C, N},
    "staff.replan": {A, C},
    "staff.apply_replan": {A},
    "staff.users": {A},
    "staff.disable_user": {A},
    "staff.reset_user_2fa": {A},
    "staff.instruments": {A, C},
    "staff.instrument_preview": {A, C},
    "staff.instruments_print": {A, C},
}
NAME, PHONE, EMAIL = "Ingrid Hemmelig", "+4791234999", "ingrid@hidden.example"


def _world(app: Flask, clock: Clock) -> dict[str, object]:
    enrolled = enrol_family(app, now=clock.now, site="larvik",
                            people=[("mother", "nb", NAME, PHONE, EMAIL)])
    other_id, _email, _secret = create_account(app, role="analyst", email="someone@staff.example")
    with app.app_context():
        family = family_by_pseudonym(enrolled.family)
        alert = Alert(family_id=family.id, kind="phq9_item9", created_at=clock.now)
        db.session.add(alert)
        db.session.commit()
        return {"pseudonym": enrolled.family, "invitation_id": family.respondents[0].invitations[0].id,
                "alert_id": alert.id, "user_id": other_id, "respondent": enrolled.respondents[0],
                "instrument_id": "who5", "lang": "en"}


def _url(rule: Rule, values: dict[str, object]) -> str:
    path = rule.rule
    for argument in sorted(rule.arguments):
        key = "respondent" if argument == "pseudonym" and "/respondents/" in path else argument
        path = path.replace(f"<{argument}>", str(values[key])).replace(f"<int:{argument}>", str(values[key]))
    return path + (f"?pseudonym={values['pseudonym']}" if rule.endpoint == "staff.find_family" else "")


def _staff_rules(app: Flask) -> list[tuple[Rule, str]]:
    rules = [
        (rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(rules, key=lambda item: item[0].endpoint == "staff.logout")  # sign out last


def test_every_staff_route_is_declared_here(app: Flask) -> None:
    endpoints = {rule.endpoint for rule, _method in _staff_rules(app)}
    assert endpoints == set(EXPECTED), "declare the roles of new staff routes in EXPECTED"


@pytest.mark.parametrize("role", [None, A, C, N])
def test_each_role_gets_the_answer_it_should_on_every_route(
    app: Flask, clock: Clock, staff: StaffFactory, role: str | None
) -> None:
    values = _world(app, clock)
    client = staff(role, blinded=False).client if role else app.test_client()
    token = csrf_from(client.get("/staff/login").text)
    for rule, method in _staff_rules(app):
        url = _url(rule, values)
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        allowed = EXPECTED[rule.endpoint]
        where = f"{method} {url} as {role}"
        assert response.status_code < 500, where
        if allowed in ("public", "pending"):
            continue
        if role is None:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/staff/login"), where
        elif role in allowed:
            assert response.status_code not in (401, 403, 404), where
            if rule.endpoint != "staff.logout":  # the one allowed answer that leads to the sign-in page
                assert not response.headers.get("Location", "").startswith("/staff/login"), where
        else:
            assert response.status_code == 403, where
        if role in (A, N) and method == "GET":
            for secret in (NAME, PHONE, EMAIL, "91234999"):
                assert secret not in response.get_data(as_text=True), f"{where} shows contact data"


def test_a_coordinator_sees_only_the_families_of_their_own_sites(
    app: Flask, clock: Clock, staff: StaffFactory
) -> None:
    mine = enrol_family(app, now=clock.now, site="larvik")
    theirs = enrol_family(app, now=clock.now, site="lillehammer",
                          people=[("father", "en", "Per Annen", "+4791234888", None)])
    coordinator = staff(C, sites=["larvik"])
    assert coordinator.client.get(f"/staff/families/{mine.family}").status_code == 200
    assert coordinator.client.get(f"/staff/families/{theirs.family}").status_code == 404
    report = f"/staff/respondents/{theirs.respondents[0]}/access-report"
    assert coordinator.client.get(report).status_code == 404
    call_list = coordinator.client.get("/staff/calls").text
    assert mine.family in call_list and theirs.family not in call_list
    with app.app_context():
        invitation_id = family_by_pseudonym(theirs.family).respondents[0].invitations[0].id
    assert coordinator.post(f"/staff/invitations/{invitation_id}/link").status_code == 404
