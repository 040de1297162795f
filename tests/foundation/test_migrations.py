"""Migrations are tested code: the migrated schema equals the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import portal.models  # noqa: F401  (every table on the metadata)
from portal.db import Base, KeystoreBase
from portal.migrate import upgrade_store

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
