"""Behind TLS the app sees https requests: gunicorn marks a request https when the proxy in front of
it says so (X-Forwarded-Proto from 127.0.0.1, gunicorn's default). Our pages ask browsers to send no
Referer (Referrer-Policy: no-referrer: tokens are in URLs) and, for a form sent under that policy,
`Origin: null`, so no check may depend on either: the form token does the work."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.respond.conftest import Parent
from tests.staff.conftest import create_account, sign_in
from tests.support.builders import enrol_family


def _parent_over_https(app: Flask, clock: Clock) -> Parent:
    family = enrol_family(app, now=clock.now)
    return Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])


@pytest.fixture(autouse=True)
def over_https(app: Flask) -> None:
    app.config["PREFERRED_URL_SCHEME"] = "https"  # the test client's scheme


def test_a_parent_starts_answers_and_submits_over_https_without_a_referer(app: Flask, clock: Clock) -> None:
    parent = _parent_over_https(app, clock)
    assert parent.open().request.scheme == "https"
    assert parent.answer_everything().location == "/q/review"  # Start, then every page's save
    assert parent.submit().location == "/q/thanks"


def test_a_coordinator_signs_in_over_https_without_a_referer(app: Flask, clock: Clock) -> None:
    _user_id, email, secret = create_account(app, role="coordinator")
    assert sign_in(app.test_client(), email, secret, clock).status_code == 302


def test_over_https_a_form_without_its_token_is_still_refused(app: Flask, clock: Clock) -> None:
    parent = _parent_over_https(app, clock)
    parent.open()
    assert parent.client.post(f"/s/{parent.token}").status_code == 400
