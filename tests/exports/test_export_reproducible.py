"""The same export twice gives the same bytes; the manifest and the audit trail account for each export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from tests.conftest import Clock
from tests.exports.conftest import Seeded

pytestmark = pytest.mark.databases


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_same_export_twice_gives_identical_files(
    runner: FlaskCliRunner, seeded: Seeded, clock: Clock, tmp_path: Path, fmt: str
) -> None:
    for name in ("first", "second"):
        args = ["export", "--format", fmt, "--blind", "--out", str(tmp_path / name), "--layout", "long"]
        assert runner.invoke(args=args).exit_code == 0
        clock.advance(hours=1)  # a later run: only the manifest's time may differ
    for file in ("family-partner_long." + fmt, "codebook.json", "codebook.html"):
        assert (tmp_path / "first" / file).read_bytes() == (tmp_path / "second" / file).read_bytes()
    manifests = [json.loads((tmp_path / n / "manifest.json").read_text()) for n in ("first", "second")]
    assert manifests[0]["created_at"] != manifests[1]["created_at"]
    assert manifests[0]["files"] == manifests[1]["files"]


def test_manifest_names_request_versions_rows_and_hashes(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    args = ["export", "--format", "sav", "--waves", "T0", "--instruments", "who5,phq9", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["request"]["waves"] == ["T0"] and manifest["request"]["instruments"] == ["who5", "phq9"]
    assert manifest["created_by"] == "cli" and manifest["rows"] == 4
    assert manifest["instrument_versions"] == {"who5": "1998", "phq9": "1.0"}
    assert manifest["versions_in_data"] == {"who5": ["1998"], "phq9": ["1.0"]}
    for name, facts in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == facts["sha256"]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="export")).one()
    assert event.actor == "cli" and event.details["rows"] == 4
    name = "family-partner_wide.sav"
    assert event.details["files"][name] == manifest["files"][name]["sha256"]
    noted = manifest["audit_head"]
    assert noted["entry"] == event.seq - 1 and noted["hash"] == event.prev_hash  # the head before this export


def test_codebook_gives_sources_licences_and_scoring_rules(
    runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    assert runner.invoke(args=["export", "--format", "csv", "--out", str(out)]).exit_code == 0
    book = json.loads((out / "codebook.json").read_text())
    who5 = next(i for i in book["instruments"] if i["id"] == "who5")
    assert "WHO Collaborating Centre" in who5["source"] and "free of charge" in who5["licence"]
    raw = next(s for s in who5["scales"] if s["id"] == "raw")
    assert raw["items"] == ["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"] and raw["min_answered"] == 5
    assert "low: score < 13" in raw["rule"]
    percent = next(s for s in who5["scales"] if s["id"] == "percent")
    assert "multiplied by 4" in percent["rule"]
    variables = {v["name"]: v for v in book["variables"]}
    item = variables["T0_who5_1"]
    assert item["values"]["5"] == "All of the time" and item["missing_codes"]
    assert any("drafts" in note for note in book["notes"])
    html = (out / "codebook.html").read_text()
    assert "T2_who5_percent" in html and "free of charge" in html and "-8" in html
