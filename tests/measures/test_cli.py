"""The `flask instruments` commands as coordinators and scripts use them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskCliRunner

from portal.measures import shipped_instrument_dir

BROKEN = Path(__file__).parent / "broken"
RunnerFor = Callable[[list[Path]], FlaskCliRunner]


def test_list_shows_id_version_languages_ages_and_licence(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "list"])
    assert result.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    assert lines["psc17"][1:4] == ["1999", "en", "4-16 years"]
    assert lines["pss"][4].endswith("[permission required]")


def test_check_passes_on_the_shipped_set(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "check"])
    assert result.exit_code == 0
    assert result.output.strip() == "7 instrument files OK"


def test_check_prints_every_problem_and_fails(tmp_path: Path, runner_for: RunnerFor) -> None:
    shutil.copy(BROKEN / "overlapping_codes.yaml", tmp_path)
    shutil.copy(BROKEN / "wrong_type.yaml", tmp_path)
    result = runner_for([tmp_path]).invoke(args=["instruments", "check"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path}/overlapping_codes.yaml:17: item 'tiny_3' has option code 1 more than once",
        f"{tmp_path}/wrong_type.yaml:2: 'version' in the instrument must be a string, "
        "got a number (quote it)",
    ]


def test_score_with_values_in_item_order(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "score", "who5", "--values", "3,3,2,2,2"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "instrument": "who5",
        "version": "1998",
        "scores": {"raw": 12, "percent": 48},
        "answered": {"raw": 5, "percent": 5},
        "bands": {"raw": "low", "percent": None},
        "flags": {},
    }


def test_score_with_an_empty_place_is_a_missing_answer(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "score", "who5", "--values", "3,3,,2,2"])
    assert json.loads(result.output)["scores"] == {"raw": None, "percent": None}


def test_score_reads_json_from_stdin(runner: FlaskCliRunner) -> None:
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}
    result = runner.invoke(args=["instruments", "score", "phq9"], input=json.dumps(answers))
    output = json.loads(result.output)
    assert output["scores"] == {"total": 9}
    assert output["bands"] == {"total": "mild"}
    assert output["flags"] == {"item9_positive": True}


def _error_line(runner: FlaskCliRunner, args: list[str], stdin: str | None = None) -> str:
    result = runner.invoke(args=["instruments", *args], input=stdin)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.output.strip().splitlines()[-1]


def test_bad_input_gives_one_clear_line(runner: FlaskCliRunner) -> None:
    assert _error_line(runner, ["score", "sdq", "--values", "1"]) == (
        "Error: unknown instrument 'sdq' (known: apq9, gad7, phq9, psc17, pss, trust, who5)"
    )
    assert _error_line(runner, ["score", "who5", "--values", "3,x,3,3,3"]) == (
        "Error: --values place 2 (who5_2) is 'x', not a whole-number code"
    )
    assert _error_line(runner, ["score", "who5", "--values", "3,3"]) == (
        "Error: --values has 2 places but who5 has 5 items"
    )
    assert _error_line(runner, ["score", "who5"], stdin="{not json") == (
        "Error: stdin is not valid JSON: Expecting property name enclosed in double quotes (line 1)"
    )
    assert _error_line(runner, ["score", "who5"], stdin="[3, 3]") == (
        'Error: stdin must hold a JSON object like {"who5_1": 3}'
    )


def test_a_broken_folder_stops_scoring_with_a_pointer_to_check(tmp_path: Path, runner_for: RunnerFor) -> None:
    shutil.copy(BROKEN / "wrong_type.yaml", tmp_path)
    runner = runner_for([shipped_instrument_dir(), tmp_path])
    line = _error_line(runner, ["score", "who5", "--values", "1,1,1,1,1"])
    assert line.startswith("Error: ") and line.endswith("run 'instruments check' for all problems")


def test_every_command_has_help(runner: FlaskCliRunner) -> None:
    for command in ("list", "check", "score", "export-redcap", "import-redcap"):
        result = runner.invoke(args=["instruments", command, "--help"])
        assert result.exit_code == 0
        assert len(result.output.splitlines()[2].strip()) > 10
