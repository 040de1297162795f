"""The portal served by a real gunicorn (master and workers) that a test can kill and start again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    """gunicorn cannot bind port 0 and tell us the port, so we pick a free one first."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    """`gunicorn 'portal:create_app()'` with the given PORTAL_* environment, on one port for its life.

    `command` replaces the whole command line (it must bind 127.0.0.1:`port`), and `cwd` the
    repository as the folder it starts in: a deployment's own gunicorn, config and installed package.
    """

    def __init__(self, environ: dict[str, str], workers: int = 2, threads: int = 4, *,
                 command: list[str] | None = None, cwd: Path = ROOT, port: int | None = None) -> None:
        self.environ = environ
        self.workers, self.threads = workers, threads
        self.port = port or free_port()
        self.command, self.cwd = command, cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(environ.get("PORTAL_INSTANCE_PATH", "/tmp")) / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        command = self.command or [
            GUNICORN, "--no-control-socket", "-w", str(self.workers), "-k", "gthread", "--threads",
            str(self.threads), "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
            "--log-level", "warning", "portal:create_app()"]
        with self.log.open("ab") as log:
            # its own process group, so that a kill reaches the master and every worker at once
            self.process = subprocess.Popen(command, cwd=self.cwd, env={**os.environ, **self.environ},
                                            stdout=log, stderr=log, start_new_session=True)
        self._wait_until_answering()
        return self

    def kill(self) -> None:
        """SIGKILL to the master and all its workers: no cleanup, no goodbye, as in a power cut."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None

    def logged(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _wait_until_answering(self) -> None:
        """The master listens long before its workers have built the app: wait for a real answer."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.logged()}")
            try:
                with urlopen(f"{self.url}/healthz", timeout=5):
                    return
            except HTTPError as error:  # an HTTP answer, even a 503: a worker is up
                error.close()  # it holds the connection; left to the collector it warns in another test
                return
            except (URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer on {self.port}:\n{self.logged()}")
