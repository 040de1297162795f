"""The pure export core: rows in, cells and files out, without Flask or a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal.exports import layout
from portal.exports.source import Answered, Person, Visit
from portal.exports.spec import Dataset, ExportError, Variable
from portal.exports.variables import Frame
from portal.exports.writers import check_names, guard, stata_value_labels, write_csv
from portal.measures import Instrument, load_catalogue, score, shipped_instrument_dir

UTC = dt.UTC
CATALOGUE = load_catalogue([shipped_instrument_dir()])
WHO5, PHQ9 = CATALOGUE["who5"], CATALOGUE["phq9"]
DAY = dt.datetime(2027, 1, 10, 23, 30, tzinfo=UTC)  # already 11 January in Oslo


def visit(wave: str, asked: tuple[str, ...], answers: dict[str, dict[str, object]] | None) -> Visit:
    done = DAY if answers is not None else None
    responses = tuple(Answered(key, CATALOGUE[key].version, "nb", "web", value)
                      for key, value in (answers or {}).items())
    return Visit(wave, asked, DAY.date(), DAY - dt.timedelta(days=7), DAY + dt.timedelta(days=28),
                 done, done, None, responses)


def person(*visits: Visit) -> Person:
    return Person("FP-AAAA-AAAA", "FP-BBBB-BBBB", "mother", "larvik", "B", dt.date(2027, 1, 1), visits)


def frame(*instruments: Instrument) -> Frame:
    return Frame(("T0", "T1", "T2"), instruments, ZoneInfo("Europe/Oslo"))


def test_wide_cells_say_shown_answered_or_why_not() -> None:
    answers = {"who5_1": 5, "who5_2": "4", "who5_3": 3, "who5_4": None, "who5_5": 2}
    row = layout.wide(frame(WHO5, PHQ9), [person(
        visit("T0", ("who5",), {"who5": answers}),  # phq9 not asked at T0 (say, by age)
        visit("T1", ("who5", "phq9"), None),  # not completed
    )])
    cells = {name: column[0] for name, column in row.columns.items()}
    assert [cells[f"T0_who5_{i}"] for i in range(1, 6)] == [5, 4, 3, -9, 2]  # "4" came from a form post
    assert cells["T0_who5_raw"] == -9 and cells["T0_phq9_1"] == -8 and cells["T0_phq9_total"] == -8
    assert cells["T1_who5_1"] == -7 and cells["T1_phq9_total"] == -7 and cells["T1_in_window"] == -7
    assert cells["T2_who5_1"] == -8 and cells["T2_days_from_baseline"] == -8  # no invitation at all
    assert cells["T0_days_from_baseline"] == 10 and cells["T0_in_window"] == 1  # local date, Oslo
    assert cells["T0_mode"] == "web" and cells["T0_language"] == "nb" and cells["T0_who5_version"] == "1998"


def test_every_score_is_the_engines() -> None:
    rng = random.Random(3)
    for _ in range(200):
        answers = {i.id: rng.choice([*i.codes(), None, 99, "x"]) for i in PHQ9.items}
        row = layout.wide(frame(PHQ9), [person(visit("T0", ("phq9",), {"phq9": answers}))])
        for scale, value in score(PHQ9, answers).scores.items():
            assert row.columns[f"T0_phq9_{scale}"][0] == (-9 if value is None else value)


def test_free_text_items_are_never_exported() -> None:
    items = (*WHO5.items[:4], dataclasses.replace(WHO5.items[4], type="text", options=()))
    texty = dataclasses.replace(WHO5, items=items, scales=())
    data = layout.long(frame(texty), [person(visit("T0", ("who5",), {"who5": {"who5_5": "Kari at NAV"}}))])
    assert "who5_5" not in data.columns and "Kari" not in str(data.columns)


def test_a_score_that_equals_a_missing_code_stops_the_export() -> None:
    scale = dataclasses.replace(WHO5.scales[0], multiply=-1, bands=())
    odd = dataclasses.replace(WHO5, scales=(scale,))
    answers = {"who5": {"who5_1": 5, "who5_2": 4, "who5_3": 0, "who5_4": 0, "who5_5": 0}}
    with pytest.raises(ExportError, match="missing code"):
        layout.wide(frame(odd), [person(visit("T0", ("who5",), answers))])


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+47 900", "-cmd", "@SUM(1)", "\tx", "\rx"])
def test_the_formula_guard_defuses_text_a_spreadsheet_would_run(text: str) -> None:
    assert guard(text) == "'" + text


def test_csv_guards_text_cells_but_not_negative_numbers(tmp_path: Path) -> None:
    variables = [Variable("note", "a text", "string"), Variable("code", "a code", "integer", missing=True)]
    data = Dataset(variables, {"note": ["=HYPERLINK(\"x\")", "plain"], "code": [-9, 3]}, 2)
    write_csv(data, tmp_path / "x.csv")
    written = (tmp_path / "x.csv").read_bytes().decode()
    assert written == 'note,code\r\n"\'=HYPERLINK(""x"")",-9\r\nplain,3\r\n'


def test_names_too_long_for_stata_or_spss_are_refused() -> None:
    stata_too_long = [Variable("T0_" + "x" * 30, "label", "number")]
    check_names(stata_too_long, "sav")
    with pytest.raises(ExportError, match="at most 32 characters"):
        check_names(stata_too_long, "dta")
    with pytest.raises(ExportError, match="at most 64 characters"):
        check_names([Variable("x" * 65, "label", "number")], "sav")
    with pytest.raises(ExportError, match="letters, digits and _"):
        check_names([Variable("T0_who-5", "label", "number")], "sav")


def test_stata_drops_only_missing_labels_of_a_name_too_long_for_a_label_set() -> None:
    long_scale = Variable("T0_apq9_inconsistent_discipline", "s", "number", missing=True)
    labelled = [Variable(f"v{i}", "x", "integer", values={1: "y"}) for i in range(10)]
    labels = stata_value_labels([*labelled, long_scale])
    assert "T0_apq9_inconsistent_discipline" not in labels and len(labels) == 10
    long_item = Variable("T0_" + "x" * 28, "x", "integer", values={1: "yes"})
    with pytest.raises(ExportError, match="shorten the item id"):
        stata_value_labels([*labelled, long_item])
