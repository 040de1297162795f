"""Migrations are tested code: the migrated schema equals the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

import portal.models  # noqa: F401  (every table on the metadata)
from portal import create_app
from portal.audit import head, verify
from portal.config import load_settings
from portal.db import Base, KeystoreBase, db
from portal.migrate import upgrade, upgrade_store
from portal.staff import sealing
from portal.staff.models import StaffUser
from tests.conftest import TEST_KEYS

pytestmark = pytest.mark.databases


def _differences(url: str, metadata: object, own: set[str]) -> list[object]:
    engine = create_engine(url)
    with engine.connect() as connection:
        def include(name: str | None, kind: str, _parents: object) -> bool:
            return kind != "table" or name in own

        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include})
        diff = compare_metadata(context, metadata)  # type: ignore[arg-type]
    engine.dispose()
    return list(diff)


def test_migrated_main_store_matches_the_models(database_url: str) -> None:
    assert _differences(database_url, Base.metadata, set(Base.metadata.tables)) == []


def test_migrated_keystore_matches_the_models(database_url: str) -> None:
    assert _differences(database_url, KeystoreBase.metadata, set(KeystoreBase.metadata.tables)) == []


def test_upgrade_is_idempotent_and_keeps_two_version_tables(database_url: str) -> None:
    upgrade_store(database_url, "main")
    upgrade_store(database_url, "keystore")
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "alembic_version_keystore", "contact", "invitation"} <= tables


def _old_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return str(request.getfixturevalue("postgresql_factory").empty("old"))


def test_passing_0010_keys_an_older_audit_trail_and_seals_totp_secrets(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Migrations have no keys: `db upgrade` re-keys the plain SHA-256 chain and seals plain secrets."""
    url = _old_url(backend, request, tmp_path)
    upgrade_store(url, "main", "0006")
    at = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO staff_user (email, password_hash, role, sites, blinded, totp_secret, active, "
            "must_change_password, created_at) VALUES ('dm@staff.example', 'x', 'admin', '[]', false, "
            "'JBSWY3DPEHPK3PXP', true, false, :at)"), {"at": at})
        prev = "0" * 64
        for action in ("staff_created", "enrol", "export"):
            body = json.dumps([prev, at.isoformat(), "cli", action, "", {}], sort_keys=True)
            digest = hashlib.sha256(body.encode()).hexdigest()
            connection.execute(text("INSERT INTO audit_event (at, actor, action, subject, details, "
                                    "prev_hash, hash) VALUES (:at, 'cli', :action, '', '{}', :prev, :hash)"),
                               {"at": at, "action": action, "prev": prev, "hash": digest})
            prev = digest
    engine.dispose()
    settings = load_settings({"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": url, **TEST_KEYS}, tmp_path)
    upgrade(settings)
    app = create_app({"environ": {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": url, **TEST_KEYS},
                      "instance_path": tmp_path})
    with app.app_context():
        assert verify(db.session, settings.audit_key) is None and head(db.session).entry == 3
        user = db.session.scalars(select(StaffUser)).one()
        assert user.totp_secret and "JBSWY3DPEHPK3PXP" not in user.totp_secret
        assert sealing.opened(user) == "JBSWY3DPEHPK3PXP"
    app.extensions["portal.db"].dispose()
