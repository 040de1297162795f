from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskCliRunner

from portal.measures import Catalogue, Instrument, Item, Option, Scale, load_catalogue, shipped_instrument_dir
from portal.measures.cli import instruments_cli


def likert(item_id: str, codes: range, reverse: bool = False) -> Item:
    """A test item: its text is its id, each option's label its code."""
    options = tuple(Option(code=c, label={"en": str(c)}) for c in codes)
    return Item(id=item_id, type="likert", text={"en": item_id}, options=options, reverse=reverse)


def instrument(items: list[Item], scales: list[Scale], *, instrument_id: str = "t") -> Instrument:
    """A test instrument in English around `items` and `scales`; nothing else of it counts."""
    return Instrument(
        id=instrument_id,
        version="1",
        title={"en": instrument_id},
        instructions={"en": instrument_id},
        languages=("en",),
        items=tuple(items),
        scales=tuple(scales),
        flags=(),
        licence="x",
        source="x",
        permission="free",
        translation_sources={},
        age_min_years=None,
        age_max_years=None,
        respondent="parent",
        allow_missing=False,
        examples=(),
    )


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
