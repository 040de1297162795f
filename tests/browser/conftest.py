"""Headless Chromium at a phone's size against the test's app, served live on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.respond.conftest import compiled_catalogues  # noqa: F401 - the pages must be translated
from tests.support.live import CHROMIUM, CHROMIUM_ARGS, serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
REQUIRED = bool(os.environ.get("PORTAL_REQUIRE_BROWSER") or os.environ.get("CI"))

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
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if REQUIRED:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
