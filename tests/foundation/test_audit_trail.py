"""An audit trail you can prove: keyed hashes, numbers without gaps, anchors outside the database.

Each attack below is what a security review did on a copy of the database (issue 22): change or
delete entries and recompute the chain, or cut off the newest ones. With the plain SHA-256 chain
every one of them gave "Audit trail intact".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.audit import AuditEvent, record
from portal.db import db
from tests.conftest import Clock
from tests.support.builders import enrol_family
from tests.support.tamper import recompute, tampering

pytestmark = pytest.mark.databases

GUESSED_KEY = b"g" * 32  # what someone without PORTAL_AUDIT_KEY would try


def add_entries(app: Flask, clock: Clock, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record(db.session, now=clock.now, actor="staff:1", action="contacts_viewed", subject=f"FP-{n}")
        db.session.commit()


def verify(runner: FlaskCliRunner, *anchors: str) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify", *(f"--anchor={a}" for a in anchors)])
    return result.exit_code, result.output


def test_entries_are_numbered_without_gaps_and_the_trail_verifies(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    enrol_family(app, now=clock.now)
    add_entries(app, clock, 3)
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)).all() == [1, 2, 3, 4]
    assert verify(runner) == (0, "Audit trail intact (4 entries, 0 anchors agree).\n")


@pytest.mark.parametrize("key", [None, GUESSED_KEY], ids=["plain-sha256", "guessed-key"])
def test_an_edited_entry_is_named_even_with_the_chain_recomputed(
    app: Flask, runner: FlaskCliRunner, clock: Clock, key: bytes | None
) -> None:
    add_entries(app, clock, 5)
    with tampering(app) as connection:  # entries 1-2 left as they were, 3 on recomputed
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(actor="staff:98"))
        recompute(connection, key, first_seq=3)
    code, output = verify(runner)
    assert code == 1 and "broken at entry 3: entry 3 (contacts_viewed" in output and "was changed" in output
    with tampering(app) as connection:
        recompute(connection, key)
    code, output = verify(runner)
    assert code == 1 and "broken at entry 1" in output  # the whole recomputed chain is foreign


def test_a_deleted_entry_is_named_as_missing_and_renumbering_shows_too(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    add_entries(app, clock, 5)
    with tampering(app) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        recompute(connection, GUESSED_KEY, first_seq=3)
    code, output = verify(runner)
    assert code == 1 and "entry 2 is missing (the next one is entry 3)" in output
    with tampering(app) as connection:
        for seq in (3, 4, 5):  # one by one: the numbers are unique at every step
            connection.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq - 1))
        recompute(connection, GUESSED_KEY, first_seq=2)
    code, output = verify(runner)
    assert code == 1 and "broken at entry 2" in output and "was changed" in output


def test_cutting_off_the_newest_entries_shows_against_a_noted_head(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    add_entries(app, clock, 5)
    noted = runner.invoke(args=["audit", "head"])
    assert noted.exit_code == 0
    entry, digest = noted.output.strip().split(":")
    assert entry == "5" and len(digest) == 64
    add_entries(app, clock, 1)
    assert verify(runner)[0] == 0
    with tampering(app) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    code, output = verify(runner)  # the anchors log in the instance folder has entry 5
    assert code == 1 and "broken at entry 4" in output and "names entry 5" in output and "cut off" in output
    log = Path(app.instance_path) / "audit-anchors.jsonl"
    log.unlink()  # someone who also reached the app server: the head the data manager wrote down holds
    assert verify(runner)[0] == 0
    code, output = verify(runner, noted.output.strip())
    assert code == 1 and "cut off" in output


def test_a_noted_head_that_differs_is_named(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    add_entries(app, clock, 3)
    head = runner.invoke(args=["audit", "head"]).output.strip()
    with tampering(app) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(subject="FP-X"))
        recompute(connection, GUESSED_KEY, first_seq=3)
    code, output = verify(runner, head)
    assert code == 1 and "broken at entry 3" in output
    garbage = verify(runner, "not-an-anchor")
    assert garbage[0] == 2 and "cannot read anchors" in garbage[1] and "Traceback" not in garbage[1]


@pytest.mark.postgresql
def test_on_postgresql_the_application_may_add_entries_but_not_change_or_remove_them(
    app: Flask, clock: Clock
) -> None:
    add_entries(app, clock, 2)
    with app.app_context():
        changes = (update(AuditEvent).values(actor="x"), delete(AuditEvent), text("TRUNCATE audit_event"))
        for statement in changes:
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(statement)
            db.session.rollback()
        record(db.session, now=clock.now + dt.timedelta(seconds=1), actor="cli", action="still_allowed")
        db.session.commit()
        assert db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all() == [1, 2, 3]
