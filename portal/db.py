"""Engines, sessions and the declarative bases.

Two stores: the main database (pseudonymous data) and the keystore (contact
details). They may be one database or two; the code never joins across them.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask import Response as FlaskResponse
from sqlalchemy import JSON, Connection, DateTime, Dialect, Engine, MetaData, Select, create_engine, event
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


def make_engine(url: str, read_only: bool = False, autocommit: bool = False) -> Engine:
    """An engine for the database at `url`. A read-only engine's connections refuse every write in
    the database itself; see _reader(). On PostgreSQL, `autocommit` gives a pool whose statements
    each commit by themselves (see Database.single_statements); a read-only one always does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
        return engine
    if read_only or autocommit:
        refuse_writes = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        engine = create_engine(url, pool_size=4, max_overflow=10, isolation_level="AUTOCOMMIT",
                               connect_args=refuse_writes)
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


# pool_pre_ping would cost a round trip on every checkout, ~10 % of a parent's page. A connection
# in steady use needs no ping: if the server went away under it, the request fails with a 503 and
# SQLAlchemy drops the whole pool. One that sat idle (a restart at night) is pinged before use.
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


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for a driver that takes them by position
    processors: tuple[Callable[[Any], Any] | None, ...]  # per column, as SQLAlchemy's result applies them


