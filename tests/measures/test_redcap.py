"""REDCap data dictionaries: export, import, and what an import cannot carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from portal.measures import Catalogue, Item, parse_instrument
from portal.measures.redcap import RedcapError, export_dictionary
from portal.measures.redcap_import import import_dictionary

DATA = Path(__file__).parent / "data"
SHIPPED_IDS = ["apq9", "gad7", "phq9", "psc17", "pss", "trust", "who5"]


def english_only(item: Item) -> tuple[object, ...]:
    return (
        item.id,
        item.type,
        item.text["en"],
        item.reverse,
        item.required,
        item.min,
        item.max,
        item.max_length,
        tuple((o.code, o.label["en"]) for o in item.options),
    )


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_round_trip_gives_back_the_items(catalogue: Catalogue, instrument_id: str) -> None:
    original = catalogue[instrument_id]
    result = import_dictionary(export_dictionary(original), instrument_id)
    imported = parse_instrument(result.yaml_text, f"{instrument_id}.yaml")
    keyed = [english_only(i) for i in original.items]
    assert [english_only(i) for i in imported.items] == [
        (*row[:3], False, *row[4:])
        for row in keyed  # reverse keying is not in REDCap
    ]
    assert imported.instructions["en"] == original.instructions["en"]


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_round_trip_with_template_gives_back_the_definition(catalogue: Catalogue, instrument_id: str) -> None:
    original = catalogue[instrument_id]
    template = catalogue.paths[instrument_id]
    result = import_dictionary(export_dictionary(original), instrument_id, template=template)
    imported = parse_instrument(result.yaml_text, f"{instrument_id}.yaml")
    assert imported.items == original.items
    assert imported.scales == original.scales
    assert imported.flags == original.flags
    assert (imported.licence, imported.permission) == (original.licence, original.permission)
    assert [e.name for e in imported.examples] == [e.name for e in original.examples]


def test_import_reports_calc_fields_and_branching_logic() -> None:
    result = import_dictionary((DATA / "redcap_with_calc.csv").read_text(), "mood")
    instrument = parse_instrument(result.yaml_text, "mood.yaml")
    assert [(i.id, i.type) for i in instrument.items] == [
        ("mood_1", "likert"),
        ("mood_2", "likert"),
        ("mood_visits", "number"),
        ("mood_seen", "yesno"),
        ("mood_when", "date"),
        ("mood_note", "text"),
    ]
    assert instrument.item("mood_visits").max == 20
    assert instrument.item("mood_note").max_length == 200
    assert instrument.permission == "required"
    assert result.not_carried[:3] == [
        "line 4, field 'mood_visits': branching logic [[mood_1] = '2'] (item kept)",
        "line 6, field 'mood_when': branching logic [[mood_seen] = '1'] (item kept)",
        "line 8, field 'mood_total': calculation [[mood_1] + [mood_2]] (field left out)",
    ]
    assert result.not_carried[3].startswith("REDCap has no title, licence, source")


def test_bad_csv_is_refused_with_a_reason() -> None:
    with pytest.raises(RedcapError, match="the CSV has no 'Variable / Field Name' column"):
        import_dictionary("name,label\nx,y\n", "x")
    bad_choice = (DATA / "redcap_with_calc.csv").read_text().replace("0, Never | 1", "a, Never | 1")
    with pytest.raises(RedcapError, match="line 2, field 'mood_1': choice 'a, Never' has no"):
        import_dictionary(bad_choice, "mood")


def test_cli_import_writes_the_definition_and_reports_to_stderr(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "mood.yaml"
    result = runner.invoke(
        args=[
            "instruments",
            "import-redcap",
            str(DATA / "redcap_with_calc.csv"),
            "--id",
            "mood",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0
    assert "not carried: line 8, field 'mood_total': calculation" in result.stderr
    assert parse_instrument(out.read_text(), "mood.yaml").id == "mood"


def test_cli_export_then_import_round_trips(runner: FlaskCliRunner, tmp_path: Path) -> None:
    csv_path = tmp_path / "pss.csv"
    assert runner.invoke(args=["instruments", "export-redcap", "pss", "--out", str(csv_path)]).exit_code == 0
    result = runner.invoke(args=["instruments", "import-redcap", str(csv_path), "--id", "pss"])
    assert result.exit_code == 0
    assert len(parse_instrument(result.stdout, "pss.yaml").items) == 18


def test_cli_import_of_a_bad_csv_is_one_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("hello\n")
    result = runner.invoke(args=["instruments", "import-redcap", str(bad), "--id", "x"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: the CSV has no 'Variable / Field Name' column; is it a REDCap data dictionary?"
    ]


def test_labels_that_look_like_formulas_are_guarded_and_restored() -> None:
    from portal.measures.redcap import guard_cell, unguard_cell

    assert guard_cell("=1+1") == "'=1+1"
    assert unguard_cell(guard_cell("-2 or less")) == "-2 or less"
    assert guard_cell("Never") == "Never"
