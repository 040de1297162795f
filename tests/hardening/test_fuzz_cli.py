"""Fuzzing the commands: a clear message or a result, never a traceback or half the data.

`enrol --csv`, `instruments import-redcap`, `restore --from` and the study file (PORTAL_STUDY_FILE)
get random bytes, byte-order marks, wrong encodings, huge lines and nearly-right files. The
coordinator's commands `calls`, `attempt` and `resend` get garbage arguments, among them a parent's
own name, phone, e-mail or link typed in the wrong place: one line of error, nothing repeated.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from portal import create_app
from portal.config import ConfigError
from portal.measures import redcap as rc
from portal.staff.intake import COLUMNS
from tests.conftest import TEST_KEYS, Clock
from tests.hardening.conftest import FUZZ, NASTY, Huge, no_leak, table_counts
from tests.support.builders import Enrolled, enrol_family

pytestmark = pytest.mark.databases
ROOT = Path(__file__).resolve().parents[2]
_files = itertools.count()

ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-32", "ascii"])
CELL = st.one_of(NASTY, st.sampled_from(["larvik", "nb", "mother", "Kari", "+4791234567", "2019-05", "v1",
                                         "family_partner", "", "a@b.example", '"', "\r\n", ";", ","]))


def _file(tmp_path: Path, data: bytes, suffix: str = ".csv") -> str:
    path = tmp_path / f"fuzz-{next(_files)}{suffix}"
    path.write_bytes(data)
    return str(path)


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace") if encoding != "ascii" else text.encode("ascii", "replace")


def _table(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def nearly_csv(draw: st.DrawFn, header: list[str]) -> bytes:
    """A table with the expected header (sometimes mangled), hostile cells, any encoding and delimiter."""
    names = draw(st.one_of(st.just(header), st.permutations(header), st.lists(CELL, max_size=12)))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 2), max_size=6))
    text = _table(list(names), rows, draw(st.sampled_from([",", ";", "\t"])))
    data = _encoded(text, draw(ENCODINGS))
    return draw(st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])) + data


class Long(bytes):
    """A file with one huge line that prints short in a failing example."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: {bytes(self[:40])!r}...>"


FILES = {
    "enrol": st.one_of(st.binary(max_size=600), nearly_csv(list(COLUMNS)),
                       st.just(Long(",".join(COLUMNS).encode() + b"\n" + b"x" * 300_000 + b"\n"))),
    "redcap": st.one_of(st.binary(max_size=600), nearly_csv(list(rc.COLUMNS)),
                        st.just(Long(",".join(rc.COLUMNS).encode() + b"\n" + b"y" * 300_000))),
}


def _refused_cleanly(result: Result) -> None:
    """Exit 0 with a result, or a message and exit 1/2: never an exception escaping the command."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    no_leak(result.output)
    assert len(result.output) < 200_000  # a message, not the file read back


GOOD_ROW = "f1,larvik,nb,mother,Kari,+4791234567,,2019-05,v1\x00x,family_partner"


@FUZZ
@given(data=FILES["enrol"])
@example(data=(",".join(COLUMNS) + "\n" + GOOD_ROW + "\n").encode())  # a NUL that reached PostgreSQL
def test_enrol_csv_saves_every_family_or_none(app: Flask, tmp_path: Path, data: bytes) -> None:
    before = table_counts(app)
    result = app.test_cli_runner().invoke(args=["enrol", "--csv", _file(tmp_path, data)])
    _refused_cleanly(result)
    if result.exit_code != 0:
        assert "nothing was saved" in result.output or "Error" in result.output
        assert table_counts(app) == before


@FUZZ
@given(data=FILES["redcap"], form=st.one_of(st.none(), NASTY))
def test_import_redcap_reads_anything_without_a_traceback(app: Flask, tmp_path: Path, data: bytes,
                                                          form: str | None) -> None:
    out = tmp_path / "out.yaml"
    args = ["instruments", "import-redcap", _file(tmp_path, data), "--id", "fuzzed", "--out", str(out)]
    result = app.test_cli_runner().invoke(args=[*args, *(["--form", form] if form else [])])
    _refused_cleanly(result)
    if result.exit_code != 0:
        assert not out.exists() or out.stat().st_size > 0  # never an empty or half-written definition


def _garbage_backups() -> st.SearchStrategy[bytes]:
    sqlite_header = b"SQLite format 3\x00"
    return st.one_of(st.binary(max_size=2000), st.binary(max_size=4000).map(lambda b: sqlite_header + b),
                     st.just(b"PGDMP" + b"\x00" * 200), st.just(b""))


@FUZZ
@given(data=_garbage_backups(), store=st.sampled_from(["main", "keystore"]))
def test_restore_from_garbage_changes_nothing(app: Flask, tmp_path: Path, data: bytes, store: str) -> None:
    before = table_counts(app)
    result = app.test_cli_runner().invoke(
        args=["restore", "--from", _file(tmp_path, data, ".bak"), "--store", store, "--yes"]
    )
    _refused_cleanly(result)
    assert result.exit_code != 0
    assert table_counts(app) == before


STUDY = (ROOT / "studies" / "family-partner.yaml").read_text(encoding="utf-8")


@st.composite
def broken_study(draw: st.DrawFn) -> bytes:
    """The real study file cut, spliced with junk, re-encoded, or replaced by random bytes."""
    kind = draw(st.sampled_from(["cut", "splice", "bytes", "encoding", "delete-line"]))
    if kind == "bytes":
        return draw(st.binary(max_size=500))
    lines = STUDY.splitlines(keepends=True)
    if kind == "cut":
        return STUDY[: draw(st.integers(0, len(STUDY) - 1))].encode()
    if kind == "delete-line":
        del lines[draw(st.integers(0, len(lines) - 1))]
        return "".join(lines).encode()
    if kind == "encoding":
        return STUDY.encode(draw(st.sampled_from(["utf-16", "utf-32", "cp037"])))
    at = draw(st.integers(0, len(lines)))
    return "".join([*lines[:at], draw(NASTY) + "\n", *lines[at:]]).encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=25)  # each example builds a whole app
@given(data=broken_study())
def test_a_broken_study_file_stops_the_start_with_one_clear_line(tmp_path: Path, data: bytes) -> None:
    environ = {"PORTAL_ENV": "test", "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/never-opened.sqlite3",
               "PORTAL_STUDY_FILE": _file(tmp_path, data, ".yaml"), **TEST_KEYS}
    try:
        app = create_app({"environ": environ, "instance_path": tmp_path / "i"})
    except ConfigError as error:
        message = str(error.code)
        no_leak(message)
        assert message and len(message) < 2000
    else:
        app.extensions["portal.db"].dispose()  # the change happened to keep the file valid


# The coordinator's commands --------------------------------------------------------------------

PARENT = ("mother", "nb", "Kari Testesen", "+4791111111", "kari@test.example")  # test data only
Argument = tuple[str | None, bool]  # the value (None: left out) and whether the command must refuse it


def _details(family: Enrolled) -> list[str]:
    """What must never come back in a command's output: the parent's name, phone, e-mail and links."""
    return ["Kari", "Testesen", PARENT[3], PARENT[3].removeprefix("+47"), PARENT[4], *family.tokens.values()]


def _argument(
    data: st.DataObject, family: Enrolled, good: str | None, refused: Callable[[str], bool],
    garbage: st.SearchStrategy[str] | None = None,
) -> Argument:
    """The good value, or garbage the command must refuse: hostile text or a detail in the wrong place."""
    if garbage is None:
        misplaced = st.sampled_from(_details(family))  # as likely as all the hostile text together
        garbage = st.booleans().flatmap(lambda detail: misplaced if detail else NASTY).filter(refused)
    return data.draw(st.one_of(st.just((good, False)), garbage.map(lambda value: (value, True))))


def _bad_notes(family: Enrolled) -> st.SearchStrategy[str]:
    """Notes an attempt refuses: too long, or holding the parent's name, phone or e-mail."""
    person = st.sampled_from(_details(family)[:5])
    return st.one_of(st.integers(201, 30_000).map(Huge), st.tuples(NASTY, person, NASTY).map(" ".join))


