"""Security headers on every route, every method, anonymous and signed in, with good and junk parameters.

A route the walk does not know fails the test, so no new page goes out unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.db import db
from portal.families.models import Alert
from tests.conftest import csrf_from
from tests.hardening.conftest import World, no_leak
from tests.support.builders import family_by_pseudonym

JUNK = ["<script>", "%00", "x" * 300, "..%2F..%2Fwsgi.py", "\u202e"]
# the values each URL parameter takes: the world's real ones ("{...}") and junk
PARAMETERS = {
    "token": ["{token}", "a" * 26, *JUNK],
    "number": ["1", "2", "0", "99999", "2147483647", "99999999999"],
    "pseudonym": ["{family}", "{respondent}", "FP-0000-0000", *JUNK],
    "invitation_id": ["{invitation}", "0", "99999999999"],
    "alert_id": ["{alert}", "999"],
    "user_id": ["{analyst}", "{admin}", "999"],
    "filename": ["portal.css", "staff.css", "nope.js", "..%2Fwsgi.py"],
    "layout": ["wide", "long", *JUNK],
    "fmt": ["csv", "sav", *JUNK],
    "kind": ["json", "html", *JUNK],
    "instrument_id": ["phq9", "nope", *JUNK],
    "lang": ["nb", "en", "xx", *JUNK],
}
ENDPOINTS = {
    "static", "health.healthz", "respond.link", "respond.start", "respond.code_form", "respond.code_entry",
    "respond.language", "respond.page", "respond.review", "respond.submit", "respond.thanks",
    "staff.login", "staff.login_code", "staff.setup_totp", "staff.logout", "staff.home",
    "staff.change_password", "staff.call_list", "staff.search_calls", "staff.print_calls",
    "staff.call_sheet_csv", "staff.dashboard", "staff.record_contact_attempt", "staff.resend",
    "staff.confirm_revoke", "staff.resend_selected_links", "staff.instruments", "staff.instrument_preview",
    "staff.instruments_print", "staff.find_family", "staff.family", "staff.add_note",
    "staff.allocate", "staff.confirm_allocation", "staff.withdraw_parent", "staff.enrol_csv",
    "staff.extend_window", "staff.correct_baseline", "staff.set_language", "staff.edit_contact",
    "staff.show_link", "staff.revoke_link", "staff.interview",
    "staff.enrol", "staff.alerts", "staff.resolve_alert", "staff.withdraw", "staff.access_report",
    "staff.retention", "staff.retention_svg", "staff.retention_csv", "staff.replan", "staff.apply_replan",
    "staff.users", "staff.disable_user", "staff.reset_user_2fa", "analysis.index", "analysis.download",
    "messaging.sms_receipt", "metrics.exposition",
    "analysis_api.index", "analysis_api.data_file", "analysis_api.family_file", "analysis_api.codebook",
    "analysis_api.manifest", "analysis_api.whole_export",
}
OTHER_ORIGIN = re.compile(r"""(?:src|href|action|formaction|poster|srcset|xlink:href)\s*=\s*["']?\s*"""
                          r"""(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
CSP_SOURCES = {"'self'", "'none'", "data:"}

pytestmark = pytest.mark.databases  # junk ids and texts reach PostgreSQL, which is stricter than SQLite


@dataclass
class Visitor:
    name: str
    client: FlaskClient

    def csrf(self) -> str:
        """The session's CSRF token, as a browser would send it (the code page always has a form)."""
        return csrf_from(self.client.get("/s").text)


def _values(app: Flask, world: World, analyst_id: int) -> dict[str, str]:
    with app.app_context():
        family = family_by_pseudonym(world.family.family)
        alert = Alert(family_id=family.id, kind="phq9_item9", created_at=world.coordinator.clock.now)
        db.session.add(alert)
        db.session.commit()
        return {"token": world.token, "family": world.family.family,
                "respondent": world.family.respondents[0],
                "invitation": str(family.respondents[0].invitations[0].id), "alert": str(alert.id),
                "analyst": str(analyst_id), "admin": str(world.admin.id)}


def _urls(rule: Rule, values: dict[str, str]) -> Iterator[str]:
    """The rule's path with each parameter in turn set to each of its samples (the others real)."""
    arguments = sorted(rule.arguments)
    if not arguments:
        yield rule.rule
        return
    for varying in arguments:
        for sample in PARAMETERS[varying]:
            path = rule.rule
            for argument in arguments:
                chosen = sample if argument == varying else PARAMETERS[argument][0]
                text = chosen.format(**values)
                text = text if "%" in text else quote(text, safe="")
                path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{argument}>", lambda _m, t=text: t, path)
            yield path


def _check(response: TestResponse, url: str, method: str) -> None:
    where = f"{method} {url} -> {response.status}"
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, where
    sources = {token for part in csp.split(";") for token in part.split()[1:]}
    assert sources <= CSP_SOURCES, (where, sources - CSP_SOURCES)
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    if not url.startswith("/static/"):
        assert "no-store" in headers.get("Cache-Control", ""), where
    assert response.status_code < 500, where
    if response.mimetype in ("text/html", "image/svg+xml"):
        body = response.get_data(as_text=True)
        found = OTHER_ORIGIN.search(body)
        assert found is None, (where, body[max(0, found.start() - 80): found.end() + 80])
        no_leak(body)


@pytest.fixture
def visitors(app: Flask, world: World, staff: object) -> list[Visitor]:
    parent = app.test_client()
    parent.post(f"/s/{world.token}", data={"csrf_token": csrf_from(parent.get(f"/s/{world.token}").text)})
    analyst = staff("analyst")  # type: ignore[operator]
    return [
        Visitor("anonymous", app.test_client()), Visitor("parent", parent),
        Visitor("analyst", analyst.client), Visitor("coordinator", world.coordinator.client),
        Visitor("admin", world.admin.client),
    ]


def test_the_walk_knows_every_route(app: Flask) -> None:
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == ENDPOINTS
    arguments = {argument for rule in app.url_map.iter_rules() for argument in rule.arguments}
    assert arguments <= PARAMETERS.keys()


def test_every_route_answers_with_the_security_headers(app: Flask, world: World,
                                                       visitors: list[Visitor]) -> None:
    values = _values(app, world, analyst_id=_id_of(app, "analyst@staff.example"))
    # a parent's Start opens a fresh session (it would sign staff out), and so does signing out: both last
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint in ("respond.start", "staff.logout"))
    calls = [(rule, method) for method in ("GET", "POST") for rule in rules if method in rule.methods]
    answered: dict[str, set[int]] = {}
    for rule, method in calls:
        for visitor in visitors:
            for url in _urls(rule, values):
                data = {"csrf_token": visitor.csrf()} if method == "POST" else None
                with visitor.client.open(url, method=method, data=data) as response:  # closes static files
                    _check(response, url, method)
                answered.setdefault(f"{method} {rule.endpoint}", set()).add(response.status_code)
    # errors get the headers too: an unknown address and an oversized body
    for visitor in visitors:
        _check(visitor.client.get("/no-such-page"), "/no-such-page", "GET")
        _check(visitor.client.post("/s", data={"code": "x" * 300_000}), "/s", "POST")
    # the walk reached the views themselves, not only refusals (nobody has sent answers, the walk revokes
    # the link before the parent's last Start, and this app has no SMS gateway)
    unreached = {call for call, codes in answered.items() if not codes - {403, 404, 405}}
    assert unreached == {"GET respond.thanks", "POST respond.start", "POST messaging.sms_receipt"}


def _id_of(app: Flask, email: str) -> int:
    from sqlalchemy import select

    from portal.staff.models import StaffUser

    with app.app_context():
        return db.session.scalars(select(StaffUser.id).filter_by(email=email)).one()
