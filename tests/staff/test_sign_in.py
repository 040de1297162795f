"""Signing in: password, then the authenticator; limits, expiry and refusals a person understands."""

from __future__ import annotations

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from portal.db import db
from portal.staff.models import StaffUser
from tests.conftest import Clock, csrf_from
from tests.staff.conftest import PASSWORD, StaffFactory, create_account, sign_in

pytestmark = pytest.mark.databases
ENGLISH = {"Accept-Language": "en"}


def _password(client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """From an English browser: before sign-in the page speaks the browser's language."""
    page = client.get("/staff/login", headers=ENGLISH)
    return client.post("/staff/login", data={"csrf_token": csrf_from(page.text), "email": email,
                                             "password": password}, headers=ENGLISH)


def test_password_then_code_signs_in_and_reaches_the_dashboard(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    client = app.test_client()
    assert client.get("/staff/dashboard").headers["Location"].startswith("/staff/login")
    response = sign_in(client, email, secret, clock)
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/dashboard").status_code == 200


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(app: Flask) -> None:
    create_account(app, role="coordinator")
    wrong = _password(app.test_client(), "coordinator@staff.example", "not the password")
    unknown = _password(app.test_client(), "nobody@staff.example")
    assert wrong.status_code == unknown.status_code == 401
    assert "password or code is not right" in wrong.text and "password or code is not right" in unknown.text


def test_the_password_alone_is_not_enough(app: Flask) -> None:
    create_account(app, role="admin")
    client = app.test_client()
    _password(client, "admin@staff.example")
    assert client.get("/staff/users").headers["Location"].startswith("/staff/login")


def test_a_wrong_code_is_refused_and_a_used_code_is_not_accepted_twice(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    client = app.test_client()
    _password(client, email)
    page = client.get("/staff/login/code")
    refused = client.post("/staff/login/code", data={"csrf_token": csrf_from(page.text), "code": "000000"})
    assert refused.status_code == 401
    assert sign_in(client, email, secret, clock).status_code == 302
    again = app.test_client()
    assert sign_in(again, email, secret, clock).status_code == 401  # the same code, replayed


def test_five_failures_make_the_account_wait_here_with_a_clear_message(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    for _ in range(5):
        assert _password(app.test_client(), email, "wrong password!").status_code == 401
    locked = _password(app.test_client(), email)  # even the right password, from the same network
    assert locked.status_code == 401
    assert "Too many failed attempts for this account from this network. Wait 30 seconds" in locked.text
    clock.advance(seconds=31)
    assert sign_in(app.test_client(), email, secret, clock).status_code == 302


def test_many_failures_from_one_address_slow_that_address(app: Flask, clock: Clock) -> None:
    for n in range(20):
        _password(app.test_client(), f"guess{n}@staff.example", "wrong")
    _id, email, secret = create_account(app, role="analyst")
    blocked = _password(app.test_client(), "analyst@staff.example")
    assert "Too many failed attempts from this network. Wait 30 seconds" in blocked.text
    clock.advance(seconds=31)
    assert sign_in(app.test_client(), email, secret, clock).status_code == 302


def test_a_hash_made_with_other_parameters_is_replaced_at_sign_in(app: Flask, clock: Clock) -> None:
    user_id, email, secret = create_account(app, role="analyst")
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        assert user is not None
        user.password_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
        db.session.commit()
    assert sign_in(app.test_client(), email, secret, clock).status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(StaffUser.password_hash).filter_by(id=user_id)).one()
    assert "m=1024,t=1,p=1" in stored  # the configured (test) parameters now


def test_first_sign_in_sets_up_the_authenticator_from_our_own_qr_code(app: Flask, clock: Clock) -> None:
    create_account(app, role="coordinator", with_totp=False)
    client = app.test_client()
    assert _password(client, "coordinator@staff.example").headers["Location"] == "/staff/login/setup"
    page = client.get("/staff/login/setup")
    assert 'src="data:image/svg+xml' in page.text and "https://" not in page.text.split("<main")[1]
    secret = page.text.split('class="secret">')[1].split("<")[0]
    done = client.post("/staff/login/setup", data={"csrf_token": csrf_from(page.text),
                                                   "code": pyotp.TOTP(secret).at(clock.now)})
    codes = [c.split("<")[0] for c in done.text.split('<code dir="ltr">')[1:]]
    assert len(codes) == 10 and client.get("/staff/dashboard").status_code == 200
    # a recovery code signs in once, and only once
    clock.advance(seconds=60)
    for expected in (302, 401):
        other = app.test_client()
        _password(other, "coordinator@staff.example")
        form = other.get("/staff/login/code")
        answer = other.post("/staff/login/code", data={"csrf_token": csrf_from(form.text), "code": codes[0]})
        assert answer.status_code == expected


def test_a_session_ends_after_thirty_idle_minutes(staff: StaffFactory, clock: Clock) -> None:
    coordinator = staff("coordinator")
    clock.advance(minutes=29)
    assert coordinator.client.get("/staff/dashboard").status_code == 200
    clock.advance(minutes=31)
    expired = coordinator.client.get("/staff/dashboard")
    assert expired.headers["Location"] == "/staff/login?expired=1"
    notice = coordinator.client.get(expired.headers["Location"], headers={"Accept-Language": "en"}).text
    assert "signed out after a time without activity" in notice


def test_a_disabled_account_is_signed_out_at_its_next_request(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "--email", coordinator.email]).exit_code == 0
    assert coordinator.client.get("/staff/dashboard").status_code == 302


def test_forms_without_a_csrf_token_are_refused(app: Flask, staff: StaffFactory) -> None:
    coordinator = staff("coordinator")
    assert coordinator.client.post("/staff/logout").status_code == 400
    assert app.test_client().post("/staff/login", data={"email": "x", "password": "y"}).status_code == 400


def test_signing_out_ends_the_session(staff: StaffFactory) -> None:
    analyst = staff("analyst")
    analyst.post("/staff/logout", form_at="/staff/retention")
    assert analyst.client.get("/staff/retention").status_code == 302


def test_a_one_time_password_must_be_replaced_before_anything_else(app: Flask, clock: Clock) -> None:
    _id, email, secret = create_account(app, role="coordinator")
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=email)).one()
        user.must_change_password = True  # as `users create` leaves it
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, secret, clock)
    assert client.get("/staff/dashboard").headers["Location"] == "/staff/account/password"
    page = client.get("/staff/account/password")
    form = {"csrf_token": csrf_from(page.text), "current": PASSWORD}
    same = client.post("/staff/account/password", data={**form, "new": PASSWORD, "repeated": PASSWORD})
    assert same.status_code == 400 and "different from the one you were given" in same.text
    short = client.post("/staff/account/password", data={**form, "new": "short", "repeated": "short"})
    assert "at least 12 characters" in short.text
    new = "my own long passphrase"
    changed = client.post("/staff/account/password", data={**form, "new": new, "repeated": new})
    assert changed.status_code == 302
    assert client.get("/staff/dashboard").status_code == 200
    clock.advance(seconds=60)
    fresh = app.test_client()
    fresh_page = fresh.get("/staff/login")
    old = fresh.post("/staff/login", data={"csrf_token": csrf_from(fresh_page.text), "email": email,
                                           "password": PASSWORD})
    assert old.status_code == 401
