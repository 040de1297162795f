"""`make serve`: the portal migrated and served by gunicorn with the shipped config, as the README says."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.request import urlopen

from tests.faults.served import ROOT, free_port


def test_make_serve_migrates_and_serves_the_embedded_database_with_every_worker_counted(
    tmp_path: Path,
) -> None:
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "MAKE"))}
    environ.update(PORTAL_INSTANCE_PATH=str(tmp_path), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
                   PORTAL_DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    with (tmp_path / "serve.log").open("wb") as log:
        served = subprocess.Popen(["make", "--no-print-directory", "serve", f"BIND=127.0.0.1:{port}"],
                                  cwd=ROOT, env=environ, stdout=log, stderr=log, start_new_session=True)
    try:
        base, log = f"http://127.0.0.1:{port}", tmp_path / "serve.log"
        answer(f"{base}/metrics", served, log)  # it answers (not counted among the health checks below)
        health = [answer(f"{base}/healthz", served, log) for _ in range(6)]
        metrics = answer(f"{base}/metrics", served, log)
    finally:
        os.killpg(served.pid, signal.SIGTERM)  # make and gunicorn (master and workers) together
        served.wait(timeout=30)
    assert json.loads(health[0]) == {"status": "ok", "main": "ok", "keystore": "ok"}
    assert (tmp_path / "portal.sqlite3").exists()  # migrated by `make serve` itself
    # the six health checks, whichever worker answered each: summed over the workers
    assert 'portal_requests_total{group="health",method="GET",status="200"} 6.0' in metrics


def answer(url: str, process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urlopen(url, timeout=30) as response:
                return str(response.read().decode())
        except OSError:  # not listening yet, or the workers still starting
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}:\n{log.read_text()}")
