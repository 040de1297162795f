"""Several dispatchers at once on PostgreSQL: every message exactly once, even when one is killed.

Real processes (`flask --app portal dispatch`) against the private test cluster and a real
SMTP server. The server holds its answer after 2,000 messages so that every connection of every
dispatcher is mid-send when one of them gets SIGKILL; its in-flight messages were never accepted
(no 250), and its other claimed messages come back once the lease has run out (`--now` past it).

A held send may also outlast the SMTP client's timeout (on a loaded machine the hold lasts as long
as the slowest dispatcher takes to start): such a message was not accepted either, and its
dispatcher put it back for a retry after the first back-off. So each message ends the first
round in one of three states, all counted: sent, claimed by the killed dispatcher, or put back.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, func, insert, select

from portal import create_app
from portal.db import db
from portal.families.models import Invitation
from portal.messaging.claims import LEASE
from portal.messaging.models import ContactAttempt, OutboxMessage
from portal.messaging.rules import FIRST_BACKOFF
from tests.conftest import TEST_KEYS
from tests.messaging.journey import oslo
from tests.messaging.servers import Mailbox
from tests.support.builders import enrol_family
from tests.support.databases import PostgresFactory, SQLiteFactory

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(ROOT / ".venv" / "bin" / "flask")
MESSAGES = 10_000
FAMILIES = 50
NOW = oslo(2026, 9, 1, 12, 0)
CONNECTIONS = 2  # each dispatcher sends on two connections at once


def _seed(environ: dict[str, str], instance: Path, messages: int = MESSAGES) -> None:
    """Fifty families, then `messages` messages due now (spread over the baseline invitations)."""
    app = create_app({"environ": environ, "instance_path": instance})
    for number in range(FAMILIES):
        person = ("mother", "nb", f"Parent {number}", None, f"parent{number}@test.example")
        enrol_family(app, now=NOW.astimezone(dt.UTC), people=[person])
    with app.app_context():
        session = db.session
        session.execute(delete(OutboxMessage))
        baseline = session.scalars(select(Invitation.id).where(Invitation.wave == "T0")).all()
        rows = [
            {"invitation_id": invitation, "kind": "reminder", "sequence": n,
             "idempotency_key": f"inv{invitation}-r{n}", "due_at": NOW, "next_attempt_at": NOW,
             "status": "pending", "attempts": 0, "created_at": NOW, "last_error": ""}
            for invitation in baseline for n in range(messages // FAMILIES)
        ]
        session.execute(insert(OutboxMessage), rows)
        session.commit()
    app.extensions["portal.db"].dispose()


def _dispatch(environ: dict[str, str], instance: Path, now: dt.datetime) -> subprocess.Popen[bytes]:
    env = {"PATH": os.environ["PATH"], "PORTAL_INSTANCE_PATH": str(instance), **environ}
    command = [FLASK, "--app", "portal", "dispatch", "--now", now.isoformat()]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def _sent_keys(app: Flask) -> set[str]:
    """The idempotency keys of the messages recorded as sent (each mail's Message-ID carries its key)."""
    with app.app_context():
        return set(db.session.scalars(select(OutboxMessage.idempotency_key).filter_by(status="sent")))


def _claimants(app: Flask) -> set[int]:
    """The processes whose claims are still out (a worker id is host:pid:random)."""
    with app.app_context():
        workers = db.session.scalars(select(OutboxMessage.claimed_by).filter_by(status="sending").distinct())
        return {int(worker.rsplit(":", 2)[1]) for worker in workers if worker}


def _delivered_keys(mailbox: Mailbox) -> Counter[str]:
    return Counter(mail.message_id.removeprefix("<").partition("@")[0] for mail in mailbox.mails)


def _counts(app: Flask) -> tuple[Counter[str], Counter[str]]:
    with app.app_context():
        statuses = Counter(dict(db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))
        outcomes = Counter(dict(db.session.execute(
            select(ContactAttempt.outcome, func.count()).group_by(ContactAttempt.outcome)).all()))
    return statuses, outcomes


def test_four_dispatchers_send_each_message_once_even_when_one_is_killed_mid_batch(
    postgresql_factory: PostgresFactory, mail: tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = mail
    environ = {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": postgresql_factory.new("dispatch"), **TEST_KEYS,
               "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port),
               "PORTAL_SEND_CONNECTIONS": str(CONNECTIONS)}
    instance = tmp_path / "instance"
    _seed(environ, instance)
    outbox = create_app({"environ": environ, "instance_path": instance})  # the test's own view of it

    mailbox.hold(after=2_000)
    dispatchers = [_dispatch(environ, instance, NOW) for _ in range(4)]
    _wait_for(lambda: mailbox.waiting == 4 * CONNECTIONS, "every connection of every dispatcher mid-send")
    # and every mail the server accepted so far recorded as sent: the kill is meant to hit sends in
    # flight, not the moment between a 250 and its commit (a message sent then goes out again)
    _wait_for(lambda: len(_sent_keys(outbox)) == len(mailbox.mails), "the accepted mails recorded")
    victim = dispatchers.pop(0)
    victim.kill()  # SIGKILL: no clean-up, its claims stay leased
    victim.communicate()
    _wait_for(lambda: mailbox.waiting == 3 * CONNECTIONS, "the server to notice the dead connections")
    mailbox.release()
    for dispatcher in dispatchers:
        _out, err = dispatcher.communicate(timeout=300)
        assert dispatcher.returncode == 0, err.decode()

    statuses, outcomes = _counts(outbox)
    stranded, retried = statuses["sending"], statuses["pending"]  # leased by the victim; timed out, put back
    assert stranded > 0 and statuses == Counter({"sent": MESSAGES - stranded - retried, "sending": stranded,
                                                 "pending": retried}), statuses
    assert _claimants(outbox) == {victim.pid}  # the survivors finished every claim of theirs
    assert outcomes == Counter({"accepted": statuses["sent"], "retry": retried}), outcomes
    assert _delivered_keys(mailbox) == Counter(dict.fromkeys(_sent_keys(outbox), 1))

    early = _dispatch(environ, instance, NOW + LEASE - dt.timedelta(seconds=1))
    assert early.communicate(timeout=300)[0].decode().startswith("sent 0,")  # the lease still holds
    assert LEASE < FIRST_BACKOFF  # so the early run proves that nothing put back was due yet either
    late = _dispatch(environ, instance, NOW + FIRST_BACKOFF + dt.timedelta(seconds=1))
    assert late.communicate(timeout=300)[0].decode().startswith(f"sent {stranded + retried},")

    statuses, outcomes = _counts(outbox)
    outbox.extensions["portal.db"].dispose()
    assert statuses == Counter({"sent": MESSAGES})
    assert outcomes == Counter({"accepted": MESSAGES, "retry": retried})
    delivered = _delivered_keys(mailbox)
    assert len(delivered) == MESSAGES and set(delivered.values()) == {1}  # none lost, none twice


def test_dispatchers_in_several_processes_share_one_sqlite_outbox(
    sqlite_factory: SQLiteFactory, mail: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """SQLite has no SKIP LOCKED: the conditional UPDATE claims, one writer at a time."""
    mailbox, port = mail
    environ = {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": sqlite_factory.new("dispatch"), **TEST_KEYS,
               "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port)}
    instance = tmp_path / "instance"
    _seed(environ, instance, messages=1_000)
    dispatchers = [_dispatch(environ, instance, NOW) for _ in range(3)]
    for dispatcher in dispatchers:
        _out, err = dispatcher.communicate(timeout=300)
        assert dispatcher.returncode == 0, err.decode()
    outbox = create_app({"environ": environ, "instance_path": instance})
    statuses, outcomes = _counts(outbox)
    outbox.extensions["portal.db"].dispose()
    assert statuses == Counter({"sent": 1_000}) and outcomes == Counter({"accepted": 1_000})
    assert sorted(Counter(m.message_id for m in mailbox.mails).values()) == [1] * 1_000
