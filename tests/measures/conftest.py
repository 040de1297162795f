from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskCliRunner

from portal.measures import Catalogue, load_catalogue, shipped_instrument_dir
from portal.measures.cli import instruments_cli


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue([shipped_instrument_dir()])


def make_app(dirs: list[Path]) -> flask.Flask:
    """A bare app standing in for create_app: only what the CLI reads."""
    app = flask.Flask(__name__)
    app.config["INSTRUMENT_DIRS"] = dirs
    app.cli.add_command(instruments_cli)
    return app


@pytest.fixture()
def runner_for() -> Callable[[list[Path]], FlaskCliRunner]:
    """A CLI runner over the given instrument folders."""
    return lambda dirs: make_app(dirs).test_cli_runner()


@pytest.fixture()
def runner() -> FlaskCliRunner:
    return make_app([shipped_instrument_dir()]).test_cli_runner()