class Query:
    """A SELECT run on every parent page, on the driver's own cursor: compiled once per dialect, each
    row's values typed as connection.execute types them (aware UTC datetimes, JSON as Python).

    SQLAlchemy's execute path around the one query (execution context, result object, and the
    driver's column descriptions it reads) was ~7 % of a parent's page on PostgreSQL (~11 % of a
    save) and ~3 % on SQLite. A driver error runs the statement once more through
    connection.execute, so the error is raised and handled as every other statement's: wrapped, a
    broken connection's pool dropped, the 503 page. (In a transaction PostgreSQL has aborted, that
    second run fails as such, with the first error chained.) Parameters must need no conversion on
    the way in.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def all(self, connection: Connection, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        plan = self._plans.get(connection.dialect.name) or self._plan(connection.dialect)
        if not connection.in_transaction():
            connection.begin()  # what execute() would do: commit() and rollback() then know of it
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, parameters if plan.positions is None
                           else tuple(parameters[name] for name in plan.positions))
            fetched = cursor.fetchall()
        except connection.dialect.loaded_dbapi.Error:
            return [tuple(row) for row in connection.execute(self.statement, parameters)]
        finally:
            cursor.close()
        processors = plan.processors
        return [tuple(value if process is None else process(value)
                      for process, value in zip(processors, row, strict=True)) for row in fetched]

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = self.statement.compile(dialect=dialect)
        for name, bind in compiled.binds.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"parameter {name!r} needs converting: run this statement with execute()")
        plan = _Plan(
            sql=compiled.string,
            positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
            processors=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in self.statement.selected_columns),
        )
        self._plans[dialect.name] = plan
        return plan


@dataclass(frozen=True)
class Stores:
    engine: Engine
    keystore_engine: Engine
    sessions: sessionmaker[Session]
    keystore_sessions: sessionmaker[Session]
    reader: Engine  # for requests that only read: no transaction, writes refused
    readers: sessionmaker[Session]  # sessions on the reader
    # PostgreSQL: a pool in autocommit, for requests whose writes are one statement each. None on
    # SQLite, where the main engine serves: a transaction there costs no round trips.
    autocommit: Engine | None

    def dispose(self) -> None:
        for engine in {self.engine, self.keystore_engine, self.reader, self.autocommit or self.engine}:
            engine.dispose()


def open_stores(database_url: str, keystore_url: str) -> Stores:
    engine = make_engine(database_url)
    keystore_engine = engine if keystore_url == database_url else make_engine(keystore_url)
    reader = _reader(database_url)
    return Stores(
        engine=engine,
        keystore_engine=keystore_engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        keystore_sessions=sessionmaker(keystore_engine, expire_on_commit=False),
        reader=reader,
        readers=sessionmaker(reader, expire_on_commit=False),
        autocommit=None if engine.dialect.name == "sqlite" else make_engine(database_url, autocommit=True),
    )


class ReadOnly(RuntimeError):
    """A request that promised only to read tried to write."""


READ_ONLY_ERRORS = ("25006", "SQLITE_READONLY")  # a refused write: PostgreSQL's SQLSTATE, SQLite's code


def _reader(url: str) -> Engine:
    """A pool of its own for requests that only read (a parent's GET), whose connections the
    database itself keeps from writing: on PostgreSQL they run in autocommit with
    default_transaction_read_only, so a page's one SELECT costs one round trip instead of three
    (BEGIN, SELECT, ROLLBACK); on SQLite with PRAGMA query_only. Both are set once per connection:
    switching a shared pool's connections to autocommit on every checkout, and a Python guard on
    every statement, cost ~6 % of a parent's page on PostgreSQL. A refused write raises ReadOnly."""
    reader = make_engine(url, read_only=True)

    def refused(context: ExceptionContext) -> ReadOnly | None:
        error = context.original_exception
        code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
        if code in READ_ONLY_ERRORS:
            return ReadOnly("a read-only request tried to change rows")
        return None

    event.listen(reader, "handle_error", refused)
    return reader


# SQLite has one writer at a time. A thread that finds the file locked sleeps in the driver's busy
# handler (1, 2, 5, 10 ... ms) even when the holder is done a moment later, and the holder itself
# may wait for the GIL between its UPDATE and COMMIT while its sibling threads render pages.
# Threads of one process therefore take turns on this lock, and the next one wakes at the commit.
_SQLITE_WRITER = threading.Lock()


class Database:
    """The Flask extension: one session per request (or CLI command) per store."""

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
            if "db_connection" in g:
                raise RuntimeError("this request works on db.connection, without the ORM")
            g.db_session = (self.stores.readers if g.get("db_read_only") else self.stores.sessions)()
        session: Session = g.db_session
        return session

    @property
    def connection(self) -> Connection:
        """The request's connection for Core statements (commit and rollback with db.commit() and
        db.rollback()). Pages that need no ORM objects (the parent's questionnaire) skip the
        session's bookkeeping this way, 3-5 % of their work. Once a request has its session, this
        is the session's connection."""
        if "db_session" in g:
            return g.db_session.connection()
        if "db_connection" not in g:
            stores = self.stores
            if g.get("db_read_only"):
                g.db_connection = stores.reader.connect()
            elif g.get("db_single_statements"):
                g.db_connection = (stores.autocommit or stores.engine).connect()
            else:
                g.db_connection = stores.engine.connect()
        connection: Connection = g.db_connection
        return connection

    def commit(self) -> None:
        """Commit the request's work, whether on its session or on its bare connection."""
        opened = self._opened()
        if opened is not None:
            opened.commit()

    def rollback(self) -> None:
        """Drop the request's uncommitted work, if it has opened a session or a connection."""
        opened = self._opened()
        if opened is not None:
            opened.rollback()

    @staticmethod
    def _opened() -> Session | Connection | None:
        opened: Session | Connection | None = g.get("db_session", g.get("db_connection"))
        return opened

    @staticmethod
    def read_only() -> None:
        """This request only reads (a parent's GET): its session runs without a transaction and
        refuses writes. Call it before the first use of `session`."""
        g.db_read_only = True

    @staticmethod
    def single_statements() -> None:
        """This request's writes each stand alone, one statement each (a parent's page save: one
        conditional INSERT or UPDATE): its connection runs in autocommit. On PostgreSQL a save then
        costs one round trip (answers.save_unread) or two (SELECT, then INSERT or UPDATE) instead of
        four (BEGIN, SELECT, UPDATE, COMMIT). Writes that must commit together call together() first.
        Call it before the first use of `connection`."""
        g.db_single_statements = True

    def together(self) -> None:
        """The writes that follow commit together, at db.commit(): a request in single statements
        leaves autocommit here. Call it before the first of those writes."""
        connection: Connection | None = g.get("db_connection")
        if connection is None or connection.engine is not self.stores.autocommit:
            return
        connection.commit()  # ends the block its reads began; in autocommit nothing is pending
        connection.execution_options(isolation_level=connection.default_isolation_level)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around a commit that writes: on SQLite, one writing thread per process at a time."""
        if self.stores.engine.dialect.name != "sqlite":
            yield
            return
        with _SQLITE_WRITER:
            yield

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
        for name in ("db_session", "keystore_session", "db_connection"):
            opened: Session | Connection | None = g.pop(name, None)
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
