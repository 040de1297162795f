"""Blinding from the protocol: with `blinded: true` every export shows letters until an admin has recorded
an unblinding (reason, who, when), which is audited and named in the manifest of each unblinded export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal import registry
from portal.audit import AuditEvent, verify
from portal.db import db
from tests.conftest import Clock, app_on_study, csrf_from, shipped_study
from tests.exports.conftest import ARMS, Seeded, make_user, record_unblinding, seed_study, sign_in

pytestmark = pytest.mark.databases


def export(runner: FlaskCliRunner, out: Path, *flags: str) -> tuple[int, str]:
    result = runner.invoke(args=["export", "--format", "sav", "--out", str(out), *flags])
    return result.exit_code, result.output


def arms_in(out: Path) -> set[str]:
    frame, _ = pyreadstat.read_sav(str(out / "family-partner_wide.sav"))
    return set(frame["arm"])


def actions(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_the_cli_blinds_by_default_and_refuses_true_arms_without_an_unblinding(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    assert export(runner, tmp_path / "default")[0] == 0
    assert arms_in(tmp_path / "default") == {"A", "B"}
    manifest = json.loads((tmp_path / "default" / "manifest.json").read_text())
    assert manifest["blinding"] == {"arm_shown_as": "letters", "study_blinded": True, "unblinding": None}
    code, output = export(runner, tmp_path / "refused", "--unblinded")
    assert code == 2 and "no unblinding is on record" in output and "blinding unblind" in output
    refused = tmp_path / "refused"
    assert not refused.exists() or not any(refused.iterdir())  # nothing half-written


def test_an_unblinding_needs_an_admin_and_a_reason_and_is_audited(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded
) -> None:
    make_user(app, role="analyst", blinded=False, email="analyst@staff.example")
    by_analyst = runner.invoke(args=["blinding", "unblind", "--admin", "analyst@staff.example",
                                     "--reason", "we would like to know"])
    assert by_analyst.exit_code == 2 and "active admin account" in by_analyst.output
    make_user(app, role="admin", blinded=False, email="boss@staff.example")
    terse = runner.invoke(args=["blinding", "unblind", "--admin", "boss@staff.example", "--reason", "ok"])
    assert terse.exit_code == 2 and "reason" in terse.output
    assert [e.action for e in actions(app)].count("unblinding_recorded") == 0
    admin = record_unblinding(app, runner, reason="DSMB asked for arm-level safety tables")
    entry = [e for e in actions(app) if e.action == "unblinding_recorded"][0]
    assert entry.actor == f"staff:{admin}"
    assert entry.details["reason"] == "DSMB asked for arm-level safety tables"


def test_after_the_unblinding_the_cli_exports_true_arms_and_the_manifest_names_the_record(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path, clock: Clock
) -> None:
    admin = record_unblinding(app, runner)
    assert export(runner, tmp_path, "--unblinded")[0] == 0
    assert arms_in(tmp_path) == set(ARMS)
    blinding = json.loads((tmp_path / "manifest.json").read_text())["blinding"]
    assert blinding["arm_shown_as"] == "arm codes" and blinding["study_blinded"] is True
    unblinding = blinding["unblinding"]
    assert (unblinding["reason"], unblinding["recorded_by"]) == ("database locked, analysis plan signed",
                                                                  f"staff:{admin}")
    recorded = [e for e in actions(app) if e.action == "unblinding_recorded"][0]
    assert unblinding["recorded_at"] == recorded.at.isoformat().replace("+00:00", "Z")
    export_entry = [e for e in actions(app) if e.action == "export"][-1]
    assert export_entry.details["unblinding"] == unblinding["id"]
    with app.app_context():
        assert verify(db.session, registry.settings().audit_key) is None


def download(client: FlaskClient, **form: str) -> zipfile.ZipFile:
    page = client.get("/analysis/")
    response = client.post("/analysis/export", data={"csrf_token": csrf_from(page.text), **form})
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.data))


def dta_arms(archive: zipfile.ZipFile, folder: Path) -> set[str]:
    path = folder / "data.dta"
    path.write_bytes(archive.read("family-partner_wide.dta"))
    frame, _ = pyreadstat.read_dta(str(path))
    return set(frame["arm"])


def test_the_web_page_shows_letters_to_everyone_until_the_unblinding_and_then_only_to_blinded_accounts(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, clock: Clock, tmp_path: Path
) -> None:
    open_eyes, blinded = app.test_client(), app.test_client()
    sign_in(open_eyes, make_user(app, role="analyst", blinded=False), clock.now)
    sign_in(blinded, make_user(app, role="analyst", blinded=True), clock.now)
    assert "no unblinding is on record" in open_eyes.get("/analysis/").text
    assert dta_arms(download(open_eyes, format="dta"), tmp_path) == {"A", "B"}
    record_unblinding(app, runner)
    assert 'name="blind"' in open_eyes.get("/analysis/").text
    assert dta_arms(download(open_eyes, format="dta"), tmp_path) == set(ARMS)
    assert dta_arms(download(open_eyes, format="dta", blind="1"), tmp_path) == {"A", "B"}
    assert dta_arms(download(blinded, format="dta"), tmp_path) == {"A", "B"}


def test_a_study_that_is_not_blinded_exports_true_arms_when_asked_without_a_record(
    environ: dict[str, str], tmp_path: Path, clock: Clock
) -> None:
    study = shipped_study().replace("blinded: true", "blinded: false")
    with app_on_study(environ, tmp_path / "open-study", clock, study) as app:
        seed_study(app, clock)
        runner = app.test_cli_runner()
        assert export(runner, tmp_path / "open", "--unblinded")[0] == 0
        assert arms_in(tmp_path / "open") == set(ARMS)
        assert export(runner, tmp_path / "letters")[0] == 0
        assert arms_in(tmp_path / "letters") == {"A", "B"}
