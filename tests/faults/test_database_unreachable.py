"""A database that cannot be reached at all: every audience gets a 503 that says to try again.

The PostgreSQL restart itself is in test_database_restart.py; this is the steady state of an
outage (here a SQLite file that cannot be opened), quick enough to check each audience's page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.security import TOKEN_LENGTH
from tests.conftest import TEST_KEYS


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[Flask]:
    nowhere = f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.sqlite3'}"
    app = create_app({"environ": {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": nowhere, **TEST_KEYS},
                      "instance_path": tmp_path / "instance", "WTF_CSRF_ENABLED": False})
    yield app
    app.extensions["portal.db"].dispose()


def test_a_parent_is_asked_to_wait_and_try_again_in_their_language(unreachable: Flask) -> None:
    response = unreachable.test_client().get("/s/" + "a" * TOKEN_LENGTH, headers={"Accept-Language": "nb"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "<h1>Familiestudien</h1>" in response.text and "prøv igjen" in response.text
    assert "sqlite" not in response.text.lower() and "Traceback" not in response.text


def test_the_workspace_gets_its_own_page_and_the_load_balancer_its_answer(unreachable: Flask) -> None:
    client = unreachable.test_client()
    form = {"email": "coordinator@test.example", "password": "x" * 12}
    login = client.post("/staff/login", data=form)  # no account yet, no language asked for: the study's
    assert login.status_code == 503 and login.headers["Retry-After"] == "30"
    assert '<html lang="nb"' in login.text and "Prøv igjen om litt" in login.text
    assert "Try again" not in login.text  # the whole page in one language
    assert "sqlite" not in login.text.lower() and "Traceback" not in login.text
    english = client.post("/staff/login", data=form, headers={"Accept-Language": "en-GB, nb;q=0.5"})
    assert english.status_code == 503 and '<html lang="en"' in english.text
    assert "Try again in a moment" in english.text and "Prøv" not in english.text
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json == {"status": "unavailable", "main": "unavailable",
                                                   "keystore": "unavailable"}
