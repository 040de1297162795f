"""Alembic environment for both stores.

`-x store=main` (the default) migrates the pseudonymous database;
`-x store=keystore` the keystore. Each keeps its own version table, so the
two may share one database or live apart.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData

import portal.models  # noqa: F401  (registers every table on the metadata)
from portal.db import Base, KeystoreBase, make_engine

config = context.config
store = config.attributes.get("store") or context.get_x_argument(as_dictionary=True).get("store", "main")
target: MetaData = KeystoreBase.metadata if store == "keystore" else Base.metadata
version_table = "alembic_version_keystore" if store == "keystore" else "alembic_version"


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _own_tables(name: str | None, type_: str, _parents: object) -> bool:
    """The stores may share a database: each looks only at its own tables."""
    return type_ != "table" or name in target.tables


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target,
        version_table=version_table,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        include_name=_own_tables,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
