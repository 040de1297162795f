"""The app's loaded settings, study protocol and instrument catalogue, for views and commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from portal.config import Settings
from portal.protocol.model import Protocol


def settings() -> Settings:
    value: Settings = current_app.config["SETTINGS"]
    return value


def protocol() -> Protocol:
    value: Protocol = current_app.extensions["portal.protocol"]
    return value


def catalogue() -> Any:
    """The instrument catalogue (portal.measures.Catalogue): a Mapping of id -> Instrument."""
    return current_app.extensions["portal.instruments"]


def now() -> dt.datetime:
    """The request's time: real time, unless a test set the app's CLOCK."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else dt.datetime.now(dt.UTC)