def _not_moment(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return True
    return False


def _not_in(*good: str) -> Callable[[str], bool]:
    return lambda value: value not in good


def _invoke_refused(app: Flask, family: Enrolled, args: list[str], options: dict[str, Argument]) -> None:
    """Run a command with at least one refused argument: one line of error and nothing written."""
    given = [part for option, (value, _) in options.items() if value is not None for part in (option, value)]
    before = table_counts(app)
    result = app.test_cli_runner().invoke(args=[*args, *given])
    _refused_cleanly(result)
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and result.output.rstrip().endswith(errors[0]), result.output
    shown = result.output.lower()
    assert not [d for d in _details(family) if d.lower() in shown], result.output
    assert table_counts(app) == before


@pytest.fixture
def family(app: Flask, clock: Clock) -> Enrolled:
    return enrol_family(app, now=clock.now, people=[PARENT])


@FUZZ
@given(data=st.data())
def test_calls_refuses_garbage_without_listing_anyone(
    app: Flask, family: Enrolled, data: st.DataObject
) -> None:
    options = {
        "--site": _argument(data, family, None, _not_in("larvik", "lillehammer")),
        "--days": _argument(data, family, None, lambda v: not (v.strip().lstrip("+-").isdigit()
                                                              and 0 <= int(v) <= 366)),
        "--format": _argument(data, family, None, _not_in("text", "csv")),
        "--now": _argument(data, family, None, _not_moment),
    }
    assume(any(refused for _, refused in options.values()))
    _invoke_refused(app, family, ["calls"], options)


@FUZZ
@given(data=st.data())
def test_attempt_refuses_garbage_and_records_nothing(
    app: Flask, clock: Clock, family: Enrolled, data: st.DataObject
) -> None:
    respondent = _argument(data, family, family.respondents[0], _not_in(family.respondents[0]))
    options = {
        "--wave": _argument(data, family, "T0", lambda v: v.strip().upper() != "T0"),
        "--channel": _argument(data, family, "phone", _not_in("phone", "sms-by-hand", "letter")),
        "--outcome": _argument(data, family, "no-answer", _not_in("no-answer", "declines", "will-answer")),
        "--note": _argument(data, family, None, lambda _: True, _bad_notes(family)),
        "--now": _argument(data, family, clock.now.isoformat(), _not_moment),
    }
    assume(respondent[1] or any(refused for _, refused in options.values()))
    _invoke_refused(app, family, ["attempt", str(respondent[0])], options)


@FUZZ
@given(data=st.data())
def test_resend_refuses_garbage_and_queues_nothing(
    app: Flask, clock: Clock, family: Enrolled, data: st.DataObject
) -> None:
    respondent = _argument(data, family, family.respondents[0], _not_in(family.respondents[0]))
    options = {
        "--wave": _argument(data, family, "T0", lambda v: v.strip().upper() != "T0"),
        "--channel": _argument(data, family, "email", _not_in("sms", "email")),
        "--now": _argument(data, family, clock.now.isoformat(), _not_moment),
    }
    assume(respondent[1] or any(refused for _, refused in options.values()))
    _invoke_refused(app, family, ["resend", str(respondent[0])], options)
