"""Scored and ready: band and flag columns with value labels, dates and ages, mode and language per
instrument, and the family file; read back from .sav, .dta and Parquet as an analyst's software does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import db
from portal.families.models import Invitation, Respondent
from portal.measures import age_in_months, score
from tests.exports.conftest import Seeded

pytestmark = pytest.mark.databases
BIRTH_MONTH = dt.date(2018, 5, 1)  # the builder's child
PHQ9_BANDS = {0.0: "in no band", 1.0: "minimal", 2.0: "mild", 3.0: "moderate", 4.0: "moderately_severe",
              5.0: "severe", -9.0: "not answered", -8.0: "not shown", -7.0: "no response at this wave"}


def export(runner: FlaskCliRunner, out: Path, fmt: str, layout: str = "wide") -> Path:
    result = runner.invoke(args=["export", "--format", fmt, "--layout", layout, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def row_of(frame: pd.DataFrame, respondent: str) -> pd.Series:
    return frame.loc[frame["respondent_id"] == respondent].iloc[0]


def test_bands_and_flags_are_labelled_columns_that_agree_with_the_engine(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    out = export(runner, tmp_path, "sav")
    frame, meta = pyreadstat.read_sav(str(out / "family-partner_wide.sav"), user_missing=True)
    assert meta.variable_value_labels["T0_phq9_total_band"] == PHQ9_BANDS
    assert meta.variable_value_labels["T0_phq9_flag_item9_positive"][1.0] == "raised"
    assert meta.variable_value_labels["T0_who5_raw_band"][0.0] == "not low"
    assert meta.variable_value_labels["T0_psc17_total_band"][1.0] == "positive"
    flag_label = meta.column_names_to_labels["T0_phq9_flag_item9_positive"]
    assert flag_label == "T0 phq9 flag item9_positive (phq9_9 > 0)"
    catalogue = app.extensions["portal.instruments"]
    checked = 0
    for (respondent, wave, instrument_id), answers in seeded.answers.items():
        row = row_of(frame, respondent)
        if pd.isna(row[f"{wave}_completed_at"]):
            continue  # a draft: no data
        instrument = catalogue[instrument_id]
        result = score(instrument, answers)
        for scale in instrument.scales:
            if scale.bands:
                labels = meta.variable_value_labels[f"{wave}_{instrument_id}_{scale.id}_band"]
                code = row[f"{wave}_{instrument_id}_{scale.id}_band"]
                expected = result.bands[scale.id] or labels[0.0]
                assert labels[code] == (expected if result.scores[scale.id] is not None else "not answered")
                checked += 1
        for flag in instrument.flags:
            assert row[f"{wave}_{instrument_id}_flag_{flag.id}"] == int(result.flags[flag.id])
    assert checked > 10
    skipped = row_of(frame, seeded.respondents["two"][0])  # who5_5 left blank: no score, no band
    assert skipped["T0_who5_raw"] == -9 and skipped["T0_who5_raw_band"] == -9
    draft = row_of(frame, seeded.respondents["three"][0])
    assert draft["T0_phq9_total_band"] == -7 and draft["T0_phq9_flag_item9_positive"] == -7


def test_dates_ages_mode_and_language_are_columns(
    app: Flask, runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    frame, meta = pyreadstat.read_dta(str(export(runner, tmp_path, "dta") / "family-partner_wide.dta"))
    mother, father = seeded.respondents["one"]
    with app.app_context():
        person = db.session.scalars(select(Respondent).filter_by(pseudonym=mother)).one()
        own = select(Invitation).filter_by(respondent_id=person.id)
        invitations = {i.wave: i for i in db.session.scalars(own)}
        baseline = person.family.baseline_date
        zone = app.extensions["portal.protocol"].timezone
        t1 = invitations["T1"]
        expected_days = ((t1.completed_at.astimezone(zone).date() - t1.opens_at.astimezone(zone).date()).days)
        ages = {wave: age_in_months(BIRTH_MONTH, i.due_date) for wave, i in invitations.items()}
    row = row_of(frame, mother)
    assert row["baseline_month"] == baseline.strftime("%Y-%m") and "baseline_date" not in frame.columns
    assert {wave: row[f"{wave}_child_age_months"] for wave in ages} == ages
    assert row["T1_days_open_to_submit"] == expected_days and expected_days > 0
    assert pd.isna(row["T2_days_open_to_submit"])  # .c in Stata: no response at this wave
    assert meta.variable_value_labels["T0_phq9_total_band"]["c"] == "no response at this wave"
    assert (row["T1_who5_mode"], row["T1_who5_language"], row["T0_who5_mode"]) == ("interview", "nb", "web")
    assert row_of(frame, father)["T0_gad7_language"] == "ar"
    assert meta.column_names_to_labels["T0_child_age_months"].startswith("T0 child's age in whole months")


def test_the_family_file_has_one_row_per_family_with_each_respondents_completion(
    runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    out = export(runner, tmp_path, "sav", layout="long")
    frame, meta = pyreadstat.read_sav(str(out / "family-partner_families.sav"), user_missing=True)
    assert sorted(frame["family_id"]) == sorted(seeded.families.values())
    rows = {key: frame.loc[frame["family_id"] == family].iloc[0] for key, family in seeded.families.items()}
    assert set(frame["arm"]) == {"A", "B"}  # blinded like the respondent file
    one = rows["one"]
    assert one["respondents"] == 2
    assert {one["respondent1_id"], one["respondent2_id"]} == set(seeded.respondents["one"])
    mother = 1 if one["respondent1_id"] == seeded.respondents["one"][0] else 2  # in pseudonym order
    assert one[f"respondent{mother}_role"] == "mother"
    assert one["T0_completed_respondents"] == 2 and one["T1_completed_respondents"] == 1
    assert one[f"respondent{mother}_T1_completed"] == 1 and one[f"respondent{3 - mother}_T1_completed"] == 0
    assert rows["three"]["respondent1_T0_completed"] == 0  # a draft is not a completion
    assert rows["two"]["respondent2_id"] == "" and rows["two"]["respondent2_T0_completed"] == -8
    assert meta.variable_value_labels["respondent1_T0_completed"][1.0] == "completed"
    assert rows["one"]["child_age_months"] == age_in_months(BIRTH_MONTH, dt.date(2026, 9, 1))
    book = json.loads((out / "codebook.json").read_text())
    assert book["family_file"]["rows"] == 3
    assert "respondent1_T0_completed" in {v["name"] for v in book["family_file"]["variables"]}
    assert {"T0_completed_respondents", "respondent2_role"} <= {
        v["name"] for v in book["family_file"]["variables"]}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["family_rows"] == 3 and "family-partner_families.sav" in manifest["files"]


def test_parquet_carries_band_levels_and_the_codebook_describes_them(
    runner: FlaskCliRunner, seeded: Seeded, tmp_path: Path
) -> None:
    out = export(runner, tmp_path, "parquet", layout="long")
    field = pq.read_schema(out / "family-partner_long.parquet").field("phq9_total_band")
    assert json.loads(field.metadata[b"value_labels"])["4"] == "moderately_severe"
    book = json.loads((out / "codebook.json").read_text())
    band = next(v for v in book["variables"] if v["name"] == "gad7_total_band")
    assert band["values"] == {"0": "in no band", "1": "minimal", "2": "mild", "3": "moderate", "4": "severe"}
    assert band["measure"] == "ordinal" and band["missing_codes"] is True
    families = pq.read_schema(out / "family-partner_families.parquet")
    completed = families.field("respondent1_T0_completed").metadata[b"value_labels"]
    assert json.loads(completed)["0"] == "not completed"
