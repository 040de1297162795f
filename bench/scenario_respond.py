"""Benchmark: a parent's questionnaire page under gunicorn, loaded by wrk on loopback.

GET and POST (save, then redirect) of page 1 with 32 connections, on SQLite and on a private
PostgreSQL. The goal is a floor on PostgreSQL, far above what parents opening their messages ask
for: it keeps the pages' plain code from growing slow, it is not a race.

32 parents, each with their own session, answer at once (each wrk thread cycles through its
half of them, so a parent's requests rarely overlap). Every POST is the page's form as a browser
sends it (its hidden fields, Next, the items) and really changes what is saved: request n of a
parent carries answer codes that spell n in base 6 over the page's five items, so no two saves
of a parent are equal and none can be skipped as a no-op.
gunicorn runs with the repository's gunicorn.conf.py, the setting we recommend for deployments.
Each rate is the median of three runs (one in --quick); every run is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CONFIG = ROOT / "gunicorn.conf.py"
CONNECTIONS = PARENTS = 32
WRK_THREADS = 2
ITEMS, CODES = 5, 6  # page 1 is WHO-5: five items coded 0..5
FLOOR = {"get": 800, "post": 600}  # req/s on PostgreSQL
P99_MS = 100
GOAL = "PostgreSQL, 32 connections: GET ≥ 800 req/s, POST ≥ 600 req/s, p99 < 100 ms"
KEYS = {name: base64.b64encode(name.encode().ljust(32, b"k")).decode() for name in (
    "PORTAL_SECRET_KEY", "PORTAL_LINK_KEY", "PORTAL_KEYSTORE_KEY", "PORTAL_BLIND_INDEX_KEY")}


# Stores: a temporary SQLite file, or a private PostgreSQL cluster --------------------------------

@contextmanager
def sqlite_store() -> Iterator[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-respond-"))
    try:
        yield f"sqlite:///{workdir / 'portal.sqlite3'}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def postgres_store() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    from tests.support import postgres

    if not postgres.available():
        raise RuntimeError(f"PostgreSQL binaries not found in {postgres.BIN}")
    cluster = postgres.Cluster()
    cluster.start()
    try:
        admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        yield cluster.url("bench")
    finally:
        cluster.stop()


Sessions = list[tuple[str, str]]  # (session cookie, the page form's hidden fields, URL-encoded) per parent


def prepare_parents(database_url: str, parents: int = PARENTS) -> tuple[dict[str, str], Sessions]:
    """Migrate, enrol `parents` families, start each one's baseline: (environment, sessions)."""
    from portal import create_app
    from portal.migrate import upgrade_store

    for store in ("main", "keystore"):
        upgrade_store(database_url, store)
    environ = {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, **KEYS}
    app = create_app({"environ": environ, "instance_path": Path(tempfile.mkdtemp(prefix="bench-instance-"))})
    sessions = [_started(app, token) for token in _enrolled(app, parents)]
    app.extensions["portal.db"].dispose()
    return environ, sessions


def _enrolled(app: Any, parents: int) -> list[str]:
    from portal import registry
    from portal.contacts import ContactDetails
    from portal.families.enrolment import NewFamily
    from portal.security import derive_token
    from portal.staff.enrolment import Person, enrol, people_to_respondents

    now, tokens = dt.datetime.now(dt.UTC), []
    with app.app_context():
        for number in range(parents):
            person = Person("mother", "nb", ContactDetails(f"Bench Parent {number}", "+4791111111", None))
            new = NewFamily(site="larvik", baseline=now.date(), respondents=people_to_respondents([person]),
                            child_birth_month=dt.date(2018, 5, 1), consent_version="v1", arm="family_partner")
            invitation = enrol(new, [person], actor="bench", now=now).respondents[0].invitations[0]
            tokens.append(derive_token(registry.settings().link_key, invitation.id, 0).reveal())
    return tokens


def _started(app: Any, token: str) -> tuple[str, str]:
    """Open the link and press Start, as the parent's phone does: (session cookie, the hidden fields
    of page 1's form, which its saves send back: the form token and the items' language)."""
    client = app.test_client()
    client.post(f"/s/{token}", data={"csrf_token": _field(client.get(f"/s/{token}").text, "csrf_token")})
    page = client.get("/q/1").text  # Start opened a fresh session: its own form token
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}", urlencode({name: _field(page, name) for name in ("csrf_token", "text")})


