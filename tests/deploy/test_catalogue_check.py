"""Outside development the app will not start on missing or stale catalogues (else: English, silently)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from portal.catalogues import TRANSLATIONS, catalogue_problems, check_catalogues
from portal.config import ConfigError, load_settings
from tests.conftest import TEST_KEYS


@pytest.fixture
def catalogues(tmp_path: Path) -> Path:
    """A copy of the repository's catalogues, compiled as `make catalogues` leaves them."""
    copy = shutil.copytree(TRANSLATIONS, tmp_path / "translations")
    assert catalogue_problems(copy) == []
    return copy


def test_a_missing_catalogue_of_any_domain_is_named(catalogues: Path) -> None:
    (catalogues / "nb" / "LC_MESSAGES" / "outbound.mo").unlink()
    (catalogues / "ar" / "LC_MESSAGES" / "messages.mo").unlink()
    (catalogues / "nb" / "LC_MESSAGES" / "staff.mo").unlink()
    assert catalogue_problems(catalogues) == ["ar/messages.mo missing", "nb/outbound.mo missing",
                                              "nb/staff.mo missing"]


def test_a_catalogue_older_than_its_po_is_named(catalogues: Path) -> None:
    po = catalogues / "pl" / "LC_MESSAGES" / "messages.po"
    later = po.with_suffix(".mo").stat().st_mtime_ns + 1_000_000_000
    os.utime(po, ns=(later, later))  # the .po changed after the last compile
    assert catalogue_problems(catalogues) == ["pl/messages.mo older than its .po"]


def test_outside_development_the_start_stops_with_one_line(catalogues: Path, tmp_path: Path) -> None:
    (catalogues / "uk" / "LC_MESSAGES" / "outbound.mo").unlink()
    settings = load_settings({"PORTAL_ENV": "test", **TEST_KEYS}, tmp_path)
    with pytest.raises(ConfigError) as stopped:
        check_catalogues(settings, catalogues)
    assert "\n" not in str(stopped.value)
    assert "uk/outbound.mo missing" in str(stopped.value) and "make catalogues" in str(stopped.value)


def test_development_starts_anyway(catalogues: Path, tmp_path: Path) -> None:
    (catalogues / "nb" / "LC_MESSAGES" / "messages.mo").unlink()
    check_catalogues(load_settings({"PORTAL_ENV": "development"}, tmp_path), catalogues)
