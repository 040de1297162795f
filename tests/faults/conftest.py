"""Fault fixtures: gunicorn's environment on the test database, and a PostgreSQL cluster to restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRED
from tests.faults.store import served_environ
from tests.support import postgres


@pytest.fixture
def served(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return served_environ(environ["PORTAL_DATABASE_URL"], tmp_path / "served")


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[postgres.Cluster]:
    """A PostgreSQL cluster of this module's own: restarting the shared one would cut other tests off."""
    with postgres.running_cluster(REQUIRED) as cluster:
        yield cluster