def _field(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


# gunicorn and wrk --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(target: str, environ: dict[str, str]) -> Iterator[str]:
    """gunicorn.conf.py, plus one bench-only cap: wrk's 32 connections live for the whole run and
    stay with the worker that accepted them, so a run in which one worker took most of them was
    served at half speed or less. Many short phone connections spread by themselves; capping each
    worker at its share does that for wrk."""
    port = _free_port()
    share = CONNECTIONS // gunicorn_setting()["workers"]
    command = [GUNICORN, "--no-control-socket", "-c", str(CONFIG), "--worker-connections", str(share),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environ},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def gunicorn_setting() -> dict[str, Any]:
    """What gunicorn.conf.py chose, for the result file."""
    settings: dict[str, Any] = {}
    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), settings)  # noqa: S102 (our own config file)
    return {name: settings[name] for name in ("workers", "threads", "worker_class")} | {
        "worker_connections": CONNECTIONS // settings["workers"]}


def _wait_for(port: int) -> None:
    """Until a worker answers: the master listens long before its workers have built the app."""
    from urllib.error import URLError
    from urllib.request import urlopen

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/s/none", timeout=5):
                return
        except URLError as error:
            if getattr(error, "code", None):  # an HTTP answer (the neutral page is a 404): it is up
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {port}")


# Each wrk thread serves the parents of its own parity, in turn; request n carries the answers that
# spell n in base 6, so every POST changes the parent's saved answers (see the module's docstring).
LUA = """
local parents = {%(parents)s}
local method, threads, items, codes = "%(method)s", %(threads)d, %(items)d, %(codes)d
local created = 0
function setup(thread)
  thread:set("offset", created)
  created = created + 1
end
local count = 0
function request()
  local n = count * threads + offset
  count = count + 1
  local parent = parents[(n %% #parents) + 1]
  local headers = {Cookie = parent[1]}
  if method == "GET" then return wrk.format("GET", nil, headers) end
  local round, body = math.floor(n / #parents), "go=next&" .. parent[2]
  for item = 1, items do
    body = body .. "&who5_" .. item .. "=" .. (round %% codes)
    round = math.floor(round / codes)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", nil, headers, body)
end
"""


def wrk(url: str, seconds: int, sessions: Sessions, method: str = "GET") -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    parents = ", ".join(f'{{"{cookie}", "{hidden}"}}' for cookie, hidden in sessions)
    script.write_text(LUA % {"parents": parents, "method": method, "threads": WRK_THREADS, "items": ITEMS,
                             "codes": CODES})
    try:
        output = subprocess.run(
            ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency",
             "-s", str(script), url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        script.unlink()
    return _parse(output)


def _parse(output: str) -> dict[str, float]:
    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert match, output
        return round(float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)], 2)

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {"rps": float(rate.group(1)) if rate else 0.0, "p50_ms": latency("50"), "p99_ms": latency("99"),
            "bad_responses": float(non_2xx.group(1)) if non_2xx else 0.0,
            "socket_errors": 1.0 if errors else 0.0}


# The run -----------------------------------------------------------------------------------------

def _median(results: list[dict[str, float]]) -> dict[str, Any]:
    """The run with the median rate, and every run's rate."""
    ranked = sorted(results, key=lambda r: r["rps"])
    return {**ranked[len(ranked) // 2], "runs_rps": [r["rps"] for r in results]}


def measure(store: str, database_url: str, seconds: int, runs: int) -> dict[str, Any]:
    environ, sessions = prepare_parents(database_url)
    figures: dict[str, Any] = {"store": store}
    with gunicorn("wsgi:app", environ) as portal:
        url = f"{portal}/q/1"
        wrk(url, 3, sessions)  # warm-up: every worker boots, connects and compiles its templates
        for method in ("GET", "POST"):
            figures[method.lower()] = _median([wrk(url, seconds, sessions, method) for _run in range(runs)])
    figures["posts_saved"] = _every_parent_saved(database_url)
    return figures


def _every_parent_saved(database_url: str) -> bool:
    """The POSTs were saves, not refusals: each parent has a WHO-5 draft with five answers."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT answers FROM response WHERE instrument_id = 'who5'")).all()
    engine.dispose()
    saved = [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
    return len(saved) == PARENTS and all(len(answers) == ITEMS for answers in saved)


def run(quick: bool = False) -> dict[str, Any]:
    seconds, runs = (3, 1) if quick else (6, 3)
    load_before = [round(x, 2) for x in os.getloadavg()]  # others' work on the machine shows here
    results = []
    for store, opener in (("sqlite", sqlite_store), ("postgresql", postgres_store)):
        with opener() as url:
            results.append(measure(store, url, seconds, runs))
    summary = "; ".join(
        f"{r['store']} {method.upper()} {r[method]['rps']:.0f} req/s "
        f"p50 {r[method]['p50_ms']} ms p99 {r[method]['p99_ms']} ms"
        for r in results for method in ("get", "post")
    ) + f" [load average before: {load_before[0]}, after: {os.getloadavg()[0]:.2f}]"
    served = next(r for r in results if r["store"] == "postgresql")
    met = served["posts_saved"] and all(
        served[m]["rps"] >= FLOOR[m] and served[m]["p99_ms"] < P99_MS and not served[m]["bad_responses"]
        for m in ("get", "post"))
    return {"scenario": "respond", "summary": summary, "goal": GOAL, "met": met, "results": results,
            "gunicorn": gunicorn_setting(), "connections": CONNECTIONS, "parents": PARENTS,
            "seconds": seconds, "runs": runs, "cpus": os.cpu_count(), "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}
