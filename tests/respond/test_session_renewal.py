"""The parent's session: kept alive while they answer, ended when left idle for its lifetime.

Flask signs the cookie with the time it was signed (on the wall clock, as itsdangerous does), so
these tests hand the browser a cookie signed at a chosen moment in the past, with the app's real key.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.respond.conftest import Parent

pytestmark = pytest.mark.databases
LIFETIME = dt.timedelta(hours=2)


def signed_ago(app: Flask, client: FlaskClient, age: dt.timedelta) -> None:
    """Replace the browser's session cookie by the same session signed `age` ago."""
    serializer: Any = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(client.get_cookie("session").value)  # type: ignore[union-attr]

    class Earlier(serializer.signer):  # type: ignore[name-defined,misc]
        def get_timestamp(self) -> int:
            return int(time.time() - age.total_seconds())

    serializer.signer = Earlier
    client.set_cookie("session", serializer.dumps(data))


def test_the_session_lasts_two_hours(app: Flask) -> None:
    assert app.permanent_session_lifetime == LIFETIME


def test_a_parent_still_answering_late_in_the_session_gets_a_fresh_cookie(
    app: Flask, parent: Parent
) -> None:
    parent.start()
    signed_ago(app, parent.client, LIFETIME - dt.timedelta(minutes=5))
    page = parent.client.get("/q/1")
    assert page.status_code == 200
    assert "session=" in page.headers["Set-Cookie"]
    assert parent.client.get("/q/2").status_code == 200  # the renewed cookie carries on


def test_a_session_left_idle_for_its_lifetime_ends(app: Flask, parent: Parent) -> None:
    parent.start()
    signed_ago(app, parent.client, LIFETIME + dt.timedelta(minutes=1))
    page = parent.client.get("/q/1")
    assert page.status_code == 404  # the neutral page: the link brings the parent back
    assert 'type="radio"' not in page.text


def test_a_changed_session_is_saved_at_once(app: Flask, parent: Parent) -> None:
    parent.start()
    signed_ago(app, parent.client, dt.timedelta(minutes=20))
    switched = parent.post("/language", {"lang": "en", "next": "/q/1"})
    assert "session=" in switched.headers["Set-Cookie"]
