"""Which translation pack a parent's answers were shown in, recorded at each save, so that a pack
replaced while a questionnaire is half answered never passes the whole response off as one version.

The packs are test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from portal import create_app
from portal.db import db
from portal.families.models import Response
from portal.measures.pack_files import read_pack
from portal.respond.answers import Draft, shown_pack
from tests.conftest import Clock
from tests.respond.conftest import Parent, first_options, hidden_fields
from tests.support.builders import enrol_family
from tests.support.packs import filled_rows, private_instruments, shipped, write_csv

pytestmark = pytest.mark.databases
Kept = tuple[str, str | None, str | None, bool]


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    return private_instruments(tmp_path, ("who5", "pl"), ("phq9", "pl"))


@pytest.fixture
def environ(environ: dict[str, str], packs: Path) -> dict[str, str]:
    return {**environ, "PORTAL_INSTRUMENTS_PATH": str(packs)}


@pytest.fixture
def restart(environ: dict[str, str], tmp_path: Path, clock: Clock) -> Iterator[list[Flask]]:
    """The portal started again over the same database (what `systemctl reload` gives: new workers that
    read the pack folder again)."""
    started: list[Flask] = []
    yield started
    for app in started:
        app.extensions["portal.db"].dispose()


def _restarted(restart: list[Flask], environ: dict[str, str], tmp_path: Path, clock: Clock) -> Flask:
    app = create_app({"environ": environ, "instance_path": tmp_path / f"instance-{len(restart)}",
                      "CLOCK": clock, "WTF_CSRF_ENABLED": True})
    restart.append(app)
    return app


def _polish_parent(app: Flask, clock: Clock) -> str:
    family = enrol_family(app, now=clock.now, people=[("mother", "pl", "Test Parent", "+4791111114", None)])
    return family.tokens[f"{family.respondents[0]}/T0"]


def _install_version_2(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """The data manager imports phq9 in Polish, version 2 (changed test text), while parents answer."""
    rows = filled_rows(shipped("phq9"), "pl", {"about.version": "2"})
    rows[-1][4] += " (changed)"
    template = write_csv(rows, tmp_path / "v2.csv")
    result = runner.invoke(args=["instruments", "translation-import", str(template), "--lang", "pl"])
    assert result.exit_code == 0, result.output


def _kept(app: Flask) -> dict[str, Kept]:
    with app.app_context():
        rows = db.session.scalars(select(Response))
        return {r.instrument_id: (r.language, r.pack_version, r.pack_hash, r.pack_mixed) for r in rows}


def _wide_csv(runner: FlaskCliRunner, out: Path) -> pd.Series:
    result = runner.invoke(args=["export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "family-partner_wide.csv", keep_default_na=False, dtype=str)
    return frame.iloc[0]


def test_a_pack_replaced_between_two_saves_marks_the_response_mixed(
        app: Flask, clock: Clock, runner: FlaskCliRunner, packs: Path, environ: dict[str, str],
        restart: list[Flask], tmp_path: Path) -> None:
    """Page 2 (phq9's first half) is saved under version 1; the portal reloads with version 2; page 3
    (phq9's second half) is saved under version 2 and the parent submits."""
    version_1 = read_pack(packs / "phq9.pl.yaml")
    parent = Parent(app.test_client(), _polish_parent(app, clock))
    parent.start()
    for number in (1, 2):
        parent.answer(number, first_options(parent.client.get(f"/q/{number}").text))
    assert _kept(app)["phq9"] == ("pl", "1", version_1.hash, False)  # recorded at the save, not at submit
    _install_version_2(runner, tmp_path)
    reloaded = _restarted(restart, environ, tmp_path, clock)
    again = Parent(reloaded.test_client(), parent.token)
    assert again.answer_everything().location.endswith("/q/review")
    assert again.submit().status_code == 303
    kept = _kept(reloaded)
    assert kept["phq9"] == ("pl", "1", version_1.hash, True)  # the first version, and mixed
    assert kept["who5"] == ("pl", "1", read_pack(packs / "who5.pl.yaml").hash, False)  # one version
    assert kept["gad7"] == ("en", None, None, False)  # no pack: the instrument's own English
    row = _wide_csv(reloaded.test_cli_runner(), tmp_path / "export")
    assert (row["T0_phq9_pack"], row["T0_who5_pack"], row["T0_gad7_pack"]) == ("mixed", "1", "")
    assert (row["T0_phq9_language"], row["T0_who5_language"], row["T0_gad7_language"]) == ("pl", "pl", "en")


def test_a_page_shown_before_the_reload_and_saved_after_it_is_mixed(
        app: Flask, clock: Clock, runner: FlaskCliRunner, environ: dict[str, str], restart: list[Flask],
        tmp_path: Path) -> None:
    """The form carries the pack the page was shown in: its save, after the portal reloaded with
    version 2, is not recorded as answered in version 2 alone."""
    parent = Parent(app.test_client(), _polish_parent(app, clock))
    parent.start()
    parent.answer(1, first_options(parent.client.get("/q/1").text))
    shown = parent.client.get("/q/2").text  # version 1 on the phone's screen
    _install_version_2(runner, tmp_path)
    reloaded = _restarted(restart, environ, tmp_path, clock)
    again = Parent(reloaded.test_client(), parent.token)
    again.start()
    shown_in = hidden_fields(shown, "/q/2")["pack"]
    sent = again.post("/q/2", {**first_options(shown), "go": "next", "pack": shown_in})
    assert sent.location.endswith("/q/3")
    language, version, _hash, mixed = _kept(reloaded)["phq9"]
    assert (language, version, mixed) == ("pl", "2", True)


def test_a_draft_saved_before_packs_were_kept_per_save_is_marked_mixed_at_submit(
        app: Flask, clock: Clock, packs: Path) -> None:
    """Before revision 0012 a draft's pack was left empty until the submit: which version its pages were
    shown in is unknown, so it is not passed off as answered in the version served at submit."""
    parent = Parent(app.test_client(), _polish_parent(app, clock))
    parent.answer_everything()
    with app.app_context():
        db.session.execute(update(Response).values(pack_version=None, pack_hash=None))
        db.session.commit()
    assert parent.submit().status_code == 303
    kept = _kept(app)
    assert kept["who5"] == ("pl", "1", read_pack(packs / "who5.pl.yaml").hash, True)
    assert kept["gad7"] == ("en", None, None, False)


V1, V2 = ("1", "a" * 16), ("2", "b" * 16)


def _draft(pack: tuple[str, str] | None, mixed: bool = False) -> Draft:
    version, hash_ = pack or (None, None)
    return Draft(1, "phq9", {}, "pl", "web", None, "draft", 0, version, hash_, mixed)


@pytest.mark.parametrize(("draft", "shown", "elsewhere", "written"), [
    (None, V1, False, {"pack_version": "1", "pack_hash": "a" * 16, "pack_mixed": False}),
    (None, None, False, {"pack_version": None, "pack_hash": None, "pack_mixed": False}),
    (None, V2, True, {"pack_version": "2", "pack_hash": "b" * 16, "pack_mixed": True}),
    (_draft(V1), V1, False, {"pack_mixed": False}),
    (_draft(V1), V2, False, {"pack_mixed": True}),  # a new version installed between two saves
    (_draft(V1), None, False, {"pack_mixed": True}),  # the parent chose the instrument's own text
    (_draft(None), V1, False, {"pack_mixed": True}),  # own text first, then a pack (or a draft from before)
    (_draft(V1, mixed=True), V1, False, {"pack_mixed": True}),  # once mixed, always mixed
    (_draft(V1), V1, True, {"pack_mixed": True}),
])
def test_the_rule_each_save_applies(draft: Draft | None, shown: tuple[str, str] | None, elsewhere: bool,
                                    written: dict[str, object]) -> None:
    assert shown_pack(draft, shown, elsewhere) == written
