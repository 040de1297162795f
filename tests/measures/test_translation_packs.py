"""Translation packs as a study team makes them: template -> filled -> import -> check -> list.

Every pack here is test text (tests/support/packs.py), never a translation.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook

from portal.measures import load_catalogue, shipped_instrument_dir
from portal.measures.pack_files import read_pack
from portal.measures.packs import change_refusal, translatable
from tests.support.packs import TEST_TEXT, filled_rows, install_test_pack, marked_text, shipped, write_csv

RunnerFor = Callable[[list[Path]], FlaskCliRunner]


@pytest.fixture
def private(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    return folder


@pytest.fixture
def cli(private: Path, runner_for: RunnerFor) -> FlaskCliRunner:
    return runner_for([shipped_instrument_dir(), private])


def run(cli: FlaskCliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(args=["instruments", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_template_lists_every_string_in_item_order_with_english_and_an_empty_column(
        cli: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "phq9.csv"
    code, _, _ = run(cli, "translation-template", "phq9", "--lang", "pl", "--format", "csv",
                     "--out", str(out))
    assert code == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["id", "what", "max_characters", "en", "pl"]
    strings = [row for row in rows[1:] if not row[0].startswith("about.")]
    phq9 = shipped("phq9")
    item_rows = [row[0] for row in strings if row[0].startswith("item.") and row[0].count(".") == 1]
    assert item_rows == [f"item.{i.id}" for i in phq9.items]
    assert strings[0][3] == phq9.title["en"]
    assert all(row[4] == "" for row in strings)
    # one shared option list is translated once, not once per item
    assert len([row for row in strings if row[0].startswith("options.")]) == len(phq9.items[0].options)
    about = {row[0]: row[4] for row in rows if row[0].startswith("about.")}
    assert about["about.instrument"] == "phq9" and about["about.instrument_version"] == phq9.version


def test_the_xlsx_template_holds_the_same_rows(cli: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "who5.xlsx"
    code, _, _ = run(cli, "translation-template", "who5", "--lang", "ar", "--format", "xlsx",
                     "--out", str(out))
    assert code == 0
    sheet = load_workbook(out).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["id", "what", "max_characters", "en", "ar"]
    assert [row[0] for row in rows if not row[0].startswith("about.")][1:] == [
        s.key for s in translatable(shipped("who5"))]


def test_template_filled_imported_checked_and_listed(cli: FlaskCliRunner, private: Path,
                                                     tmp_path: Path) -> None:
    filled = write_csv(filled_rows(shipped("who5"), "pl"), tmp_path / "who5-pl.csv")
    code, out, err = run(cli, "translation-import", str(filled), "--lang", "pl")
    assert code == 0, err
    installed, offered = out.splitlines()
    assert installed.startswith(f"installed {private / 'who5.pl.yaml'}: who5 in pl, version 1")
    # the running portal read its packs when it started: the data manager is told how to offer this one
    assert offered.startswith("the running portal does not offer it yet (it reads packs when it starts): "
                              "run `systemctl reload family-portal`")
    code, out, _ = run(cli, "check")
    assert (code, out.splitlines()[0]) == (0, "7 instrument files OK, 1 translation pack OK")
    assert "after installing or changing one, run `systemctl reload family-portal`" in out.splitlines()[1]
    listed = {line.split("\t")[0]: line.split("\t") for line in run(cli, "list")[1].splitlines()}
    assert listed["who5"][2] == "en,pl"
    assert "pl: pack" in listed["who5"][5] and "version 1" in listed["who5"][5]
    assert "checked by Test Checker on 2026-12-01" in listed["who5"][5]
    who5 = load_catalogue([shipped_instrument_dir(), private])["who5"]
    assert who5.offers("pl")
    assert who5.item("who5_3").text["pl"] == marked_text("item.who5_3")
    assert who5.item("who5_3").options[0].label["pl"] == marked_text("options.frequency.5")


def test_the_same_import_from_xlsx(cli: FlaskCliRunner, private: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    for row in filled_rows(shipped("gad7"), "uk"):
        book.active.append(row)
    book.active["E7"] = 2026  # a spreadsheet keeps a typed year as a number
    book.save(tmp_path / "gad7-uk.xlsx")
    code, _, err = run(cli, "translation-import", str(tmp_path / "gad7-uk.xlsx"), "--lang", "uk")
    assert code == 0, err
    assert read_pack(private / "gad7.uk.yaml").source["year"] == "2026"


def _refused(cli: FlaskCliRunner, private: Path, rows: list[list[str]], tmp_path: Path,
             lang: str = "pl") -> tuple[str, str]:
    path = write_csv(rows, tmp_path / "filled.csv")
    code, _, err = run(cli, "translation-import", str(path), "--lang", lang)
    assert code == 1
    assert list(private.iterdir()) == []  # nothing installed
    return err, str(path.name)


def _line_of(rows: list[list[str]], key: str) -> int:
    return next(number for number, row in enumerate(rows, start=1) if row[0] == key)


def test_each_problem_of_the_strings_is_named_by_line_and_item(cli: FlaskCliRunner, private: Path,
                                                               tmp_path: Path) -> None:
    rows = filled_rows(shipped("who5"), "pl")
    lines = {key: _line_of(rows, key) for key in ("item.who5_2", "item.who5_3", "item.who5_4", "title")}
    rows[lines["item.who5_2"] - 1][4] = "  "  # empty
    rows[lines["item.who5_3"] - 1][4] = TEST_TEXT + " x" * 300  # longer than the page allows
    rows[lines["title"] - 1][0] = "item.who5_9"  # an extra string, and so the title is missing
    del rows[lines["item.who5_4"] - 1]  # a missing string
    err, name = _refused(cli, private, rows, tmp_path)
    assert f"{name}:{lines['title']}: item.who5_9: not a string of who5 version 1998 (extra row)" in err
    assert f"{name}:{lines['title']}: title: no row for title" in err
    assert f"{name}:{lines['item.who5_2']}: item who5_2: the pl text is empty" in err
    assert (f"{name}:{lines['item.who5_3']}: item who5_3: the pl text has {len(TEST_TEXT) + 600} characters; "
            "the page allows 400") in err
    assert f"{name}:{lines['item.who5_4']}: item who5_4: no row for item.who5_4" in err
    assert err.rstrip().endswith(f"Error: 5 problems in {name}; nothing installed")


def test_an_option_list_with_the_wrong_number_of_labels_is_refused(cli: FlaskCliRunner, private: Path,
                                                                   tmp_path: Path) -> None:
    rows = filled_rows(shipped("who5"), "pl")
    first = _line_of(rows, "options.frequency.5")
    del rows[_line_of(rows, "options.frequency.0") - 1]
    err, name = _refused(cli, private, rows, tmp_path)
    message = "item who5_1: 5 option labels, the instrument has 6 (codes 5, 4, 3, 2, 1, 0)"
    assert f"{name}:{first}: {message}" in err


def test_about_the_translation_must_be_filled_in(cli: FlaskCliRunner, private: Path, tmp_path: Path) -> None:
    rows = filled_rows(shipped("who5"), "pl", {"about.checked_by": "", "about.checked_on": "1 December"})
    err, name = _refused(cli, private, rows, tmp_path)
    assert f"{name}:{_line_of(rows, 'about.checked_by')}: about.checked_by:" in err
    message = "about.checked_on: write the date as YYYY-MM-DD"
    assert f"{name}:{_line_of(rows, 'about.checked_on')}: {message}" in err


@pytest.mark.parametrize(("change", "lang", "message"), [
    ({"about.instrument": "sdq"}, "pl", "unknown instrument 'sdq' (known: apq9, gad7,"),
    ({}, "xx", "unknown language code 'xx'"),
    ({}, "no", "language 'no' is ambiguous: write 'nb' (Bokmål) or 'nn' (Nynorsk)"),
    ({}, "nb", "filled.csv is a template for 'pl', not for 'nb'"),
    ({"about.instrument_version": "1997"}, "pl",
     "the template is for who5 version 1997, but the installed who5 is version 1998: make a new template"),
])
def test_bad_input_gets_one_clear_line_and_installs_nothing(
        cli: FlaskCliRunner, private: Path, tmp_path: Path, change: dict[str, str], lang: str,
        message: str) -> None:
    rows = filled_rows(shipped("who5"), "pl")
    for row in rows:
        row[4] = change.get(row[0], row[4])
    err, _ = _refused(cli, private, rows, tmp_path, lang=lang)
    assert err.count("\n") == 1 and message in err and err.rstrip().endswith("; nothing installed")


def test_a_file_that_is_not_utf8_gets_one_clear_line(cli: FlaskCliRunner, private: Path,
                                                     tmp_path: Path) -> None:
    path = write_csv(filled_rows(shipped("who5"), "pl"), tmp_path / "latin1.csv")
    path.write_bytes(path.read_bytes().replace("—".encode(), "é".encode("latin-1")))
    code, _, err = run(cli, "translation-import", str(path), "--lang", "pl")
    assert code == 1 and list(private.iterdir()) == []
    assert err.count("\n") == 1 and "is not UTF-8: save the file as 'CSV UTF-8'" in err


def test_template_for_an_unknown_instrument_or_language_is_refused(cli: FlaskCliRunner,
                                                                   tmp_path: Path) -> None:
    out = str(tmp_path / "t.xlsx")
    code, _, err = run(cli, "translation-template", "sdq", "--lang", "pl", "--out", out)
    assert code == 2 and "unknown instrument 'sdq'" in err
    code, _, err = run(cli, "translation-template", "who5", "--lang", "klingon", "--out", out)
    assert code == 2 and "unknown language code 'klingon'" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_import_never_installs_into_the_shipped_folder(runner_for: RunnerFor, tmp_path: Path) -> None:
    filled = write_csv(filled_rows(shipped("who5"), "pl"), tmp_path / "who5-pl.csv")
    result = runner_for([shipped_instrument_dir()]).invoke(
        args=["instruments", "translation-import", str(filled), "--lang", "pl"])
    assert result.exit_code == 2 and "set PORTAL_INSTRUMENTS_PATH or pass --into" in result.stderr
    assert not (shipped_instrument_dir() / "who5.pl.yaml").exists()


def test_check_names_each_problem_of_a_pack(cli: FlaskCliRunner, private: Path) -> None:
    path = install_test_pack(private, "who5", "ar")
    text = path.read_text(encoding="utf-8")
    text = text.replace("direction: rtl", "direction: ltr").replace("  item.who5_2:", "  item.who5_22:")
    path.write_text(text, encoding="utf-8")
    code, _, err = run(cli, "check")
    assert code == 1
    label = str(path)
    assert f"{label}:1: ar is written rtl; the pack says direction 'ltr'" in err
    assert f"{label}:1: item.who5_2: no ar text" in err
    assert f"{label}:1: item.who5_22: 'item.who5_22' is not a string of who5 version 1998" in err


def test_check_refuses_a_pack_for_an_unknown_instrument_or_misnamed(cli: FlaskCliRunner,
                                                                    private: Path) -> None:
    path = install_test_pack(private, "who5", "pl")
    path.rename(private / "who5.uk.yaml")
    stray = install_test_pack(private, "gad7", "pl")
    stray.write_text(stray.read_text(encoding="utf-8").replace("instrument: gad7", "instrument: sdq"),
                     encoding="utf-8")
    code, _, err = run(cli, "check")
    assert code == 1
    assert "who5.uk.yaml:1: a pack for who5 in pl must be named who5.pl.yaml" in err
    assert "gad7.pl.yaml:1: pack for unknown instrument 'sdq'" in err


def test_a_pack_version_is_a_hash_of_its_content_not_of_its_layout(private: Path) -> None:
    path = install_test_pack(private, "who5", "pl")
    first = read_pack(path)
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_pack(path).hash == first.hash
    path.write_text(path.read_text(encoding="utf-8").replace("item.who5_1'", "item.who5_1 changed'"),
                    encoding="utf-8")
    assert read_pack(path).hash != first.hash


def test_changed_text_needs_a_new_version_once_answers_exist(private: Path) -> None:
    current = read_pack(install_test_pack(private, "who5", "pl"))
    changed = dataclasses.replace(current, strings={**current.strings, "title": f"{TEST_TEXT} other"})
    assert change_refusal(current, changed, []) is None  # nobody answered yet
    drafts = [(None, None, 3)]  # answers saved, none submitted yet
    assert "give the changed pack a new version" in (change_refusal(current, changed, drafts) or "")
    kept = [("1", current.hash, 3)]
    assert "give the changed pack a new version" in (change_refusal(None, changed, kept) or "")
    assert change_refusal(current, dataclasses.replace(changed, version="2"), kept) is None
    assert change_refusal(current, current, kept) is None


def test_no_pack_is_shipped() -> None:
    """Instrument text is not ours: no translation pack under instruments/ (see README)."""
    assert [p.name for p in shipped_instrument_dir().iterdir() if p.stem.count(".")] == []


def test_check_refuses_a_pack_in_an_unknown_language_or_not_in_utf8(cli: FlaskCliRunner,
                                                                    private: Path) -> None:
    unknown = install_test_pack(private, "who5", "pl")
    unknown.write_text(unknown.read_text(encoding="utf-8").replace("language: pl", "language: xx"),
                       encoding="utf-8")
    unknown.rename(private / "who5.xx.yaml")
    latin1 = install_test_pack(private, "gad7", "pl")
    latin1.write_bytes(latin1.read_bytes().replace("—".encode(), "é".encode("latin-1")))
    code, _, err = run(cli, "check")
    assert code == 1
    assert "who5.xx.yaml:1: unknown language code 'xx'" in err
    assert "gad7.pl.yaml:1: cannot read the file as UTF-8" in err


def test_the_reload_the_commands_name_makes_gunicorn_read_the_packs_again() -> None:
    """The commands tell the data manager to run `systemctl reload family-portal`: that sends gunicorn
    HUP, whose new workers build the app (and read the pack folders) only when the app is not preloaded."""
    root = Path(__file__).resolve().parents[2]
    unit = (root / "deploy" / "systemd" / "family-portal.service").read_text(encoding="utf-8")
    assert "ExecReload=/bin/kill -s HUP $MAINPID" in unit
    assert "--preload" not in unit
    assert "preload_app" not in (root / "gunicorn.conf.py").read_text(encoding="utf-8")
