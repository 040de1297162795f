"""`pip install .` into an empty virtual environment, then gunicorn: pages and messages in Norwegian.

The compiled catalogues are not in git; a package built without them would serve every page and
send every message in English to a parent who chose Norwegian, silently. The build compiles them
into the package, and the app refuses to start without them.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest

from portal.config import SECRETS
from tests.deploy.installed import ROOT, install, release_tree, translated
from tests.faults.served import Gunicorn
from tests.messaging.servers import Mailbox, smtp_server

SHIPPED_CONFIG = ROOT / "gunicorn.conf.py"
LINK = re.compile(r"baseline link: (http://\S+)")
OSLO = ZoneInfo("Europe/Oslo")


def noon_tomorrow() -> str:
    """Inside the study's sending hours, and inside the window of a link opened today."""
    tomorrow = dt.datetime.now(OSLO).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(12), tzinfo=OSLO).isoformat()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("installed")
    return install(release_tree(base / "release"), base / "venv")


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """A production environment of its own: strong secrets, a SQLite file, nothing from the repository."""
    keys = {variable: base64.b64encode(os.urandom(32)).decode() for variable, _why in SECRETS.values()}
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON"))}
    return {**environ, **keys, "PORTAL_ENV": "production", "PORTAL_INSTANCE_PATH": str(tmp_path),
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}"}


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


def flask(bin_dir: Path, environ: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "flask"), "--app", "portal", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_the_installed_package_serves_norwegian_pages_and_sends_norwegian_messages(
    installed: Path, production: dict[str, str], mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, smtp_port = mailbox
    served = Gunicorn(production, cwd=tmp_path)
    environ = {**production, "PORTAL_SMTP_PORT": str(smtp_port), "PORTAL_BASE_URL": served.url}
    where = subprocess.run([str(installed / "python"), "-c", "import portal; print(portal.__file__)"],
                           cwd=tmp_path, env=environ, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(installed.parent / "lib"))  # not the repository's copy
    assert flask(installed, environ, tmp_path, "db", "upgrade").returncode == 0
    enrolled = flask(installed, environ, tmp_path, "enrol", "--site", "larvik", "--name", "Test Parent",
                     "--email", "parent@test.example", "--child-birth-month", "2018-05",
                     "--consent-version", "v1", "--language", "nb")
    assert enrolled.returncode == 0, enrolled.stderr
    link = LINK.search(enrolled.stdout)
    assert link is not None

    sent = flask(installed, environ, tmp_path, "dispatch", "--now", noon_tomorrow())
    assert sent.returncode == 0, sent.stderr
    [mail] = box.mails
    assert mail.language == "nb"
    assert translated("nb", "outbound", "Hello,") in mail.body
    assert translated("nb", "outbound", "A new questionnaire from %(study)s is ready for you.") \
        % {"study": "Familiestudien"} in mail.body

    served.environ = environ
    served.command = [str(installed / "gunicorn"), "--no-control-socket", "-c", str(SHIPPED_CONFIG),
                      "-b", f"127.0.0.1:{served.port}", "portal:create_app()"]
    with served:
        page = urlopen(Request(link.group(1), headers={"Accept-Language": "en"}), timeout=30)
        html = page.read().decode()
    assert 'lang="nb"' in html  # the parent's language, whatever the browser says
    assert translated("nb", "messages", "You can stop at any time and come back to this link later. "
                      "Your answers are saved on each page.") in html


def test_the_installed_package_refuses_to_start_without_a_catalogue_in_one_line(
    installed: Path, production: dict[str, str], tmp_path: Path
) -> None:
    site = next((installed.parent / "lib").glob("python3*/site-packages/portal/shipped/translations"))
    catalogue = site / "nn" / "LC_MESSAGES" / "outbound.mo"
    kept = catalogue.read_bytes()
    catalogue.unlink()
    try:
        result = flask(installed, production, tmp_path, "db", "upgrade")
    finally:
        catalogue.write_bytes(kept)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "nn/outbound.mo missing" in line and "go out in English" in line
