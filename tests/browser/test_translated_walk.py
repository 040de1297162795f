"""The whole path of a translation pack: the team's template -> filled -> import -> check, then a parent
answers in that language on a phone, and the export names the language and the pack's version.

The pack is test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.measures import shipped_instrument_dir
from portal.measures.pack_files import read_pack
from tests.browser.phone import Phone, answer_page, html_lang_dir, press
from tests.conftest import Clock
from tests.measures.conftest import make_app
from tests.staff.conftest import create_account, sign_in
from tests.support.builders import enrol_family
from tests.support.live import AxeFindings
from tests.support.packs import ABOUT, marked_text

pytestmark = pytest.mark.browser


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """The study team's steps with the portal's commands, before the portal starts."""
    folder = tmp_path / "private-instruments"
    folder.mkdir()
    cli = make_app([shipped_instrument_dir(), folder]).test_cli_runner()
    template = tmp_path / "who5.ar.csv"
    made = cli.invoke(args=["instruments", "translation-template", "who5", "--lang", "ar", "--format", "csv",
                            "--out", str(template)])
    assert made.exit_code == 0, made.output
    _fill(template)
    imported = cli.invoke(args=["instruments", "translation-import", str(template), "--lang", "ar"])
    assert imported.exit_code == 0, imported.output
    checked = cli.invoke(args=["instruments", "check"])
    assert checked.stdout.startswith("7 instrument files OK, 1 translation pack OK\n")
    return folder


def _fill(template: Path) -> None:
    """What the team pastes in: here test text in place of the publisher's, and the about rows."""
    with template.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        row[4] = row[4] or (ABOUT.get(row[0], "") if row[0].startswith("about.") else marked_text(row[0]))
    with template.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


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


def _pdf_pages(context: Any, url: str) -> int:
    page = context.new_page()
    page.goto(url)
    pdf = page.pdf(format="A4")
    page.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_print_view_starts_each_instrument_on_a_new_page(app: Flask, clock: Clock, browser: Any,
                                                             live: str) -> None:
    _user, email, secret = create_account(app, role="coordinator")
    client = app.test_client()
    assert sign_in(client, email, secret, clock).status_code == 302
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    context = browser.new_context()
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live}])
    printed = f"{live}/staff/instruments/print/en"
    alone = [_pdf_pages(context, f"{printed}?id={name}") for name in ("who5", "gad7")]
    assert min(alone) >= 1
    # the second instrument never shares the first one's last page
    assert _pdf_pages(context, f"{printed}?id=who5&id=gad7") == sum(alone)
    assert _pdf_pages(context, f"{live}/staff/instruments/print/ar?id=who5") >= 1  # the pack's language
    assert _accessibility_problems(context, [f"{live}/staff/instruments", f"{live}/staff/instruments/who5/ar",
                                             f"{live}/staff/instruments/print/ar"]) == []
    context.close()


def _accessibility_problems(context: Any, urls: list[str]) -> list[str]:
    axe = AxeFindings()
    for url in urls:
        page = context.new_page()
        page.goto(url)
        axe.check(page)
        page.close()
    return axe.found
