"""Dispatch: due e-mails delivered into a local aiosmtpd server, in messages per second.

The SMTP server runs in its own process (so it does not share the dispatcher's
interpreter); the dispatcher is the real one (`portal.messaging.cli.dispatch_due`),
with its SQLite outbox, keystore lookups, message texts and its default pool of
PORTAL_SEND_CONNECTIONS SMTP connections, each reused for the whole run.
"""

from __future__ import annotations

import base64
import datetime as dt
import multiprocessing
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL = "at least 1,000 e-mails per second into a local SMTP server"
DISPATCHERS = 2  # this machine has two CPUs, and the SMTP server needs one too
FAMILIES = 200
NOW = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC)  # 12:00 in Oslo: inside the sending hours


def _smtp_server(port: Any, count: Any, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port.value)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    controller.loop.close()


def _environ(folder: Path, port: int) -> dict[str, str]:
    keys = {name: base64.b64encode(bytes([n]) * 32).decode() for n, name in enumerate(
        ("PORTAL_SECRET_KEY", "PORTAL_LINK_KEY", "PORTAL_KEYSTORE_KEY", "PORTAL_BLIND_INDEX_KEY"), start=1)}
    return {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", **keys,
            "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port),
            "PORTAL_BASE_URL": "https://familiestudien.example.no"}


def _seed(app: Any, messages: int, fresh: bool = True) -> None:
    """FAMILIES families with an e-mail address each (when `fresh`), then `messages` reminders due now."""
    from sqlalchemy import delete, insert, select

    from portal import migrate, registry
    from portal.contacts import ContactDetails
    from portal.db import db
    from portal.families.enrolment import NewFamily
    from portal.families.models import Invitation
    from portal.messaging.models import OutboxMessage
    from portal.staff.enrolment import Person, enrol, people_to_respondents

    with app.app_context():
        migrate.upgrade(registry.settings())
        for number in range(FAMILIES if fresh else 0):
            contact = ContactDetails(f"Parent {number}", None, f"p{number}@bench.example")
            person = Person("mother", "nb", contact)
            new = NewFamily(site="larvik", baseline=NOW.date(), respondents=people_to_respondents([person]),
                            child_birth_month=dt.date(2018, 5, 1), consent_version="v1", arm="family_partner")
            enrol(new, [person], actor="bench", now=NOW)
        if fresh:
            db.session.execute(delete(OutboxMessage))
        baseline = db.session.scalars(select(Invitation.id).where(Invitation.wave == "T0")).all()
        each = messages // len(baseline)
        db.session.execute(insert(OutboxMessage), [
            {"invitation_id": i, "kind": "reminder", "sequence": n,
             "idempotency_key": f"inv{i}-r{n}" if fresh else f"inv{i}-s{n}",
             "due_at": NOW, "next_attempt_at": NOW, "status": "pending", "attempts": 0, "created_at": NOW,
             "last_error": ""}
            for i in baseline for n in range(each)
        ])
        db.session.commit()


def _dispatch(app: Any) -> tuple[int, float, float]:
    """One dispatcher in this process: messages sent, wall seconds, CPU seconds."""
    from portal.messaging.cli import dispatch_due

    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        report = dispatch_due(lambda: NOW)
        return report.sent, time.perf_counter() - started, time.process_time() - cpu


def _dispatch_in_processes(environ: dict[str, str], folder: Path, count: int) -> float:
    """`count` real `flask dispatch` processes at once, as cron on several machines would run them."""
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": os.environ["PATH"], "PORTAL_INSTANCE_PATH": str(folder), **environ}
    command = [str(root / ".venv" / "bin" / "flask"), "--app", "portal", "dispatch", "--now", NOW.isoformat()]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
                 for _ in range(count)]
    if any([p.wait() for p in processes]):  # a list: wait for every one before judging
        raise RuntimeError("a dispatcher process failed")
    return time.perf_counter() - started


def _sent(app: Any) -> int:
    from sqlalchemy import func, select

    from portal.db import db
    from portal.messaging.models import OutboxMessage

    with app.app_context():
        return int(db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent")) or 0)


def run(quick: bool = False) -> dict[str, Any]:
    from portal import create_app
    from tests.messaging.servers import free_port

    messages, sample = (5_000, 1_000) if quick else (100_000, 10_000)
    context = multiprocessing.get_context("spawn")
    port, count = context.Value("i", free_port()), context.Value("i", 0)
    ready, stop = context.Event(), context.Event()
    server = context.Process(target=_smtp_server, args=(port, count, ready, stop), daemon=True)
    server.start()
    ready.wait(30)
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            environ = _environ(folder, port.value)
            app = create_app({"environ": environ, "instance_path": folder})
            _seed(app, messages)
            seconds = _dispatch_in_processes(environ, folder, DISPATCHERS)
            sent = _sent(app)
            _seed(app, sample, fresh=False)
            single, single_seconds, cpu = _dispatch(app)
            app.extensions["portal.db"].dispose()
    finally:
        stop.set()
        server.join(30)
    rate, single_rate = sent / seconds, single / single_seconds
    return {
        "scenario": "dispatch", "goal": GOAL, "met": rate >= 1_000,
        "messages": messages, "sent": sent, "received": count.value,
        "dispatchers": DISPATCHERS, "seconds": round(seconds, 2), "messages_per_second": round(rate),
        "single_dispatcher": {"messages": single, "seconds": round(single_seconds, 2),
                              "cpu_seconds": round(cpu, 2), "messages_per_second": round(single_rate),
                              "messages_per_cpu_second": round(single / cpu)},
        "load_average_at_end": os.getloadavg()[0], "cpus": os.cpu_count(),
        "summary": f"{sent:,} e-mails by {DISPATCHERS} dispatchers in {seconds:.1f} s: {rate:,.0f}/s; "
                   f"one dispatcher {single_rate:,.0f}/s ({single / cpu:,.0f} per CPU second); "
                   f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
    }
