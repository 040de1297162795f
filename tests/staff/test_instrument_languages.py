"""An instrument in the family's language from an installed pack: the parent's pages, the answers kept
with the pack's version, the export, the team's preview, and a pack that may not change under answers.

The packs are test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal import create_app
from portal.db import db
from portal.families.models import Response
from portal.measures.pack_files import read_pack
from tests.conftest import Clock
from tests.respond.conftest import Parent, compiled_catalogues  # noqa: F401 - the pages must be translated
from tests.staff.conftest import StaffFactory
from tests.support.builders import enrol_family
from tests.support.packs import filled_rows, marked_text, private_instruments, shipped, write_csv

pytestmark = pytest.mark.databases


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    return private_instruments(tmp_path, ("who5", "pl"), ("who5", "ar"))


@pytest.fixture
def environ(environ: dict[str, str], packs: Path) -> dict[str, str]:
    return {**environ, "PORTAL_INSTRUMENTS_PATH": str(packs)}


def _parent(app: Flask, clock: Clock, language: str) -> Parent:
    people = [("mother", language, "Test Parent", "+4791111113", None)]
    family = enrol_family(app, now=clock.now, people=people)
    return Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])


def _kept(app: Flask) -> dict[str, tuple[str, str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Response).where(Response.status == "completed"))
        return {r.instrument_id: (r.language, r.pack_version, r.pack_hash) for r in rows}


def _answered_in_polish(app: Flask, clock: Clock) -> Parent:
    parent = _parent(app, clock, "pl")
    parent.start()
    page = parent.client.get("/q/1").text
    assert f'<h1 lang="pl" dir="ltr">{marked_text("title")}</h1>' in page
    assert marked_text("item.who5_1") in page and marked_text("options.frequency.0") in page
    assert "I have felt cheerful" not in page
    assert parent.answer_everything().location.endswith("/q/review")
    assert parent.submit().status_code == 303
    return parent


def test_a_parent_answers_in_the_packs_language_and_the_answers_keep_its_version(
        app: Flask, clock: Clock, packs: Path) -> None:
    _answered_in_polish(app, clock)
    kept = _kept(app)
    assert kept["who5"] == ("pl", "1", read_pack(packs / "who5.pl.yaml").hash)
    assert kept["phq9"] == ("en", None, None)  # no pack: the instrument's own English, as before


def test_a_parent_whose_language_has_no_pack_is_told_and_offered_the_others(app: Flask, clock: Clock) -> None:
    parent = _parent(app, clock, "so")
    parent.start()
    page = parent.client.get("/q/1").text
    assert '<h1 lang="en" dir="ltr">WHO-Five' in page
    assert '<a href="?text=pl" lang="pl" dir="ltr">Polski</a>' in page
    assert '<a href="?text=ar" lang="ar" dir="rtl">' in page
    shown = parent.client.get("/q/1?text=ar").text
    assert f'<h1 lang="ar" dir="rtl">{marked_text("title")}</h1>' in shown


def test_the_export_shows_the_language_and_the_pack_version(app: Flask, clock: Clock, runner: FlaskCliRunner,
                                                            packs: Path, tmp_path: Path) -> None:
    _answered_in_polish(app, clock)
    out = tmp_path / "export"
    result = runner.invoke(args=["export", "--format", "csv", "--layout", "long", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pack = read_pack(packs / "who5.pl.yaml")
    used = [{"instrument": "who5", "language": "pl", "version": "1", "hash": pack.hash, "installed": True,
             "source": pack.describe_source(), "licence": pack.licence, "translated_by": "",
             "checked_by": "Test Checker", "checked_on": "2026-12-01"}]
    assert json.loads((out / "manifest.json").read_text())["translation_packs"] == used
    assert json.loads((out / "codebook.json").read_text())["translation_packs"] == used
    assert pack.hash in (out / "codebook.html").read_text()
    data = (out / next(p.name for p in out.iterdir() if p.name.endswith("_long.csv"))).read_text()
    header, *lines = data.splitlines()
    rows = [dict(zip(header.split(","), line.split(","), strict=False)) for line in lines]
    assert {row["language"] for row in rows if row["instrument"] == "who5" and row["completed_at"]} == {"pl"}


def test_changed_text_under_kept_answers_needs_a_new_version(app: Flask, clock: Clock, runner: FlaskCliRunner,
                                                             packs: Path, tmp_path: Path) -> None:
    _answered_in_polish(app, clock)
    before = (packs / "who5.pl.yaml").read_text(encoding="utf-8")
    rows = filled_rows(shipped("who5"), "pl")
    rows[-1][4] += " (changed)"
    template = write_csv(rows, tmp_path / "changed.csv")
    refused = runner.invoke(args=["instruments", "translation-import", str(template), "--lang", "pl"])
    assert refused.exit_code == 1
    assert "give the changed pack a new version (about.version); nothing installed" in refused.stderr
    assert (packs / "who5.pl.yaml").read_text(encoding="utf-8") == before
    rows = filled_rows(shipped("who5"), "pl", {"about.version": "2"})
    rows[-1][4] += " (changed)"
    template = write_csv(rows, tmp_path / "v2.csv")
    accepted = runner.invoke(args=["instruments", "translation-import", str(template), "--lang", "pl"])
    assert accepted.exit_code == 0, accepted.output
    assert read_pack(packs / "who5.pl.yaml").version == "2"


def test_check_finds_a_pack_edited_by_hand_under_kept_answers(app: Flask, clock: Clock,
                                                              runner: FlaskCliRunner, packs: Path) -> None:
    _answered_in_polish(app, clock)
    path = packs / "who5.pl.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("item.who5_5'", "item.who5_5 edited'"),
                    encoding="utf-8")
    result = runner.invoke(args=["instruments", "check"])
    assert result.exit_code == 1
    assert "answers were kept with version 1 of this pack and other text" in result.stderr


def test_the_team_previews_a_language_beside_english_and_prints_it(staff: StaffFactory) -> None:
    client = staff("coordinator").client
    listing = client.get("/staff/instruments").text
    assert 'href="/staff/instruments/who5/pl"' in listing and 'href="/staff/instruments/who5/ar"' in listing
    page = client.get("/staff/instruments/who5/ar").text
    assert '<td lang="en" dir="ltr">I have felt cheerful and in good spirits' in page
    assert f'<td lang="ar" dir="rtl">{marked_text("item.who5_1")}' in page
    assert "Test Checker on 2026-12-01" in page
    printed = client.get("/staff/instruments/print/pl").text
    assert '<html lang="pl" dir="ltr">' in printed
    assert printed.count('<section class="instrument"') == 1  # only who5 has pl text
    assert marked_text("item.who5_5") in printed
    assert client.get("/staff/instruments/print/en").text.count('<section class="instrument"') == 7
    assert client.get("/staff/instruments/phq9/pl").status_code == 404
    assert client.get("/staff/instruments/sdq/pl").status_code == 404


def test_an_analyst_does_not_see_the_preview(staff: StaffFactory) -> None:
    assert staff("analyst").client.get("/staff/instruments/who5/pl").status_code == 403


def test_a_pack_is_not_installed_when_the_answers_cannot_be_read(environ: dict[str, str], packs: Path,
                                                                 tmp_path: Path) -> None:
    """A database without the answers' tables (not upgraded yet) cannot say whether a pack may change."""
    empty = {**environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    app = create_app({"environ": empty, "instance_path": tmp_path / "instance"})
    rows = filled_rows(shipped("who5"), "pl", {"about.version": "2"})
    before = (packs / "who5.pl.yaml").read_text(encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["instruments", "translation-import", str(write_csv(rows, tmp_path / "v2.csv")), "--lang", "pl"])
    assert result.exit_code == 1
    assert "cannot read the answers kept so far" in result.stderr and "run 'db upgrade'" in result.stderr
    assert (packs / "who5.pl.yaml").read_text(encoding="utf-8") == before
    app.extensions["portal.db"].dispose()
