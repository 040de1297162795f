"""A private PostgreSQL cluster for one test run: initdb into a temp dir, a Unix socket, no TCP."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN = Path(os.environ.get("PORTAL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (BIN / "initdb").exists() and (BIN / "pg_ctl").exists()


@contextmanager
def running_cluster(required: bool) -> Iterator[Cluster]:
    """A started private cluster; without the binaries the test is skipped (failed where CI requires them)."""
    if not available():
        message = f"PostgreSQL binaries not found in {BIN}: apt-get install postgresql-15"
        if required:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    cluster = Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")

    def start(self) -> None:
        subprocess.run(
            _as_postgres([str(BIN / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                          "--encoding=UTF8", "--locale=C.UTF-8", "-N"]),
            check=True, capture_output=True,
        )
        self._serve()

    def _serve(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories={self.dir} -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
                          str(self.dir / "log"), "start"]),
            check=True, capture_output=True,
        )

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (fast: open connections are cut), stay down `down_for` seconds, start again."""
        subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                       check=True, capture_output=True)
        time.sleep(down_for)
        self._serve()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.dir}"

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
