"""The translation pack each answer was shown in, per row, in every format: the analyst can tell answers
given in a pack's text (and which version) from answers in the instrument's own text.

The pack is test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from portal.measures.pack_files import read_pack
from tests.conftest import Clock
from tests.exports.conftest import record_unblinding
from tests.respond.conftest import Parent, compiled_catalogues  # noqa: F401 - the pages must be translated
from tests.support.builders import enrol_family
from tests.support.packs import private_instruments

pytestmark = pytest.mark.databases
LABEL = "T0 who5 translation pack version (empty: own text)"


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    return private_instruments(tmp_path, ("who5", "pl"), version="3")


@pytest.fixture
def environ(environ: dict[str, str], packs: Path) -> dict[str, str]:
    return {**environ, "PORTAL_INSTRUMENTS_PATH": str(packs)}


@pytest.fixture
def answered(app: Flask, clock: Clock) -> dict[str, str]:
    """A Polish-speaking mother (who5 from the pack) and an English-speaking one, in the two arms,
    answer their baseline on the parent's pages; respondent pseudonym -> language."""
    languages = {}
    mothers = (("family_partner", "pl", "+4791111115"), ("usual_services", "en", "+4791111116"))
    for arm, language, phone in mothers:
        people = [("mother", language, "Test Parent", phone, None)]
        family = enrol_family(app, now=clock.now, arm=arm, people=people)
        parent = Parent(app.test_client(), family.tokens[f"{family.respondents[0]}/T0"])
        parent.answer_everything()
        assert parent.submit().status_code == 303
        languages[family.respondents[0]] = language
    return languages


def export(runner: FlaskCliRunner, out: Path, fmt: str, *flags: str) -> Path:
    result = runner.invoke(args=["export", "--format", fmt, "--out", str(out), *flags])
    assert result.exit_code == 0, result.output
    return next(p for p in out.iterdir() if p.name.startswith("family-partner_") and "families" not in p.name)


def packs_by_language(frame: pd.DataFrame, answered: dict[str, str], column: str) -> dict[str, str]:
    return {answered[row["respondent_id"]]: row[column] for _, row in frame.iterrows()}


def test_csv_wide_and_long_name_the_pack_version_beside_the_language(
        runner: FlaskCliRunner, answered: dict[str, str], tmp_path: Path) -> None:
    wide = pd.read_csv(export(runner, tmp_path / "wide", "csv"), keep_default_na=False, dtype=str)
    assert packs_by_language(wide, answered, "T0_who5_pack") == {"pl": "3", "en": ""}
    assert packs_by_language(wide, answered, "T0_phq9_pack") == {"pl": "", "en": ""}  # phq9 has no pl pack
    columns = list(wide.columns)
    assert columns.index("T0_who5_pack") == columns.index("T0_who5_language") + 1
    long = pd.read_csv(export(runner, tmp_path / "long", "csv", "--layout", "long", "--waves", "T0"),
                       keep_default_na=False, dtype=str)
    who5 = long[long["instrument"] == "who5"]
    assert packs_by_language(who5, answered, "pack") == {"pl": "3", "en": ""}
    assert list(long.columns).index("pack") == list(long.columns).index("language") + 1
    codebook = json.loads((tmp_path / "long" / "codebook.json").read_text(encoding="utf-8"))
    described = next(v for v in codebook["variables"] if v["name"] == "pack")
    assert described["label"] == "Translation pack version (empty: own text)"
    assert any("_pack (in the long layout: pack)" in note and "'mixed'" in note for note in codebook["notes"])


def test_spss_and_stata_label_the_pack_column(runner: FlaskCliRunner, answered: dict[str, str],
                                              tmp_path: Path) -> None:
    sav, meta = pyreadstat.read_sav(str(export(runner, tmp_path / "sav", "sav")))
    assert meta.column_names_to_labels["T0_who5_pack"] == LABEL
    assert packs_by_language(sav, answered, "T0_who5_pack") == {"pl": "3", "en": ""}
    dta, meta = pyreadstat.read_dta(str(export(runner, tmp_path / "dta", "dta")))
    assert meta.column_names_to_labels["T0_who5_pack"] == LABEL
    assert packs_by_language(dta, answered, "T0_who5_pack") == {"pl": "3", "en": ""}


def test_parquet_carries_the_pack_column_as_labelled_text(runner: FlaskCliRunner, answered: dict[str, str],
                                                          tmp_path: Path) -> None:
    path = export(runner, tmp_path / "parquet", "parquet")
    field = pq.read_schema(path).field("T0_who5_pack")
    assert str(field.type) == "string" and field.metadata[b"label"].decode() == LABEL
    assert packs_by_language(pd.read_parquet(path), answered, "T0_who5_pack") == {"pl": "3", "en": ""}


def test_the_pack_column_leaves_blinding_as_it_was(
        app: Flask, runner: FlaskCliRunner, answered: dict[str, str], packs: Path, tmp_path: Path) -> None:
    """Blinded, the arm shows letters; unblinded, only the arm column changes, not the packs."""
    blinded = pd.read_csv(export(runner, tmp_path / "blinded", "csv"), keep_default_na=False, dtype=str)
    assert set(blinded["arm"]) == {"A", "B"}
    assert not blinded.isin(["family_partner", "usual_services"]).any().any()
    record_unblinding(app, runner)
    unblinded = pd.read_csv(export(runner, tmp_path / "unblinded", "csv", "--unblinded"),
                            keep_default_na=False, dtype=str)
    assert set(unblinded["arm"]) == {"family_partner", "usual_services"}
    pd.testing.assert_frame_equal(blinded.drop(columns="arm"), unblinded.drop(columns="arm"))
    manifest = json.loads((tmp_path / "blinded" / "manifest.json").read_text(encoding="utf-8"))
    used = [(p["instrument"], p["language"], p["version"], p["hash"]) for p in manifest["translation_packs"]]
    assert used == [("who5", "pl", "3", read_pack(packs / "who5.pl.yaml").hash)]
