"""Staff in a test: accounts with a known authenticator, signed in through the real pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import registry
from portal.db import db
from portal.staff import accounts, sealing
from tests.conftest import Clock, csrf_from
from tests.support.catalogues import compile_stale

PASSWORD = "correct horse battery staple"
SITES = {"admin": [], "coordinator": ["larvik"], "analyst": []}


@pytest.fixture(scope="session", autouse=True)
def staff_catalogues() -> None:
    """Compile the staff catalogues when a .po is newer than its .mo (as `make catalogues` does)."""
    compile_stale("staff")


@pytest.fixture
def app(app: Flask) -> Flask:
    """The shared app with cheap argon2 parameters: a real hash costs ~170 ms here."""
    app.config["PASSWORD_CHEAP"] = True
    return app


@dataclass
class Staff:
    id: int
    email: str
    secret: str
    client: FlaskClient
    clock: Clock

    def code(self) -> str:
        return pyotp.TOTP(self.secret).at(self.clock.now)

    def post(self, path: str, data: dict[str, str] | None = None, *, form_at: str | None = None,
             follow: bool = False) -> TestResponse:
        """Post as a browser would: with the CSRF token from the page the form is on."""
        page = self.client.get(form_at or "/staff/dashboard")
        token = csrf_from(page.text)
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, follow_redirects=follow)


def create_account(app: Flask, *, role: str, email: str | None = None, sites: list[str] | None = None,
                   blinded: bool = True, with_totp: bool = True, language: str | None = "en"
                   ) -> tuple[int, str, str]:
    """An account with a known authenticator; English unless `language` says otherwise (None: the
    study's language, as an account made by `users create` without --language)."""
    secret = pyotp.random_base32()
    with app.app_context():
        user = accounts.create(
            db.session, email=email or f"{role}@staff.example", role=role,
            sites=SITES[role] if sites is None else sites, blinded=blinded, password=PASSWORD,
            actor="test", now=registry.now(), language=language,
        )
        if with_totp:
            user.totp_secret = sealing.seal(user.id, secret)
        user.must_change_password = False  # most tests start after the first password change
        db.session.commit()
        return user.id, user.email, secret


def sign_in(client: FlaskClient, email: str, secret: str, clock: Clock) -> TestResponse:
    page = client.get("/staff/login")
    form = {"csrf_token": csrf_from(page.text), "email": email, "password": PASSWORD}
    client.post("/staff/login", data=form)
    page = client.get("/staff/login/code")
    code = pyotp.TOTP(secret).at(clock.now)
    return client.post("/staff/login/code", data={"csrf_token": csrf_from(page.text), "code": code})


StaffFactory = Callable[..., Staff]


@pytest.fixture
def staff(app: Flask, clock: Clock) -> StaffFactory:
    """staff("coordinator", sites=[...], blinded=False): a signed-in account with its own browser."""

    def make(role: str, **options: object) -> Staff:
        user_id, email, secret = create_account(app, role=role, **options)  # type: ignore[arg-type]
        client = app.test_client()
        response = sign_in(client, email, secret, clock)
        assert response.status_code == 302, response.text
        clock.advance(seconds=31)  # the next sign-in uses a fresh TOTP step
        return Staff(user_id, email, secret, client, clock)

    return make


def at(clock: Clock, text: str) -> None:
    clock.now = dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def sign_in_page(page: Any, base: str, email: str, secret: str, when: dt.datetime) -> None:
    """Sign a staff member in through the real pages in a browser: password, then the code at `when`
    (the fields found by id, so the walk works in either staff language)."""
    page.goto(f"{base}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(secret).at(when))
    page.locator("button[type=submit]").click()
