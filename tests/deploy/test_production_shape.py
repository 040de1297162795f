"""The production shape on loopback, set up from deploy/ as docs/operations.md describes it.

PostgreSQL (a private cluster) with the roles and databases of deploy/postgresql/setup.sql,
migrated by the owner role; gunicorn from the app unit's own command line and the shipped
gunicorn.conf.py; Debian's nginx with the shipped site and a self-signed certificate in front;
the dispatcher from its unit; aiosmtpd as the mail relay. Through HTTPS a parent answers a whole
wave and a coordinator signs in; the dispatcher sends a reminder; the backup unit's script backs
up both stores, which are restored into fresh databases; /metrics counted every request.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import io
import json
import os
import re
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import create_app
from portal.security import BODY_LIMITS, PROXY_BODY_LIMIT
from tests.conftest import REQUIRED
from tests.deploy.installed import translated
from tests.deploy.production import (
    DEPLOY,
    NGINX,
    ROOT,
    Nginx,
    Unit,
    fill_template,
    logrotate_debug,
    negotiated_protocol,
    server_places,
    site_on_loopback,
    sourced,
    systemd_exposure,
    systemd_verify,
)
from tests.faults.served import Gunicorn, free_port
from tests.faults.walker import Answer, Parent, csrf
from tests.messaging.servers import Mailbox, smtp_server
from tests.staff.conftest import PASSWORD, create_account
from tests.support import postgres
from tests.support.certificates import self_signed

OSLO = ZoneInfo("Europe/Oslo")
LINK = re.compile(r"baseline link: (https://\S+)")
UNITS = ("family-portal.service", "family-portal-dispatcher.service", "family-portal-backup.service",
         "family-portal-backup.timer")

pytestmark = pytest.mark.skipif(not Path(NGINX).exists() and not REQUIRED,
                                reason="nginx not installed: apt-get install nginx (.ci/run does)")


@dataclass
class HttpsBrowser(Parent):
    """The walker's phone over HTTPS, trusting the test's own certificate."""

    tls: ssl.SSLContext | None = None

    def _connect(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base_url)
        self.connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=self.timeout,
                                                      context=self.tls)
        return self.connection

    def upload(self, path: str, fields: dict[str, str], data: bytes) -> Answer:
        """A form with a file, sent as a browser sends it (multipart) on this session."""
        csv_file = FileStorage(io.BytesIO(data), "families.csv", content_type="text/csv")
        boundary, body = encode_multipart({**fields, "file": csv_file})
        headers = {"Cookie": self.cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return Answer(*self._exchange("POST", path, body, headers), seconds=0.0)

    def announce(self, path: str, length: int) -> Answer:
        """Only the headers of a POST whose body would be `length` bytes: nginx answers a body over
        its limit from the Content-Length alone."""
        self.close()  # a connection of its own: nginx closes it after refusing
        connection = self._connect()
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        response = connection.getresponse()
        answer = Answer(response.status, "", response.read().decode("utf-8", "replace"), 0.0)
        self.close()
        return answer


@dataclass
class Shape:
    scratch: Path
    cluster: postgres.Cluster
    places: dict[str, str]
    environ: dict[str, str]  # what the units read from the environment file
    base_url: str
    app_port: int
    https_port: int
    tls: ssl.SSLContext
    mailbox: Mailbox
    nginx: Nginx

    def flask(self, *args: str, owner: bool = False) -> subprocess.CompletedProcess[str]:
        """deploy/portal-flask, as the guide runs it (with the owner's addresses for migrations)."""
        helper = {"PORTAL_ENV_FILE": self.places["/etc/family-portal/portal.env"],
                  "PORTAL_VENV": self.places["/opt/family-portal/venv"], "PATH": os.environ["PATH"]}
        if owner:
            helper["PORTAL_OWNER_ENV_FILE"] = str(self.scratch / "owner.env")
        result = subprocess.run([str(DEPLOY / "portal-flask"), *args], env=helper, cwd=self.scratch / "state",
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    def browser(self, token: str = "") -> HttpsBrowser:
        return HttpsBrowser(self.base_url, token, tls=self.tls)


def test_a_wave_over_https_through_nginx_gunicorn_postgresql_and_the_dispatcher(tmp_path: Path) -> None:
    with ExitStack() as stack:
        shape = stack.enter_context(production_shape(tmp_path))
        check_the_shipped_files(shape)
        parent, reminded = enrol_two_families(shape)

        served = stack.enter_context(app_server(shape))
        shape.nginx.start(shape.https_port)
        stack.callback(shape.nginx.stop)

        assert negotiated_protocol(shape.https_port, ssl.create_default_context(
            cafile=str(shape.scratch / "tls" / "cert.pem"))) == "h2"
        walk_a_wave(shape, parent)
        coordinator = sign_in_as_coordinator(shape)
        check_the_limits_and_health(shape, coordinator)
        deliver_a_reminder(shape, reminded)
        back_up_and_restore(shape, parent)
        check_the_metrics(shape, parent)
        check_the_logs(shape, parent, served.logged())


def app_server(shape: Shape) -> Gunicorn:
    """gunicorn as family-portal.service starts it: its command line, environment and folder."""
    unit = Unit.read("family-portal.service")
    return Gunicorn({**shape.environ, **unit.environment(shape.places)}, command=unit.command(shape.places),
                    cwd=Path(shape.places["/var/lib/family-portal"]), port=shape.app_port)


# --- the set-up, as the guide's install section -------------------------------------------------------

@contextmanager
def production_shape(scratch: Path) -> Iterator[Shape]:
    """PostgreSQL set up and migrated, the environment file filled in, nginx configured (not started)."""
    with ExitStack() as stack:
        cluster = stack.enter_context(postgres.running_cluster(REQUIRED))
        mailbox, smtp_port = stack.enter_context(smtp_server())
        app_port, https_port, http_port = free_port(), free_port(), free_port()
        places = server_places(scratch, app_port)
        for folder in ("log", "state", "backups", "run", "tls", "nginx"):
            (scratch / folder).mkdir()
        run_setup_sql(cluster, {})
        base_url = f"https://127.0.0.1:{https_port}"
        env_file = Path(places["/etc/family-portal/portal.env"])
        env_file.write_text(fill_template(filled_in(cluster, scratch, base_url, smtp_port)))
        environ = sourced(env_file)
        assert not re.search(r"^PORTAL_\w+=.*CHANGE-ME", env_file.read_text(), re.MULTILINE)
        (scratch / "owner.env").write_text(owner_env(cluster, "family_portal", "family_portal_keystore"))
        cert, key = self_signed(scratch / "tls")
        site = site_on_loopback(https_port, http_port, app_port, cert, key, scratch / "nginx")
        shape = Shape(scratch, cluster, places, environ, base_url, app_port, https_port,
                      ssl.create_default_context(cafile=str(cert)), mailbox, Nginx(scratch / "nginx", site))
        shape.flask("db", "upgrade", owner=True)
        yield shape


def filled_in(cluster: postgres.Cluster, scratch: Path, base_url: str, smtp_port: int) -> dict[str, str]:
    """The template's blanks as the guide says to fill them; the rest stays as shipped."""
    template = (DEPLOY / "portal.env.example").read_text()
    secrets = {name: base64.b64encode(os.urandom(32)).decode() for name in re.findall(
        r"^#?(PORTAL_[A-Z_]+)=CHANGE-ME$", template, re.MULTILINE) if name.endswith("_KEY")}
    database = dict(re.findall(r"^(PORTAL_(?:DATABASE|KEYSTORE)_URL)=(\S+)$", template, re.MULTILINE))
    return {
        **secrets,
        **{name: url.replace("/run/postgresql", str(cluster.dir)) for name, url in database.items()},
        "PORTAL_BASE_URL": base_url, "PORTAL_INSTANCE_PATH": str(scratch / "state"),
        "PORTAL_STUDY_FILE": str(all_day_study(scratch)),
        "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp_port), "PORTAL_SMTP_SECURITY": "none",
        "PORTAL_SMTP_USER": "", "PORTAL_SMTP_PASSWORD": "",
    }


def owner_env(cluster: postgres.Cluster, main: str, keystore: str) -> str:
    """deploy/owner.env.example for the test's cluster (trust authentication: no password)."""
    return (f"PORTAL_DATABASE_URL=postgresql+psycopg://family_portal_owner@/{main}?host={cluster.dir}\n"
            f"PORTAL_KEYSTORE_URL=postgresql+psycopg://family_portal_owner@/{keystore}?host={cluster.dir}\n")


def all_day_study(scratch: Path) -> Path:
    """TEST ONLY: the shipped study with sending hours all day long, so that the dispatcher (which
    runs on the real clock) sends at whatever time the test runs."""
    study = yaml.safe_load((ROOT / "studies" / "family-partner.yaml").read_text())
    study["study"]["quiet_hours"] = {"send_from": "00:00", "send_until": "23:59:59.999999"}
    path = scratch / "test-study-all-day.yaml"
    path.write_text("# TEST ONLY: the Family Partner study, sending hours all day\n" + yaml.safe_dump(study))
    return path


def run_setup_sql(cluster: postgres.Cluster, variables: dict[str, str]) -> None:
    names = [f"--variable={key}={value}" for key, value in variables.items()]
    result = subprocess.run([str(postgres.BIN / "psql"), "-h", str(cluster.dir), "-U", cluster.user, "-d",
                             "postgres", "-v", "ON_ERROR_STOP=1", *names, "-f",
                             str(DEPLOY / "postgresql" / "setup.sql")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the checks -----------------------------------------------------------------------------------

def check_the_shipped_files(shape: Shape) -> None:
    """systemd accepts every unit as shipped; nginx accepts the site; the template names every setting."""
    verified = systemd_verify(shape.scratch, [DEPLOY / "systemd" / name for name in UNITS])
    assert verified.returncode == 0 and not (verified.stdout + verified.stderr).strip(), verified.stderr
    for service in (name for name in UNITS if name.endswith(".service")):
        exposure = systemd_exposure(shape.scratch, service)
        assert exposure.returncode == 0, exposure.stdout[-500:]  # the hardening holds
    rotated = logrotate_debug(shape.scratch)
    assert rotated.returncode == 0 and "error" not in rotated.stderr, rotated.stderr
    tested = shape.nginx.test_config()
    assert tested.returncode == 0 and "test is successful" in tested.stderr, tested.stderr
    template = (DEPLOY / "portal.env.example").read_text()
    read_by_the_code = set(re.findall(r"PORTAL_[A-Z][A-Z_]*[A-Z]", "\n".join(
        path.read_text() for path in (ROOT / "portal").rglob("*.py"))))
    unnamed = {name for name in read_by_the_code if not re.search(rf"^#?{name}=", template, re.MULTILINE)}
    assert unnamed == set(), f"settings missing from deploy/portal.env.example: {sorted(unnamed)}"


def enrol_two_families(shape: Shape) -> tuple[HttpsBrowser, str]:
    """One enrolled today (the parent who answers), one three days ago (whose first reminder is due)."""
    today = shape.flask("enrol", "--site", "larvik", "--name", "Test Parent One", "--email",
                        "one@test.example", "--child-birth-month", "2018-05", "--consent-version", "v1")
    link = LINK.search(today.stdout)
    assert link is not None and link.group(1).startswith(shape.base_url + "/s/")
    three_days_ago = dt.datetime.combine(dt.datetime.now(OSLO).date() - dt.timedelta(days=3), dt.time(12),
                                         tzinfo=OSLO)
    earlier = shape.flask("enrol", "--site", "larvik", "--name", "Test Parent Two", "--email",
                          "two@test.example", "--child-birth-month", "2017-03", "--consent-version", "v1",
                          "--now", three_days_ago.isoformat())
    assert LINK.search(earlier.stdout) is not None
    return shape.browser(link.group(1).rsplit("/", 1)[1]), "two@test.example"


def walk_a_wave(shape: Shape, parent: HttpsBrowser) -> None:
    parent.walk()  # open the link, Start, every page, review, submit, thanks: each status checked
    parent.close()
    assert len(parent.log) > 10 and parent.log[-1][1] == "/q/thanks"


def sign_in_as_coordinator(shape: Shape) -> HttpsBrowser:
    """A coordinator whose account is in Norwegian signs in; the browser stays signed in."""
    app = create_app({"environ": shape.environ, "instance_path": shape.scratch / "state"})
    try:
        _user, email, secret = create_account(app, role="coordinator", email="coordinator@test.example",
                                              language="nb")
    finally:
        app.extensions["portal.db"].dispose()
    browser = shape.browser()
    page = browser.expect(browser.request("GET", "/staff/login"), 200)
    form = {"csrf_token": csrf(page.body), "email": email, "password": PASSWORD}
    assert browser.expect(browser.request("POST", "/staff/login", form), 302).location == "/staff/login/code"
    page = browser.expect(browser.request("GET", "/staff/login/code"), 200)
    code = {"csrf_token": csrf(page.body), "code": pyotp.TOTP(secret).now()}
    browser.expect(browser.request("POST", "/staff/login/code", code), 302)
    browser.expect(browser.request("GET", "/staff/dashboard"), 200)
    return browser


def check_the_limits_and_health(shape: Shape, coordinator: HttpsBrowser) -> None:
    """nginx's body limit is above every limit of the app, so the app refuses an upload over its own
    limit with its page in the account's language; nginx still refuses a body over its limit."""
    app = create_app({"environ": shape.environ, "instance_path": shape.scratch / "state"})
    app.extensions["portal.db"].dispose()
    largest = max(app.config["MAX_CONTENT_LENGTH"], *BODY_LIMITS.values())  # the views are imported now
    nginx_limit = shape.nginx.body_limit()
    assert nginx_limit > largest + 64 * 1024  # room for the form around the file
    assert nginx_limit == PROXY_BODY_LIMIT  # the app reads a refused body up to it (a kept connection)
    page = coordinator.expect(coordinator.request("GET", "/staff/enrol/csv"), 200)
    too_big = coordinator.upload("/staff/enrol/csv", {"csrf_token": csrf(page.body)}, b"x" * largest)
    assert too_big.status == 413 and "nginx" not in too_big.body
    assert translated("nb", "staff", "Too much data") in too_big.body and 'lang="nb"' in too_big.body
    assert coordinator.announce("/staff/enrol/csv", nginx_limit + 1).status == 413  # nginx's backstop
    health = coordinator.request("GET", "/healthz")
    coordinator.close()
    assert health.status == 200
    assert json.loads(health.body) == {"status": "ok", "main": "ok", "keystore": "ok"}


def deliver_a_reminder(shape: Shape, address: str) -> None:
    dispatcher = Unit.read("family-portal-dispatcher.service")
    log = (shape.scratch / "log" / "dispatcher.log").open("wb")
    worker = subprocess.Popen(dispatcher.command(shape.places), cwd=shape.places["/var/lib/family-portal"],
                              env={"PATH": os.environ["PATH"], **shape.environ}, stdout=log, stderr=log)
    subject = translated("nb", "outbound", "%(study)s: a reminder") % {"study": "Familiestudien"}
    try:
        deadline = time.monotonic() + 60
        while not [m for m in shape.mailbox.mails if m.subject == subject] and time.monotonic() < deadline:
            assert worker.poll() is None, (shape.scratch / "log" / "dispatcher.log").read_text()
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        log.close()
    [reminder] = [mail for mail in shape.mailbox.mails if mail.subject == subject]
    assert reminder.to == [address] and reminder.language == "nb"
    assert shape.base_url + "/s/" in reminder.body


def back_up_and_restore(shape: Shape, parent: HttpsBrowser) -> None:
    """The backup unit's script, then the guide's restore into fresh databases, then the same rows."""
    backup = Unit.read("family-portal-backup.service")
    environ = {"PATH": os.environ["PATH"], **shape.environ, **backup.environment(shape.places)}
    result = subprocess.run(backup.command(shape.places), cwd=shape.places["/var/lib/family-portal"],
                            env=environ, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    [keystore] = (shape.scratch / "backups").glob("keystore-*.backup")
    [main] = (shape.scratch / "backups").glob("main-*.backup")
    assert b"Test Parent" not in main.read_bytes() and b"test.example" not in main.read_bytes()

    run_setup_sql(shape.cluster, {"main_db": "restored", "keystore_db": "restored_keystore"})
    (shape.scratch / "owner.env").write_text(owner_env(shape.cluster, "restored", "restored_keystore"))
    shape.flask("db", "upgrade", owner=True)
    shape.flask("restore", "--from", str(main), "--yes", owner=True)
    shape.flask("restore", "--store", "keystore", "--from", str(keystore), "--yes", owner=True)
    live, restored = table_rows(shape.cluster, "family_portal"), table_rows(shape.cluster, "restored")
    assert restored.pop("audit_event") == live.pop("audit_event") + 2  # and an entry for each restore
    assert restored == live and restored["response"] >= 5  # the parent's answers came back
    contacts = table_rows(shape.cluster, "family_portal_keystore")
    assert table_rows(shape.cluster, "restored_keystore") == contacts
    assert "intact" in shape.flask("audit", "verify", owner=True).stdout


def table_rows(cluster: postgres.Cluster, database: str) -> dict[str, int]:
    engine = create_engine(cluster.url(database))
    try:
        with engine.connect() as connection:
            names = connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            return {name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in list(names)}
    finally:
        engine.dispose()


def check_the_metrics(shape: Shape, parent: HttpsBrowser) -> None:
    browser = shape.browser()
    answer = browser.expect(browser.request("GET", "/metrics"), 200)
    browser.close()
    samples = [sample for family in text_string_to_metric_families(answer.body) for sample in family.samples]
    parent_requests = sum(s.value for s in samples if s.name == "portal_requests_total"
                          and s.labels["group"] == "parent")
    assert parent_requests == len(parent.log)  # every worker's requests, summed (multiprocess mode)
    assert any(s.name == "portal_requests_total" and s.labels["group"] == "staff" for s in samples)
    assert parent.token not in answer.body


def check_the_logs(shape: Shape, parent: HttpsBrowser, gunicorn_log: str) -> None:
    access = (shape.scratch / "nginx" / "family-portal.access.log").read_text()
    assert "/s/[token]" in access and "/q/review" in access
    for log in (access, gunicorn_log, (shape.scratch / "log" / "gunicorn.log").read_text()):
        assert parent.token not in log
