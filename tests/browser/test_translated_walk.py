"""A parent answers an instrument in their language from an installed translation pack, on a phone,
and the export names that language and the pack's version.

The pack is test text made through template -> filled -> import (tests/support/packs.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.measures.pack_files import read_pack
from tests.browser.phone import Phone, answer_page, html_lang_dir, press
from tests.conftest import Clock
from tests.support.builders import enrol_family
from tests.support.packs import install_test_pack, marked_text

pytestmark = pytest.mark.browser


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    folder = tmp_path / "private-instruments"
    folder.mkdir()
    install_test_pack(folder, "who5", "ar")
    return folder


@pytest.fixture
def environ(environ: dict[str, str], packs: Path) -> dict[str, str]:
    return {**environ, "PORTAL_INSTRUMENTS_PATH": str(packs)}


def test_a_parent_answers_in_arabic_from_a_pack_and_the_export_names_it(
        app: Flask, clock: Clock, browser: Any, live: str, artifacts: Path, packs: Path,
        tmp_path: Path) -> None:
    family = enrol_family(app, now=clock.now, people=[("mother", "ar", "Test Parent", "+4791111114", None)])
    phone = Phone(browser, live, "pack-ar-pixel7", artifacts)
    page = phone.open(locale="ar")
    page.goto(f"{live}/s/{family.tokens[f'{family.respondents[0]}/T0']}")
    press(page)
    assert html_lang_dir(page) == ("ar", "rtl")
    heading = page.locator("h1")
    assert heading.inner_text() == marked_text("title")
    assert (heading.get_attribute("lang"), heading.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator("fieldset.item legend").first.inner_text() == marked_text("item.who5_1")
    assert page.locator("fieldset.item").first.get_attribute("dir") == "rtl"
    assert page.locator(".notice").count() == 0  # the parent's language has published (here: pack) text
    phone.shot(page, "who5-from-pack")
    while "/q/review" not in page.url:
        answer_page(page)
    press(page)
    assert page.url.endswith("/q/thanks")
    page.context.close()
    assert phone.foreign_requests() == []

    out = tmp_path / "export"
    export = ["export", "--format", "csv", "--layout", "long", "--out", str(out)]
    result = app.test_cli_runner().invoke(args=export)
    assert result.exit_code == 0, result.output
    used = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["translation_packs"]
    pack = read_pack(packs / "who5.ar.yaml")
    assert [(u["instrument"], u["language"], u["version"], u["hash"]) for u in used] == [
        ("who5", "ar", "1", pack.hash)]
    lines = (out / "family-partner_long.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    who5 = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if ",who5," in line]
    assert [row["language"] for row in who5 if row["completed_at"]] == ["ar"]
