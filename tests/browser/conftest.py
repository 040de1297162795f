"""Headless Chromium at a phone's size against the test's app, served live on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.respond.conftest import compiled_catalogues  # noqa: F401 - the pages must be translated
from tests.support.live import artifacts_folder, chromium, require_chromium, serve

# Pixel 7 as Playwright describes it, and the narrow phone the issue names.
PHONES: dict[str, dict[str, Any]] = {
    "pixel7": {"viewport": {"width": 412, "height": 839}, "device_scale_factor": 2.625,
               "is_mobile": True, "has_touch": True,
               "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
                             "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"},
    "360px": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True},
}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_chromium()
    with chromium() as launched:
        yield launched


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    return artifacts_folder("browser")
