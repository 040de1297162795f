"""PostgreSQL restarted under gunicorn while a parent keeps loading and saving a page, restarted
while nobody uses the portal, and restarted under a running `flask worker`.

During the outage every request fails cleanly (503, no traceback, nothing half-saved); once the
database is back every request succeeds again, without restarting gunicorn or the worker.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal import create_app
from portal.db import db
from portal.messaging.models import OutboxMessage
from tests.faults.served import Gunicorn
from tests.faults.store import enrol_today, served_environ, stored_answers
from tests.faults.walker import Parent, csrf
from tests.messaging.servers import smtp_server
from tests.support import postgres
from tests.support.builders import enrol_family
from tests.support.databases import PostgresFactory

PARENTS = 4  # several at once, so that some requests are mid-flight when the connections are cut


@dataclass(frozen=True)
class Seen:
    started: float
    ended: float
    what: str
    status: int
    body: str


@pytest.fixture(scope="module")
def factory(own_cluster: postgres.Cluster) -> PostgresFactory:
    return PostgresFactory(own_cluster.url)


@pytest.fixture
def restartable(factory: PostgresFactory, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    environ = served_environ(factory.new("restart"), tmp_path / "served")
    factory.close()  # no pooled admin connection left to be cut by the restart
    app = create_app({"environ": environ})
    yield app, environ
    app.extensions["portal.db"].dispose()


class Traffic:
    """A parent's phone in a loop: load page 1, save it, ask /healthz; each answer kept with its start."""

    def __init__(self, parent: Parent, probe: Parent) -> None:
        self.parent, self.probe = parent, probe
        self.seen: list[Seen] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        form: dict[str, str] = {}
        while not self.stop.is_set():
            page = self._note("page", self.parent, "GET", "/q/1")
            if page.status == 200:
                form = {"csrf_token": csrf(page.body), "go": "next", "who5_1": "4"}
            if form:
                self._note("save", self.parent, "POST", "/q/1", form)
            self._note("healthz", self.probe, "GET", "/healthz")
            time.sleep(0.02)

    def _note(self, what: str, client: Parent, method: str, path: str,
              form: dict[str, str] | None = None) -> Seen:
        started = time.monotonic()
        answer = client.request(method, path, form)
        seen = Seen(started, time.monotonic(), what, answer.status, answer.body)
        self.seen.append(seen)
        return seen

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def test_requests_fail_cleanly_while_the_database_restarts_and_all_succeed_after(
    restartable: tuple[Flask, dict[str, str]], own_cluster: postgres.Cluster
) -> None:
    app, environ = restartable
    tokens = enrol_today(app, PARENTS)
    with Gunicorn(environ) as server, ExitStack() as stack:
        phones = [(Parent(server.url, token), Parent(server.url, token)) for token in tokens]
        for parent, _probe in phones:
            parent.start()
        loops = [stack.enter_context(Traffic(parent, probe)) for parent, probe in phones]
        time.sleep(1.0)
        went_down = time.monotonic()
        own_cluster.restart(down_for=2.0)
        came_back = time.monotonic()
        time.sleep(2.0)
        stack.close()
        for parent, probe in phones:
            parent.close()
            probe.close()
        logged = server.logged()

    seen = [s for loop in loops for s in loop.seen]
    before = [s for s in seen if s.ended < went_down]
    outage = [s for s in seen if s.ended >= went_down and s.started < came_back]  # in flight or sent then
    after = [s for s in seen if s.started >= came_back]
    assert before and outage and after
    assert {s.status for s in before} <= {200, 302}
    assert {s.status for s in outage} <= {200, 302, 503}, sorted({(s.what, s.status) for s in outage})
    assert any(s.status == 503 for s in outage)  # the outage was seen, and said so
    assert not [s for s in seen if "Traceback" in s.body or "sqlalchemy" in s.body.lower()]
    assert {s.status for s in after} <= {200, 302}, sorted({(s.what, s.status) for s in after})
    assert {s.what for s in after} == {"page", "save", "healthz"}
    # page 1 saved again and again by each parent: one answer, four empty items, nothing half-written
    assert stored_answers(app) == {"who5_1": 4, **{f"who5_{n}": None for n in range(2, 6)}}
    unavailable = [s for s in outage if s.status == 503 and s.what != "healthz"]
    # the neutral page, in the parent's language (nb): the study's public name and "try again"
    assert unavailable and all("<h1>Familiestudien</h1>" in s.body and "prøv igjen" in s.body
                               for s in unavailable)
    assert "Traceback" not in logged and "database unavailable: OperationalError" in logged


