"""Fuzzing every command that reads a file: a clear message or a result, never a traceback or half the data.

`enrol --csv`, `instruments import-redcap`, `restore --from` and the study file (PORTAL_STUDY_FILE)
get random bytes, byte-order marks, wrong encodings, huge lines and nearly-right files.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal import create_app
from portal.config import ConfigError
from portal.measures import redcap as rc
from portal.staff.intake import COLUMNS
from tests.conftest import TEST_KEYS
from tests.hardening.conftest import FUZZ, NASTY, no_leak, table_counts

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
