"""Benchmark: a parent's questionnaire page under gunicorn, loaded by wrk on loopback.

GET and POST (save, then redirect) of page 1 with 32 connections, on SQLite and
on a private PostgreSQL, beside a bare Flask app that renders the same template
with the same data in the same run. The ratio portal/bare is the figure we track.
"""

from __future__ import annotations

import base64
import datetime as dt
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
WORKERS = 2
CONNECTIONS = 32
GOAL = "≥ 1,500 req/s and portal/bare ratio ≥ 0.5 (GET and POST, SQLite and PostgreSQL, 32 connections)"
KEYS = {name: base64.b64encode(name.encode().ljust(32, b"k")).decode() for name in (
    "PORTAL_SECRET_KEY", "PORTAL_LINK_KEY", "PORTAL_KEYSTORE_KEY", "PORTAL_BLIND_INDEX_KEY")}


# The bare app: Flask rendering portal/templates/respond/page.html, no database, no session --------

def bare_app() -> Any:
    """What the page costs with nothing but Flask and Jinja: the same template, the same instrument."""
    from flask import Flask, render_template

    from portal.i18n import LANGUAGES, bdi, direction, language_name
    from portal.measures import load_catalogue, shipped_instrument_dir
    from portal.respond.texts import item_language

    app = Flask("bare", template_folder=str(ROOT / "portal" / "templates"),
                static_folder=str(ROOT / "portal" / "static"))
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    app.add_template_filter(bdi, "bdi")
    app.add_template_global(lambda: "x" * 91, "csrf_token")
    instrument = load_catalogue([shipped_instrument_dir()])["who5"]
    for rule, endpoint in (("/q/<int:number>", "respond.page"), ("/language", "respond.language")):
        app.add_url_rule(rule, endpoint, lambda **_: "")

    @app.route("/bare/<int:number>", methods=["GET", "POST"])
    def page(number: int) -> str:
        return render_template(
            "respond/page.html", instrument=instrument, items=list(instrument.items), lang="en",
            item_language=item_language(instrument, "nb"), answers={}, errors={}, number=1, total=10,
            resend=False, support=None, language_name=language_name, public_name="Familiestudien",
            public_name_lang="nb", help_text="Spørsmål om studien? Ring 22 00 00 00.", help_lang="nb",
            here="/q/1", language_switch=True, html_lang="nb", html_dir="ltr", languages=LANGUAGES,
            direction=direction,
        )

    return app


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


def prepare(database_url: str) -> tuple[dict[str, str], str, str]:
    """Migrate, enrol one family, start its baseline: (environment, session cookie, CSRF token)."""
    from portal import create_app, registry
    from portal.contacts import ContactDetails
    from portal.families.enrolment import NewFamily
    from portal.migrate import upgrade_store
    from portal.security import derive_token
    from portal.staff.enrolment import Person, enrol, people_to_respondents

    for store in ("main", "keystore"):
        upgrade_store(database_url, store)
    environ = {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": database_url, **KEYS}
    app = create_app({"environ": environ, "instance_path": Path(tempfile.mkdtemp(prefix="bench-instance-"))})
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        person = Person("mother", "nb", ContactDetails("Bench Parent", "+4791111111", None))
        new = NewFamily(site="larvik", baseline=now.date(), respondents=people_to_respondents([person]),
                        child_birth_month=dt.date(2018, 5, 1), consent_version="v1", arm="family_partner")
        family = enrol(new, [person], actor="bench", now=now)
        invitation = family.respondents[0].invitations[0]
        token = derive_token(registry.settings().link_key, invitation.id, 0).reveal()
    client = app.test_client()
    client.post(f"/s/{token}", data={"csrf_token": _csrf(client.get(f"/s/{token}").text)})
    csrf = _csrf(client.get("/q/1").text)  # Start opened a fresh session: its own form token
    cookie = client.get_cookie("session")
    assert cookie is not None
    app.extensions["portal.db"].dispose()
    return environ, f"session={cookie.value}", csrf


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


# gunicorn and wrk --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(target: str, environ: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    command = [GUNICORN, "--no-control-socket", "-w", str(WORKERS), "-k", "gthread", "--threads", "4",
               "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environ},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


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


def wrk(url: str, seconds: int, cookie: str = "", body: str = "") -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    lines = [f'wrk.headers["Cookie"] = "{cookie}"'] if cookie else []
    if body:
        lines += ['wrk.method = "POST"', f'wrk.body = "{body}"',
                  'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"']
    script.write_text("\n".join(lines) + "\n")
    try:
        output = subprocess.run(
            ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "-s", str(script),
             url],
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

def measure(store: str, database_url: str, seconds: int) -> dict[str, Any]:
    environ, cookie, csrf = prepare(database_url)
    body = urlencode({"csrf_token": csrf, "go": "next", **{f"who5_{i}": "3" for i in range(1, 6)}})
    figures: dict[str, Any] = {}
    with gunicorn("wsgi:app", environ) as portal:
        wrk(f"{portal}/q/1", 3, cookie)  # warm-up: every worker boots, connects and compiles templates
        figures["portal_get"] = wrk(f"{portal}/q/1", seconds, cookie)
        figures["portal_post"] = wrk(f"{portal}/q/1", seconds, cookie, body)
    with gunicorn("bench.scenario_respond:bare_app()", {}) as bare:
        wrk(f"{bare}/bare/1", 3)
        figures["bare_get"] = wrk(f"{bare}/bare/1", seconds)
        figures["bare_post"] = wrk(f"{bare}/bare/1", seconds, body=body)
    for method in ("get", "post"):
        portal_rps, bare_rps = figures[f"portal_{method}"]["rps"], figures[f"bare_{method}"]["rps"]
        figures[f"ratio_{method}"] = round(portal_rps / bare_rps, 2) if bare_rps else 0.0
    figures["store"] = store
    return figures


def run(quick: bool = False) -> dict[str, Any]:
    seconds = 3 if quick else 10
    results = []
    for store, opener in (("sqlite", sqlite_store), ("postgresql", postgres_store)):
        with opener() as url:
            results.append(measure(store, url, seconds))
    summary = "; ".join(
        f"{r['store']} {method.upper()} {r[f'portal_{method}']['rps']:.0f} req/s "
        f"p50 {r[f'portal_{method}']['p50_ms']} ms p99 {r[f'portal_{method}']['p99_ms']} ms "
        f"(bare {r[f'bare_{method}']['rps']:.0f}, ratio {r[f'ratio_{method}']})"
        for r in results for method in ("get", "post")
    )
    met = all(r[f"portal_{m}"]["rps"] >= 1_500 and r[f"ratio_{m}"] >= 0.5
              for r in results for m in ("get", "post"))
    return {"scenario": "respond", "summary": summary, "goal": GOAL, "met": met, "results": results,
            "workers": WORKERS, "connections": CONNECTIONS, "seconds": seconds, "cpus": os.cpu_count()}
