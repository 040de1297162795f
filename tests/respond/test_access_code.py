"""The short code for links an SMS app mangled, with a limit that spares other parents."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_app, registry
from portal.db import db
from portal.families.models import Invitation
from portal.respond.throttle import CodeAttempt
from portal.security import derive_access_code
from tests.conftest import Clock, csrf_from
from tests.support.builders import Enrolled

pytestmark = pytest.mark.databases


def _code(app: Flask, wave: str = "T0") -> str:
    with app.app_context():
        invitation = db.session.scalars(select(Invitation).filter_by(wave=wave)).one()
        return derive_access_code(registry.settings().link_key, invitation.id,
                                  invitation.token_generation).reveal()


def _try(client: FlaskClient, code: str) -> int | str:
    form = client.get("/s")
    answer = client.post("/s", data={"csrf_token": csrf_from(form.text), "code": code})
    return answer.location if answer.status_code == 302 else answer.status_code


def test_a_typed_code_opens_the_questionnaire(app: Flask, client: FlaskClient, family: Enrolled) -> None:
    code = _code(app)
    assert _try(client, f"  {code.lower().replace('-', ' ')} ") == "/q/1"
    assert 'name="who5_1"' in client.get("/q/1").text


def test_a_wrong_code_says_so_next_to_the_field(client: FlaskClient, family: Enrolled) -> None:
    form = client.get("/s")
    answer = client.post("/s", data={"csrf_token": csrf_from(form.text), "code": "ZZZZ-ZZZZ"})
    assert answer.status_code == 200
    assert 'id="code-error"' in answer.text and 'aria-invalid="true"' in answer.text


def test_guessing_one_code_is_slowed_but_other_parents_behind_the_same_address_get_in(
    app: Flask, family: Enrolled
) -> None:
    real = _code(app)
    guesser = app.test_client()
    wrong_same_start = real[:5] + ("0000" if real[5:] != "0000" else "1111")
    assert [_try(guesser, wrong_same_start) for _ in range(5)] == [200] * 5
    assert _try(guesser, wrong_same_start) == 429
    other_parent = app.test_client()  # same address (the test client's), different code
    assert _try(other_parent, "ABCD-EFGH") == 200
    assert _try(other_parent, _code(app, "T0")) == 429  # the guessed code's bucket is held shut


def test_the_limit_holds_across_app_servers_and_keeps_nothing_readable(
    app: Flask, environ: dict[str, str], clock: Clock, tmp_path: Path, family: Enrolled
) -> None:
    """Attempts are counted in the database: a guesser whose requests land on two workers (or two
    servers behind a balancer) gets five tries in all, not five on each. The rows keep keyed hashes
    only: neither what was typed nor the address can be read back."""
    second = create_app({"environ": environ, "instance_path": tmp_path / "second", "CLOCK": clock,
                         "WTF_CSRF_ENABLED": True})
    real = _code(app)
    guess = real[:5] + ("0000" if real[5:] != "0000" else "1111")
    one, two = app.test_client(), second.test_client()
    assert [_try(client, guess) for client in (one, two, one, two, one)] == [200] * 5
    assert _try(two, guess) == 429 and _try(one, guess) == 429
    with app.app_context():
        stored = " ".join(" ".join(row) for row in db.session.execute(
            select(CodeAttempt.bucket, CodeAttempt.address)))
    second.extensions["portal.db"].dispose()
    assert real[:4] not in stored and guess[:4] not in stored and "127.0.0.1" not in stored
    clock.advance(minutes=16)  # the code's window has passed: the parent gets in
    assert _try(one, real) == "/q/1"