def test_a_dispatch_run_while_the_database_is_down_says_so_in_one_line_and_the_next_run_works(
    restartable: tuple[Flask, dict[str, str]], own_cluster: postgres.Cluster
) -> None:
    """Cron mails what a run prints: a sentence, not a traceback; the next run goes on as usual."""
    app, _environ = restartable
    runner = app.test_cli_runner()
    socket = own_cluster.dir / ".s.PGSQL.5432"
    restarting = threading.Thread(target=own_cluster.restart, kwargs={"down_for": 2.0})
    restarting.start()
    deadline = time.monotonic() + 20
    while socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    during = runner.invoke(args=["dispatch"])
    restarting.join()
    after = runner.invoke(args=["dispatch"])
    assert during.exit_code == 1, during.output
    assert during.output.strip() == "Error: the database is unreachable; try again later " \
                                    "(the next run sends what is due)"
    assert after.exit_code == 0 and after.output.startswith("sent 0, "), after.output


def test_after_a_quiet_restart_the_first_page_loads_without_a_503(
    restartable: tuple[Flask, dict[str, str]], own_cluster: postgres.Cluster,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart at night, nobody using the portal: the pooled connections are dead, yet the first
    parent in the morning gets the page, because a connection idle for a while is tested before use."""
    monkeypatch.setattr("portal.db.IDLE_BEFORE_PING", 0.5)
    app, _environ = restartable
    (token,) = enrol_today(app, 1)
    phone = app.test_client()
    start = phone.get(f"/s/{token}")
    phone.post(f"/s/{token}", data={"csrf_token": csrf(start.text)})
    assert phone.get("/q/1").status_code == 200  # the pool now holds a connection to the old server
    own_cluster.restart(down_for=0.5)
    time.sleep(0.6)
    morning = phone.get("/q/1")
    assert morning.status_code == 200, morning.text


def test_the_worker_outlives_a_database_restart_and_then_handles_what_became_due(
    restartable: tuple[Flask, dict[str, str]], own_cluster: postgres.Cluster
) -> None:
    """`flask worker` under systemd: a restart must not kill it; its next rounds go on as usual."""
    app, environ = restartable
    root = Path(__file__).resolve().parents[2]
    with smtp_server() as (mailbox, port):
        env = {"PATH": os.environ["PATH"], **environ, "PORTAL_SMTP_PORT": str(port)}
        worker = subprocess.Popen([str(root / ".venv" / "bin" / "flask"), "--app", "portal", "worker",
                                   "--interval", "0.1"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        said = Said(worker)
        try:
            # a round done: the worker's pool holds connections to the old server (on a loaded
            # machine the worker can take seconds to start, longer than the outage)
            said.wait_for("database reached; sending what comes due")
            own_cluster.restart(down_for=2.0)
            assert worker.poll() is None
            # the worker runs on the real clock: a message made due a minute ago is either sent
            # (inside the sending hours) or put off to the next morning (in the quiet hours)
            due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            enrol_family(app, now=due, people=[("mother", "nb", "Parent", None, "parent@test.example")])
            with app.app_context():
                db.session.execute(update(OutboxMessage).where(OutboxMessage.id == _first_invitation())
                                   .values(due_at=due, next_attempt_at=due))
                db.session.commit()
            handled = None
            deadline = time.monotonic() + 30
            while handled is None and time.monotonic() < deadline:
                time.sleep(0.2)
                with app.app_context():
                    message = db.session.get_one(OutboxMessage, _first_invitation())
                    if message.status == "sent" or message.next_attempt_at > due:
                        handled = message.status
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    err = said.everything()
    assert worker.returncode == 0 and "Traceback" not in err, err
    assert "database unreachable; trying again shortly" in err  # it did see the outage
    assert handled in ("sent", "pending"), "the worker did not pick the message up after the restart"
    assert len(mailbox.mails) == (1 if handled == "sent" else 0)


class Said:
    """A process's stderr, read line by line as it comes, so that a test can wait for a line."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        self.stream = process.stderr
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for raw in self.stream:
            self.seen.append(raw.decode())
            self.lines.put(self.seen[-1])

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        try:
            while text not in self.lines.get(timeout=max(deadline - time.monotonic(), 0.001)):
                pass
        except queue.Empty:
            raise AssertionError(f"gave up waiting for {text!r}; said: {''.join(self.seen)}") from None

    def everything(self) -> str:
        """All it said, once it has ended."""
        self.reader.join(timeout=30)
        self.stream.close()
        return "".join(self.seen)


def _first_invitation() -> int:
    query = select(OutboxMessage.id).filter_by(kind="invitation").order_by(OutboxMessage.due_at).limit(1)
    return db.session.scalars(query).one()
