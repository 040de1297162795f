"""gunicorn's access log, with the settings we ship, never holds a parent's link token."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from flask import Flask

from tests.conftest import Clock
from tests.faults.served import GUNICORN, ROOT, free_port
from tests.support.builders import enrol_family


def test_the_access_log_writes_a_link_as_s_ellipsis(
    app: Flask, environ: dict[str, str], clock: Clock, tmp_path: Path
) -> None:
    token = next(iter(enrol_family(app, now=clock.now).tokens.values()))
    port, log = free_port(), tmp_path / "access.log"
    command = [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--no-control-socket", "-w", "1",
               "-b", f"127.0.0.1:{port}", "--access-logfile", str(log), "portal:create_app()"]
    served = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environ, "PORTAL_INSTANCE_PATH":
                              str(tmp_path / "served")}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for path in (f"/s/{token}", f"/s/{token}?utm=x", "/healthz"):
            _get(f"http://127.0.0.1:{port}{path}")
    finally:
        served.terminate()
        _, errors = served.communicate(timeout=30)
    written = log.read_text()
    # (the link answers with the neutral page: its wave's window lies in the test clock's past)
    assert written.count('"GET /s/…') == 2
    assert token not in written and token not in errors.decode(errors="replace")
    assert "/healthz" in written


def _get(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urlopen(url, timeout=5) as answer:
                answer.read()
                return
        except HTTPError as error:
            error.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
