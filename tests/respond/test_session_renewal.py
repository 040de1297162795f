"""The parent's session: kept alive while they answer, ended when left idle for its lifetime.

The cookie is re-signed only once half of its lifetime has passed (not on every page), so these
tests hand the browser a cookie signed at a chosen moment in the past, with the app's real key.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.respond.conftest import Parent

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


def test_pages_early_in_the_session_keep_the_cookie_as_it_is(app: Flask, parent: Parent) -> None:
    parent.start()
    parent.client.get("/q/1")  # the first page adds its form token to the session: saved at once
    signed_ago(app, parent.client, dt.timedelta(minutes=20))
    page = parent.client.get("/q/1")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers


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


def test_a_cookie_seen_before_still_ends_with_its_lifetime(app: Flask, parent: Parent) -> None:
    """Each worker keeps what a valid cookie says once its signature was checked; its age counts still."""
    parent.start()
    signed_ago(app, parent.client, LIFETIME - dt.timedelta(seconds=1))
    almost_over = parent.client.get_cookie("session").value  # type: ignore[union-attr]
    assert parent.client.get("/q/1").status_code == 200  # checked and kept (and renewed in the browser)
    time.sleep(2)
    parent.client.set_cookie("session", almost_over)  # a copy of the old cookie, sent again
    assert parent.client.get("/q/1").status_code == 404


def test_no_request_changes_what_another_reads_from_the_same_cookie(app: Flask) -> None:
    serializer: Any = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    cookie = serializer.dumps({"pending": [7, "2026-11-22T08:00:00+00:00"]})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as first:
        opened = app.session_interface.open_session(app, first.request)
        assert opened is not None
        opened["pending"].append("changed in place")
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as second:
        again = app.session_interface.open_session(app, second.request)
        assert again is not None and again["pending"] == [7, "2026-11-22T08:00:00+00:00"]
