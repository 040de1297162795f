"""Each format written by `flask export`, read back with pandas and pyreadstat, checked cell by cell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from portal.measures import score
from tests.exports.conftest import Seeded

pytestmark = pytest.mark.databases


def export(runner: FlaskCliRunner, out: Path, *args: str) -> Path:
    result = runner.invoke(args=["export", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    data = [p for p in out.iterdir() if p.stem.startswith("family-partner_") and "families" not in p.stem]
    names = {p.name for p in out.iterdir()}
    assert len(data) == 1 and {"codebook.html", "codebook.json", "manifest.json"} <= names
    assert f"family-partner_families{data[0].suffix}" in names
    return data[0]


def row_of(frame: pd.DataFrame, respondent: str) -> pd.Series:
    return frame.loc[frame["respondent_id"] == respondent].iloc[0]


def test_sav_has_labels_missing_codes_and_every_score_from_the_engine(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    frame, meta = pyreadstat.read_sav(str(export(runner, out, "--format", "sav")), user_missing=True)
    assert meta.missing_ranges["T0_who5_1"] == [{"lo": -9.0, "hi": -9.0}, {"lo": -8.0, "hi": -8.0},
                                                {"lo": -7.0, "hi": -7.0}]
    assert meta.variable_value_labels["T0_who5_1"][5.0] == "All of the time"
    assert meta.variable_value_labels["T0_who5_1"][-8.0] == "not shown"
    assert meta.column_names_to_labels["T0_who5_1"] == "T0 who5: I have felt cheerful and in good spirits"
    catalogue = app.extensions["portal.instruments"]
    for (respondent, wave, instrument_id), answers in seeded.answers.items():
        row = row_of(frame, respondent)
        if row[f"{wave}_completed_at"] is pd.NaT:
            continue  # a draft: checked below
        result = score(catalogue[instrument_id], answers)
        for scale, value in result.scores.items():
            expected = -9 if value is None else value
            assert row[f"{wave}_{instrument_id}_{scale}"] == pytest.approx(expected)
        assert row[f"{wave}_{instrument_id}_version"] == catalogue[instrument_id].version


def test_missing_codes_say_why_a_cell_is_empty(runner: FlaskCliRunner, seeded: Seeded, out: Path) -> None:
    frame = pd.read_csv(export(runner, out, "--format", "csv"))
    skipped = row_of(frame, seeded.respondents["two"][0])
    assert skipped["T0_who5_5"] == -9 and skipped["T0_who5_raw"] == -9  # shown, left blank: no score
    draft_only = row_of(frame, seeded.respondents["three"][0])
    assert draft_only["T0_who5_1"] == -7 and draft_only["T0_in_window"] == -7  # drafts are not data
    assert draft_only["T1_who5_1"] == -7
    interviewed = row_of(frame, seeded.respondents["one"][0])
    assert interviewed["T1_mode"] == "interview" and interviewed["T1_in_window"] == 1
    assert interviewed["T1_days_from_baseline"] == 92


def test_dta_uses_extended_missing_values_with_labels(
    runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    frame, meta = pyreadstat.read_dta(str(export(runner, out, "--format", "dta")), user_missing=True)
    assert max(len(name) for name in frame.columns) <= 32
    assert meta.missing_user_values["T0_who5_5"] == ["a", "c"]  # the codes the column holds
    assert meta.variable_value_labels["T0_who5_1"]["a"] == "not answered"
    assert meta.variable_value_labels["T0_who5_1"][0] == "At no time"
    assert row_of(frame, seeded.respondents["two"][0])["T0_who5_5"] == "a"
    assert row_of(frame, seeded.respondents["three"][0])["T0_who5_1"] == "c"
    plain, _ = pyreadstat.read_dta(str(out / "family-partner_wide.dta"))
    assert pd.isna(row_of(plain, seeded.respondents["three"][0])["T0_who5_1"])


def test_parquet_columns_are_typed_and_labelled(runner: FlaskCliRunner, seeded: Seeded, out: Path) -> None:
    import pyarrow.parquet as pq

    path = export(runner, out, "--format", "parquet")
    schema = pq.read_schema(path)
    assert str(schema.field("T0_who5_1").type) == "int32"
    assert str(schema.field("T0_who5_percent").type) == "double"
    assert str(schema.field("T0_completed_at").type) == "timestamp[us, tz=UTC]"
    assert schema.field("T0_who5_1").metadata[b"label"].decode().startswith("T0 who5:")
    frame = pd.read_parquet(path)
    assert len(frame) == 4 and set(frame["arm"]) == {"A", "B"}  # blinded: the study file says so


def test_long_layout_has_a_row_per_respondent_wave_and_instrument(
    runner: FlaskCliRunner, seeded: Seeded, out: Path
) -> None:
    path = export(runner, out, "--format", "csv", "--layout", "long", "--waves", "T0,T1",
                  "--instruments", "who5,phq9")
    frame = pd.read_csv(path, keep_default_na=False)
    assert len(frame) == 4 * 2 * 2
    first = frame[(frame["respondent_id"] == seeded.respondents["one"][0]) & (frame["wave"] == "T1")]
    assert list(first["instrument"]) == ["who5", "phq9"]
    assert list(first["instrument_version"]) == ["1998", "1.0"]  # who5 1998, phq9 1.0
    who5_row = first[first["instrument"] == "who5"].iloc[0]
    assert who5_row["phq9_1"] == ""  # another instrument's cell in this row


def test_bom_and_formula_guard_in_csv(runner: FlaskCliRunner, seeded: Seeded, out: Path) -> None:
    path = export(runner, out, "--format", "csv", "--bom")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b",-9," in raw or b",-9\r\n" in raw  # negative numbers are numbers, not guarded


def test_bad_requests_get_a_clear_message_and_write_nothing(runner: FlaskCliRunner, out: Path) -> None:
    result = runner.invoke(args=["export", "--out", str(out), "--format", "csv", "--waves", "T9"])
    assert result.exit_code == 2 and "unknown wave T9" in result.output
    result = runner.invoke(args=["export", "--out", str(out), "--format", "csv", "--instruments", "sdq"])
    assert result.exit_code == 2 and "instrument sdq is not asked" in result.output
    assert not out.exists() or list(out.iterdir()) == []
