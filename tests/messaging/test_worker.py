"""`flask --app portal worker` runs until told to stop, then exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_loops_until_sigterm_and_then_exits_cleanly(
    app: Flask, environ: dict[str, str], tmp_path: Path
) -> None:
    env = {"PATH": os.environ["PATH"], "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"), **environ}
    worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "--app", "portal", "worker",
                               "--interval", "0.1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert worker.stderr is not None
    assert worker.stderr.readline().startswith(b"worker running")
    time.sleep(0.5)  # a few empty rounds (nothing is due)
    assert worker.poll() is None
    worker.send_signal(signal.SIGTERM)
    _out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err.decode()
