"""`instruments check` names the file, the line and the problem for each kind of mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.measures import InstrumentError, load_catalogue, load_instrument

BROKEN = Path(__file__).parent / "broken"

CASES = [
    ("unknown_item_in_scale.yaml", 18, "scale 'total' lists unknown item 'tiny_9'"),
    ("overlapping_codes.yaml", 17, "item 'tiny_3' has option code 1 more than once"),
    ("missing_language.yaml", 17, "item 'tiny_2' has no 'nb' text (languages: en, nb)"),
    (
        "example_not_as_stated.yaml",
        20,
        "example 'both yes': scale 'total' is 2, the file says 3",
    ),
    (
        "malformed.yaml",
        19,
        "malformed YAML: while parsing a flow sequence; expected ',' or ']', but got '<stream end>'",
    ),
    (
        "unknown_key.yaml",
        16,
        "unknown key 'reversed' in item 'tiny_2' (known: id, max, max_length, min, options, "
        "required, reverse, text, type)",
    ),
    ("wrong_type.yaml", 2, "'version' in the instrument must be a string, got a number (quote it)"),
]


@pytest.mark.parametrize(("name", "line", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_file_fails_with_a_precise_message(name: str, line: int, message: str) -> None:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(BROKEN / name)
    problems = caught.value.problems
    assert [(p.line, p.message) for p in problems] == [(line, message)]
    assert str(caught.value).endswith(f"{name}:{line}: {message}")
    assert "\n" not in str(caught.value)


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    text = (BROKEN / "unknown_key.yaml").read_text().replace('version: "1"', "version: 1.0")
    path = tmp_path / "two_problems.yaml"
    path.write_text(text)
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert [p.line for p in caught.value.problems] == [2, 16]
    assert str(caught.value).endswith("(and 1 more)")


def test_yes_and_no_unquoted_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "norway.yaml"
    path.write_text((BROKEN / "overlapping_codes.yaml").read_text().replace('"No"', "No"))
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert caught.value.problems[0].message == (
        "an option of option set 'yn' label in 'en' must be non-empty text, got true/false "
        "(quote it: YAML reads yes/no/on/off as true/false)"
    )


def test_the_same_id_in_two_folders_is_refused(tmp_path: Path) -> None:
    for folder in ("shipped", "private"):
        (tmp_path / folder).mkdir()
        source = (BROKEN / "wrong_type.yaml").read_text().replace("version: 1.0", 'version: "1"')
        (tmp_path / folder / f"{folder}.yaml").write_text(source)
    with pytest.raises(InstrumentError) as caught:
        load_catalogue([tmp_path / "shipped", tmp_path / "private"])
    message = caught.value.problems[0].message
    assert message.startswith("id 'tiny' is already defined in ")
    assert message.endswith("shipped.yaml")


def test_private_folder_adds_instruments(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "wrong_type.yaml", tmp_path / "tiny.yaml")
    text = (tmp_path / "tiny.yaml").read_text().replace("version: 1.0", 'version: "1"')
    (tmp_path / "tiny.yaml").write_text(text)
    from portal.measures import shipped_instrument_dir

    catalogue = load_catalogue([shipped_instrument_dir(), tmp_path])
    assert "tiny" in catalogue and "who5" in catalogue
    assert catalogue.paths["tiny"] == tmp_path / "tiny.yaml"
