"""HSTS and a Secure, __Host- session cookie, unless plain http was chosen on purpose (issue 22, item 5).

Before, cookies were Secure only with PORTAL_ENV=production, so a forgotten variable left them
plain, and no page asked browsers to keep to https.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal import create_app
from tests.conftest import TEST_KEYS, csrf_from


def built(tmp_path: Path, database_url: str, **environ: str) -> Flask:
    return create_app({"environ": {"PORTAL_DATABASE_URL": database_url, **TEST_KEYS, **environ},
                       "instance_path": tmp_path / "instance"})


def test_with_portal_env_forgotten_cookies_are_secure_and_pages_send_hsts(
    tmp_path: Path, database_url: str
) -> None:
    app = built(tmp_path, database_url)  # no PORTAL_ENV: development secrets, but not plain http
    client = app.test_client()
    page = client.get("/staff/login", base_url="https://portal.example")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    answer = client.post("/staff/login", data={"csrf_token": csrf_from(page.text), "email": "x@y.z",
                                               "password": "nothing"}, base_url="https://portal.example")
    assert answer.status_code == 401  # the form token rode on the __Host- cookie
    app.extensions["portal.db"].dispose()


def test_an_explicit_development_mode_serves_plain_http(tmp_path: Path, database_url: str) -> None:
    app = built(tmp_path, database_url, PORTAL_ENV="development")
    page = app.test_client().get("/staff/login")
    assert "Strict-Transport-Security" not in page.headers
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie
    app.extensions["portal.db"].dispose()
