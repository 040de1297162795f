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
    assert parent.client.get("/q/1").status_code == 200
    serializer: Any = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    renewed = parent.client.get_cookie("session")
    assert renewed is not None
    serializer.loads(renewed.value, max_age=60)  # signed again just now: two more hours from here
    assert parent.client.get("/q/2").status_code == 200


def test_a_session_left_idle_for_its_lifetime_ends(app: Flask, parent: Parent) -> None:
    parent.start()
    signed_ago(app, parent.client, LIFETIME + dt.timedelta(minutes=1))
    page = parent.client.get("/q/1")
    assert page.status_code == 404  # the neutral page: the link brings the parent back
    assert 'type="radio"' not in page.text
