"""Test databases: migrate a template once per run, then give each test a fresh copy."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from portal.migrate import upgrade_store

_counter = itertools.count()


class SQLiteFactory:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        url = f"sqlite:///{self.template}"
        upgrade_store(url, "main")
        upgrade_store(url, "keystore")

    def new(self, name: str) -> str:
        path = self.workdir / f"{name}-{next(_counter)}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"


class PostgresFactory:
    def __init__(self, cluster_url: callable) -> None:  # type: ignore[valid-type]
        self.url_for = cluster_url
        self.admin = create_engine(cluster_url("postgres"), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text("CREATE DATABASE portal_template"))
        upgrade_store(cluster_url("portal_template"), "main")
        upgrade_store(cluster_url("portal_template"), "keystore")

    def new(self, name: str) -> str:
        database = f"{name}_{next(_counter)}".lower()
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE portal_template'))
        return self.url_for(database)

    def empty(self, name: str) -> str:
        database = f"{name}_{next(_counter)}".lower()
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        return self.url_for(database)

    def close(self) -> None:
        self.admin.dispose()
