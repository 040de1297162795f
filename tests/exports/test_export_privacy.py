"""No export holds a name, phone or e-mail; blinded exports hold no true arm; unblinding is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal import registry
from portal.audit import AuditEvent, verify
from portal.db import db
from tests.exports.conftest import ARMS, IDENTITIES, Seeded

pytestmark = pytest.mark.databases
FORMATS = ("csv", "sav", "dta", "parquet")


def read_cells(path: Path) -> str:
    """Every cell and label of a data file, as text."""
    if path.suffix == ".sav":
        frame, meta = pyreadstat.read_sav(str(path))
        values = {k: list(v.values()) for k, v in meta.variable_value_labels.items()}
        labels = json.dumps([meta.column_labels, values])
    elif path.suffix == ".dta":
        frame, meta = pyreadstat.read_dta(str(path))
        labels = json.dumps(meta.column_labels)
    elif path.suffix == ".parquet":
        frame, labels = pd.read_parquet(path), ""
    else:
        frame, labels = pd.read_csv(path, dtype=str, keep_default_na=False), ""
    return frame.astype(str).to_csv() + labels


def export_all(runner: FlaskCliRunner, root: Path, *flags: str) -> list[Path]:
    files: list[Path] = []
    for layout in ("wide", "long", "retention"):
        for fmt in FORMATS:
            out = root / f"{layout}-{fmt}"
            args = ["export", "--format", fmt, "--layout", layout, "--out", str(out), *flags]
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            files += sorted(out.iterdir())
    return files


def texts(files: list[Path]) -> list[tuple[Path, str]]:
    found = []
    for path in files:
        raw = path.read_bytes().decode("utf-8", errors="replace")
        decoded = read_cells(path) if path.stem.startswith("family-partner_") else ""
        found.append((path, raw + decoded))
    return found


def test_no_export_file_or_codebook_holds_a_name_phone_or_email(
    runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    files = export_all(runner, tmp_path)
    assert any(seeded.families["one"] in text for _, text in texts(files))  # the files are real
    for path, text in texts(files):
        for secret in [*IDENTITIES, "92345678", "Fjellheim", "Kowalska", "Warsame"]:
            assert secret.lower() not in text.lower(), f"{secret} found in {path.name}"


def test_blinded_exports_hold_no_true_arm_and_keep_their_letters(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    files = export_all(runner, tmp_path, "--blind")
    for path, text in texts(files):
        for arm in ARMS:
            assert arm not in text, f"{arm} found in {path.name}"
    first = pd.read_csv(tmp_path / "wide-csv" / "family-partner_wide.csv")
    again = tmp_path / "again"
    assert runner.invoke(args=["export", "--format", "csv", "--blind", "--out", str(again)]).exit_code == 0
    second = pd.read_csv(again / "family-partner_wide.csv")
    assert set(first["arm"]) == {"A", "B"} and list(first["arm"]) == list(second["arm"])
    families = first.groupby("family_id")["arm"].nunique()
    assert (families == 1).all()  # one family, one letter


def test_unblinding_needs_confirmation_and_is_audited(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    refused = runner.invoke(args=["blinding", "show"])
    assert refused.exit_code == 2 and "--confirm" in refused.output
    assert runner.invoke(args=["export", "--format", "csv", "--blind", "--out", str(tmp_path)]).exit_code == 0
    shown = runner.invoke(args=["blinding", "show", "--confirm"])
    assert shown.exit_code == 0
    mapping = dict(line.split(" = ") for line in shown.output.strip().splitlines())
    assert sorted(mapping.values()) == sorted(ARMS) and sorted(mapping) == ["A", "B"]
    frame = pd.read_csv(tmp_path / "family-partner_wide.csv")
    family_one = frame.loc[frame["family_id"] == seeded.families["one"], "arm"].iloc[0]
    assert mapping[family_one] == ARMS[0]  # the letters stand for the arms the families have
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-2:] == ["export", "unblind"]
        assert verify(db.session, registry.settings().audit_key) is None
