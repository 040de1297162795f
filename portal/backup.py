"""Consistent snapshots of one store at a time: the keystore is always backed up apart.

SQLite uses the online backup API (a consistent copy while the portal runs)
and then drops the other store's tables from the copy; PostgreSQL uses
pg_dump/pg_restore with the store's tables selected. The snapshot is made in a
private temporary folder and written out sealed with PORTAL_BACKUP_KEY
(portal.backup_crypto), mode 0600, beside a manifest holding the audit trail's
head; restore opens the whole file before it changes anything, and the trail
records the restore and what it rolled back (portal.backup_cli).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

import portal.models  # noqa: F401  (every table on the metadata)
from portal.backup_crypto import SealedFileError, open_file, seal_file
from portal.db import Base, KeystoreBase

VERSION_TABLES = {"main": "alembic_version", "keystore": "alembic_version_keystore"}


class BackupError(Exception):
    """A backup or restore that could not be done; nothing was changed."""


def store_tables(store: str) -> list[str]:
    metadata: MetaData = Base.metadata if store == "main" else KeystoreBase.metadata
    return [table.name for table in metadata.sorted_tables] + [VERSION_TABLES[store]]


@contextmanager
def _private_folder() -> Iterator[Path]:
    """A folder only this user can read (mkdtemp makes it 0700), gone afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="portal-backup-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def backup(url: str, store: str, out: Path, key: bytes) -> None:
    if out.exists():
        raise BackupError(f"{out} exists already; choose a new file")
    with _private_folder() as folder:
        raw = folder / "snapshot"
        if make_url(url).get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(url), store, raw)
        else:
            _pg("pg_dump", url, ["-Fc", "--no-owner", *_pg_tables(store), "-f", str(raw)])
        try:
            seal_file(key, store, raw, out)
        except FileExistsError:
            raise BackupError(f"{out} exists already; choose a new file") from None


def restore(url: str, store: str, source: Path, key: bytes) -> None:
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    with _private_folder() as folder:
        raw = folder / "snapshot"
        try:
            open_file(key, store, source, raw)
        except SealedFileError as problem:
            raise BackupError(f"{problem}; nothing changed") from None
        if make_url(url).get_backend_name() == "sqlite":
            _sqlite_restore(_sqlite_path(url), store, raw)
        else:
            _pg("pg_restore", url, ["--clean", "--if-exists", "--single-transaction", "--no-owner",
                                    *_pg_tables(store, restoring=True), str(raw)], database_flag=True)


def _sqlite_path(url: str) -> str:
    return str(make_url(url).database)


def _sqlite_backup(path: str, store: str, out: Path) -> None:
    keep = set(store_tables(store))
    with sqlite3.connect(path) as live, sqlite3.connect(out) as copy:
        live.backup(copy)
    with sqlite3.connect(out) as copy:
        copy.execute("PRAGMA foreign_keys=OFF")
        others = [name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if name not in keep and not name.startswith("sqlite_")]
        for name in others:
            copy.execute(f'DROP TABLE "{name}"')
    with sqlite3.connect(out, isolation_level=None) as copy:
        copy.execute("VACUUM")


def _sqlite_restore(path: str, store: str, source: Path) -> None:
    tables = store_tables(store)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS snapshot", (str(source),))
        _check_versions(connection, VERSION_TABLES[store])
        connection.execute("BEGIN IMMEDIATE")
        for name in reversed(tables):
            connection.execute(f'DELETE FROM main."{name}"')
        for name in tables:
            connection.execute(f'INSERT INTO main."{name}" SELECT * FROM snapshot."{name}"')
        connection.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise BackupError(f"restore failed, nothing changed: {error}") from None
    finally:
        connection.close()


def _check_versions(connection: sqlite3.Connection, table: str) -> None:
    try:
        ours = connection.execute(f'SELECT version_num FROM main."{table}"').fetchall()
        theirs = connection.execute(f'SELECT version_num FROM snapshot."{table}"').fetchall()
    except sqlite3.DatabaseError:
        raise BackupError("the file is not a backup of this store") from None
    if ours != theirs:
        raise BackupError(f"the backup's schema ({theirs}) differs from the database's ({ours}): "
                          "restore into a database migrated to the same revision")


def _pg_tables(store: str, restoring: bool = False) -> list[str]:
    if restoring:
        return []  # a dump holds only its own store's objects
    # the keystore's objects: its tables and the sequences behind their id columns
    names = [*store_tables("keystore"), *(f"{t.name}_id_seq" for t in KeystoreBase.metadata.sorted_tables)]
    flag = "--table" if store == "keystore" else "--exclude-table"
    return [f"{flag}={name}" for name in names]


def _pg(tool: str, url: str, args: list[str], database_flag: bool = False) -> None:
    parsed = make_url(url)
    binary = shutil.which(tool) or next(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), None)
    if binary is None:
        raise BackupError(f"{tool} not found: install the PostgreSQL client (postgresql-client-15)")
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""} if parsed.password else dict(os.environ)
    target = ["-d", conninfo] if database_flag else [f"--dbname={conninfo}"]
    result = subprocess.run([str(binary), *target, *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise BackupError(f"{tool} failed: {lines[-1] if lines else 'no message'}")
