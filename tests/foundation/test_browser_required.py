"""A browser test where Chromium is missing: a skip on a developer's machine, a failure in CI, so a
CI machine without Chromium can never pass the browser tests by skipping them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import live


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setattr(live, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PORTAL_REQUIRE_BROWSER", raising=False)
    return monkeypatch


def _outcome() -> tuple[str, str]:
    """What require_chromium() does to a test, caught here (a skip must not skip this test itself)."""
    try:
        live.require_chromium()
    except pytest.skip.Exception as skipped:
        return "skip", str(skipped)
    except pytest.fail.Exception as failed:
        return "fail", str(failed)
    return "run", ""


def test_a_missing_chromium_skips_the_test_on_a_developers_machine(no_chromium: pytest.MonkeyPatch) -> None:
    outcome, message = _outcome()
    assert outcome == "skip"
    assert "Chromium not found" in message


@pytest.mark.parametrize("variable", ["CI", "PORTAL_REQUIRE_BROWSER"])
def test_a_missing_chromium_fails_the_test_in_ci(no_chromium: pytest.MonkeyPatch, variable: str) -> None:
    no_chromium.setenv(variable, "true")
    outcome, message = _outcome()
    assert outcome == "fail"
    assert "required in CI" in message


def test_an_installed_chromium_lets_the_test_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "chromium").touch()
    monkeypatch.setattr(live, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setenv("CI", "true")
    assert _outcome() == ("run", "")
