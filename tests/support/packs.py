"""A translation pack made for the tests only: every string is marked as test text, never a translation.

Built through the real template and import code, so the tests walk the same
path a study team does: template -> filled -> import.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from portal.measures import Instrument, load_catalogue, shipped_instrument_dir
from portal.measures.translation_import import Row, build_pack, pack_yaml
from portal.measures.translation_template import template_rows

TEST_TEXT = "[TEST TEXT — not a translation]"
ABOUT = {
    "about.version": "1",
    "about.publisher": f"{TEST_TEXT} test publisher",
    "about.document": f"{TEST_TEXT} test document",
    "about.year": "2026",
    "about.licence": f"{TEST_TEXT} test licence",
    "about.checked_by": "Test Checker",
    "about.checked_on": "2026-12-01",
}


def marked_text(key: str) -> str:
    """The test pack's text for a string id: marked, and naming the id, never the instrument's words."""
    return f"{TEST_TEXT} {key}"


def shipped(instrument_id: str) -> Instrument:
    return load_catalogue([shipped_instrument_dir()])[instrument_id]


def filled_rows(instrument: Instrument, lang: str, about: Mapping[str, str] | None = None) -> list[list[str]]:
    """The template for `lang` with every empty cell of the language column filled with test text."""
    rows = template_rows(instrument, lang)
    about = {**ABOUT, **(about or {})}
    for row in rows[1:]:
        if row[0].startswith("about."):
            row[4] = row[4] or about.get(row[0], "")
        else:
            row[4] = marked_text(row[0])
    return rows


def write_csv(rows: list[list[str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def install_test_pack(folder: Path, instrument_id: str, lang: str, version: str = "1") -> Path:
    """Write `<instrument>.<lang>.yaml` into `folder` as translation-import would."""
    instrument = shipped(instrument_id)
    rows = filled_rows(instrument, lang, {"about.version": version})
    parsed = [Row(number, row[0], row[4]) for number, row in enumerate(rows[1:], start=2)]
    pack = build_pack(instrument, parsed, lang, "test template")
    path = folder / f"{instrument_id}.{lang}.yaml"
    path.write_text(pack_yaml(pack, Path("test-template.csv")), encoding="utf-8")
    return path


def private_instruments(tmp_path: Path, *packs: tuple[str, str], version: str = "1") -> Path:
    """A study team's private instrument folder with test packs (instrument, language) installed."""
    folder = tmp_path / "private-instruments"
    folder.mkdir()
    for instrument_id, lang in packs:
        install_test_pack(folder, instrument_id, lang, version=version)
    return folder
