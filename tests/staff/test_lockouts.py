"""Attempt limits that slow guessing without locking the right person out (issue 22, item 5).

The portal runs behind one trusted proxy here (PORTAL_TRUSTED_PROXIES=1), as behind a load
balancer: each client's address comes from X-Forwarded-For. Before, every client shared the
balancer's address, and failures anywhere locked the account everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal import create_app
from portal.db import db
from portal.staff.models import LoginAttempt
from tests.conftest import Clock, client_at, csrf_from
from tests.staff.conftest import PASSWORD, create_account, sign_in

pytestmark = pytest.mark.databases


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "PORTAL_TRUSTED_PROXIES": "1"}


def password(client: FlaskClient, email: str, typed: str = PASSWORD) -> TestResponse:
    """From an English browser: before sign-in the page speaks the browser's language."""
    english = {"Accept-Language": "en"}
    page = client.get("/staff/login", headers=english)
    return client.post("/staff/login", data={"csrf_token": csrf_from(page.text), "email": email,
                                             "password": typed}, headers=english)


def test_the_right_password_from_another_address_is_accepted_after_five_failures(
    app: Flask, clock: Clock
) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    for _ in range(5):
        assert password(client_at(app, "198.51.100.7"), email, "wrong password!").status_code == 401
    assert sign_in(client_at(app, "203.0.113.20"), email, secret, clock).status_code == 302
    held = password(client_at(app, "198.51.100.7"), email)
    assert held.status_code == 401 and "Wait 30 seconds" in held.text


def test_each_further_failure_doubles_the_wait(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    guesser = client_at(app, "198.51.100.7")
    for _ in range(5):
        password(guesser, email, "wrong password!")
    clock.advance(seconds=31)
    assert password(guesser, email, "wrong again!!").status_code == 401
    assert "Wait 60 seconds" in password(guesser, email).text
    clock.advance(seconds=61)
    password(guesser, email, "and again!!!!")
    assert "Wait 2 minutes" in password(guesser, email).text
    clock.advance(minutes=2, seconds=1)
    assert sign_in(guesser, email, secret, clock).status_code == 302


def test_twenty_failures_from_one_address_leave_other_addresses_alone(app: Flask, clock: Clock) -> None:
    for n in range(20):
        password(client_at(app, "198.51.100.7"), f"guess{n}@staff.example", "wrong")
    _id, email, secret = create_account(app, role="analyst")
    assert "from this network" in password(client_at(app, "198.51.100.7"), email).text
    assert sign_in(client_at(app, "203.0.113.20"), email, secret, clock).status_code == 302


def test_an_ipv6_client_counts_as_its_whole_64(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    for host in range(5):  # a new address of the same /64 for every try
        password(client_at(app, f"2001:db8:7:1::{host + 10:x}"), email, "wrong password!")
    assert "Wait 30 seconds" in password(client_at(app, "2001:db8:7:1:ffff::1"), email).text
    assert sign_in(client_at(app, "2001:db8:7:2::1"), email, secret, clock).status_code == 302


def test_without_trusted_proxies_a_client_cannot_choose_its_address(
    environ: dict[str, str], tmp_path: Path, clock: Clock
) -> None:
    direct = create_app({"environ": {**environ, "PORTAL_TRUSTED_PROXIES": "0"}, "CLOCK": clock,
                         "instance_path": tmp_path / "direct", "PASSWORD_CHEAP": True})
    _id, email, _secret = create_account(direct, role="coordinator")
    for n in range(5):
        password(client_at(direct, f"198.51.100.{n}"), email, "wrong password!")
    assert "Wait 30 seconds" in password(client_at(direct, "203.0.113.20"), email).text
    direct.extensions["portal.db"].dispose()


def test_what_was_typed_as_the_e_mail_is_kept_only_as_a_keyed_hash(app: Flask) -> None:
    password(client_at(app, "198.51.100.7"), "MySecretPassw0rd!", "oops")
    with app.app_context():
        rows = db.session.execute(select(LoginAttempt.account, LoginAttempt.address)).all()
    assert len(rows) == 1 and "mysecretpassw0rd" not in repr(rows).lower() and len(rows[0].account) == 64
