"""Engines, sessions and the declarative bases.

Two stores: the main database (pseudonymous data) and the keystore (contact
details). They may be one database or two; the code never joins across them.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask import Response as FlaskResponse
from sqlalchemy import JSON, DateTime, Dialect, Engine, MetaData, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.exceptions import ServiceUnavailable

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class KeystoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, read_only: bool = False) -> Engine:
    """An engine for the database at `url`. A read-only engine's connections refuse every write in
    the database itself; see _reader()."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
        return engine
    if read_only:
        engine = create_engine(url, pool_size=4, max_overflow=10, isolation_level="AUTOCOMMIT",
                               connect_args={"options": "-c default_transaction_read_only=on"})
    else:
        engine = create_engine(url, pool_size=5, max_overflow=10)
    event.listen(engine, "checkin", _note_last_use)
    event.listen(engine, "checkout", _pinging_if_idle(engine.dialect))
    return engine


def _create_private(path: str | None) -> None:
    """Create a new SQLite file owner-only (0600); SQLite gives its -wal and -shm files the same mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except FileNotFoundError:
        return  # no such folder: SQLite says so when it connects


# pool_pre_ping costs a round trip on every checkout. A connection in steady use needs no ping: if
# the server went away under it, the request fails with a 503 and SQLAlchemy drops the whole pool.
# One that sat idle (a restart at night) is pinged before use.
IDLE_BEFORE_PING = 2.0  # seconds


def _note_last_use(_dbapi_connection: Any, record: Any) -> None:
    record.info["last_use"] = time.monotonic()


def _pinging_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_use = record.info.get("last_use")
        if last_use is None or time.monotonic() - last_use < IDLE_BEFORE_PING:
            return  # freshly connected, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # the pool throws this connection away and hands out a fresh one
                raise DisconnectionError("database connection closed") from error
            raise

    return ping_if_idle


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")


@dataclass(frozen=True)
class Stores:
    engine: Engine
    keystore_engine: Engine
    reader: Engine  # for requests that only read: writes refused
    sessions: sessionmaker[Session]
    keystore_sessions: sessionmaker[Session]
    readers: sessionmaker[Session]  # sessions on the reader

    def dispose(self) -> None:
        for engine in {self.engine, self.keystore_engine, self.reader}:
            engine.dispose()


def open_stores(database_url: str, keystore_url: str) -> Stores:
    engine = make_engine(database_url)
    keystore_engine = engine if keystore_url == database_url else make_engine(keystore_url)
    reader = _reader(database_url)
    return Stores(
        engine=engine,
        keystore_engine=keystore_engine,
        reader=reader,
        sessions=sessionmaker(engine, expire_on_commit=False),
        keystore_sessions=sessionmaker(keystore_engine, expire_on_commit=False),
        readers=sessionmaker(reader, expire_on_commit=False),
    )


class ReadOnly(RuntimeError):
    """A request that promised only to read tried to write."""


READ_ONLY_ERRORS = ("25006", "SQLITE_READONLY")  # a refused write: PostgreSQL's SQLSTATE, SQLite's code


def _reader(url: str) -> Engine:
    """A pool of its own for requests that only read (a parent's GET), whose connections the
    database itself keeps from writing: on PostgreSQL with default_transaction_read_only (in
    autocommit: a read needs no transaction), on SQLite with PRAGMA query_only. A refused write
    raises ReadOnly."""
    reader = make_engine(url, read_only=True)

    def refused(context: ExceptionContext) -> ReadOnly | None:
        error = context.original_exception
        code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
        if code in READ_ONLY_ERRORS:
            return ReadOnly("a read-only request tried to change rows")
        return None

    event.listen(reader, "handle_error", refused)
    return reader


class Database:
    """The Flask extension: one session per request (or CLI command) per store, one transaction."""

    def init_app(self, app: Flask, database_url: str, keystore_url: str) -> None:
        app.extensions["portal.db"] = open_stores(database_url, keystore_url)
        app.teardown_appcontext(self._close)
        for unreachable in (OperationalError, InterfaceError):
            app.register_error_handler(unreachable, _unavailable)

    @property
    def stores(self) -> Stores:
        stores: Stores = current_app.extensions["portal.db"]
        return stores

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = (self.stores.readers if g.get("db_read_only") else self.stores.sessions)()
        session: Session = g.db_session
        return session

    @staticmethod
    def read_only() -> None:
        """This request only reads (a parent's GET): its session refuses writes. Call it before the
        first use of `session`."""
        g.db_read_only = True

    @staticmethod
    def rollback() -> None:
        """Drop the request's uncommitted work, if it has opened a session (opens none)."""
        session: Session | None = g.get("db_session")
        if session is not None:
            session.rollback()

    def keystore_session(self) -> Session:
        """Only portal.contacts calls this; see the privacy boundary in DESIGN.md.

        When both stores are one database they share one session, so a change
        and its contact details commit together.
        """
        if self.stores.keystore_engine is self.stores.engine:
            return self.session
        if "keystore_session" not in g:
            g.keystore_session = self.stores.keystore_sessions()
        session: Session = g.keystore_session
        return session

    @staticmethod
    def _close(_error: BaseException | None) -> None:
        for name in ("db_session", "keystore_session"):
            opened: Session | None = g.pop(name, None)
            if opened is None:
                continue
            try:
                opened.close()
            except SQLAlchemyError:
                # The server cut the connection after the answer was made (a restart): the ROLLBACK
                # that close() sends fails. Drop the connection instead of failing a finished request.
                opened.invalidate()


def _unavailable(error: Exception) -> FlaskResponse:
    """The database is out of reach (a restart, a failover, a lock held too long): 503, try again.

    The request's transaction is lost whole, so nothing is half-saved; the pool is dropped and
    reconnects once the database is back, without restarting the app. A parent gets a
    page that says only "wait and try again" (not "this link cannot be used"); the workspace,
    the analyst's pages and the gateway's endpoint get the app's own 503 page for them.
    """
    current_app.logger.warning("database unavailable: %s", type(error.__cause__ or error).__name__)
    if request.blueprint == "respond":
        protocol = current_app.extensions["portal.protocol"]
        names = protocol.public_name
        name = names.get(protocol.default_language) or next(iter(names.values()))
        answer = current_app.make_response((render_template("unavailable.html", public_name=name), 503))
    else:
        answer = current_app.make_response(current_app.handle_http_exception(ServiceUnavailable()))
    answer.headers["Retry-After"] = "30"
    return answer


db = Database()
