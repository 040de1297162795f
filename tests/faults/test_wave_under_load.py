"""Thirty parents answer a whole wave at the same moment, on gunicorn and PostgreSQL.

Not a timing test (speed is in bench/scenario_load.py): what a parent relies on under load is
that no request fails and each of their answered instruments is stored, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from tests.faults.served import Gunicorn
from tests.faults.store import completions, enrol_today, invitations, served_environ
from tests.faults.walker import wave
from tests.support.databases import PostgresFactory

PARENTS = 30
INSTRUMENTS = 6


@pytest.fixture
def on_postgres(postgresql_factory: PostgresFactory,
                tmp_path: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    environ = served_environ(postgresql_factory.new("load"), tmp_path / "served")
    app = create_app({"environ": environ})
    yield app, environ
    app.extensions["portal.db"].dispose()


def test_thirty_parents_at_once_get_no_error_and_each_response_is_stored_once(
    on_postgres: tuple[Flask, dict[str, str]]
) -> None:
    app, environ = on_postgres
    tokens = enrol_today(app, PARENTS)
    with Gunicorn(environ, workers=2, threads=4) as server:
        parents, problems = wave(server.url, tokens)
        logged = server.logged()
    assert problems == []
    statuses = {status for parent in parents for _method, _path, status, _seconds in parent.log}
    assert statuses <= {200, 302, 303}
    assert "Traceback" not in logged
    assert all(invitation.completed_at is not None for invitation in invitations(app))
    counts = completions(app)
    assert len(counts) == PARENTS * INSTRUMENTS and set(counts.values()) == {1}
