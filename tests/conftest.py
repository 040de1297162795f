"""Fixtures: the app on a fresh database per test, on SQLite and (where asked) PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from portal import create_app
from portal.config import PROJECT_ROOT
from portal.db import Stores
from tests.support import postgres
from tests.support.databases import PostgresFactory, SQLiteFactory

REQUIRED = bool(os.environ.get("PORTAL_REQUIRE_POSTGRES") or os.environ.get("CI"))
TEST_KEYS = {
    "PORTAL_SECRET_KEY": base64.b64encode(b"s" * 32).decode(),
    "PORTAL_LINK_KEY": base64.b64encode(b"l" * 32).decode(),
    "PORTAL_KEYSTORE_KEY": base64.b64encode(b"k" * 32).decode(),
    "PORTAL_BLIND_INDEX_KEY": base64.b64encode(b"b" * 32).decode(),
    "PORTAL_AUDIT_KEY": base64.b64encode(b"a" * 32).decode(),
    "PORTAL_BACKUP_KEY": base64.b64encode(b"B" * 32).decode(),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked `databases` run once on SQLite and once on PostgreSQL; tests marked `postgresql`
    on PostgreSQL only."""
    if "backend" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker
        backends = ["sqlite", "postgresql"] if marked("databases") else ["sqlite"]
        metafunc.parametrize("backend", ["postgresql"] if marked("postgresql") else backends, scope="session")


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SQLiteFactory:
    return SQLiteFactory(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgresql_factory() -> Iterator[PostgresFactory]:
    with postgres.running_cluster(REQUIRED) as cluster:
        factory = PostgresFactory(cluster.url)
        yield factory
        factory.close()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    factory = request.getfixturevalue(f"{backend}_factory")
    return str(factory.new("portal"))


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, **TEST_KEYS}


class Clock:
    """The app's time in a test: set it, move it; never sleep."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
def app(environ: dict[str, str], tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = create_app({"environ": environ, "instance_path": tmp_path / "instance", "CLOCK": clock,
                      "WTF_CSRF_ENABLED": True})
    yield app
    stores: Stores = app.extensions["portal.db"]
    stores.dispose()


def shipped_study() -> str:
    """The text of the study file we ship, for a test to edit."""
    return (PROJECT_ROOT / "studies" / "family-partner.yaml").read_text(encoding="utf-8")


@contextmanager
def app_on_study(environ: dict[str, str], folder: Path, clock: Clock, study: str, **config: Any
                 ) -> Iterator[Flask]:
    """An app on `environ`'s database served with the study file `study` (its text, written into
    `folder`), as after the file is edited and the portal restarted."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.yaml"
    path.write_text(study, encoding="utf-8")
    app = create_app({"environ": {**environ, "PORTAL_STUDY_FILE": str(path)},
                      "instance_path": folder / "instance", "CLOCK": clock, **config})
    try:
        yield app
    finally:
        stores: Stores = app.extensions["portal.db"]
        stores.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def client_at(app: Flask, address: str) -> FlaskClient:
    """A browser or phone at `address`, as the one trusted proxy in front reports it (the app needs
    PORTAL_TRUSTED_PROXIES=1 to believe it)."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start: html.index('"', start)]


def pytest_configure(config: Any) -> None:
    Path(__file__).parent.joinpath("artifacts").mkdir(exist_ok=True)
