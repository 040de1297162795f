"""Reading definition files and folders of them into a catalogue."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import yaml

from portal.config import DATA_ROOT

from .checks import check_instrument
from .errors import InstrumentError, Problem, display_path
from .model import Instrument
from .reader import Reader
from .schema import build_instrument
from .yamlnodes import LineDict, error_line, error_text, parse

SUFFIXES = (".yaml", ".yml")


def load_instrument(path: Path | str) -> Instrument:
    """Parse, shape-check and cross-check one file; raise with every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(display_path(path), 1, f"cannot read the file: {error}")
        raise InstrumentError([problem]) from None
    return parse_instrument(text, display_path(path))


def parse_instrument(text: str, file_label: str) -> Instrument:
    """Like load_instrument, for definition text that is not (yet) in a file."""
    reader = Reader(file_label)
    try:
        doc = parse(text)
    except yaml.YAMLError as error:
        raise InstrumentError([Problem(reader.file, error_line(error), error_text(error))]) from None
    if not isinstance(doc, LineDict):
        raise InstrumentError([Problem(reader.file, 1, "the file must hold one mapping")])
    instrument = build_instrument(doc, reader)
    check_instrument(doc, instrument, reader)
    if reader.problems:
        raise InstrumentError(sorted(reader.problems, key=lambda problem: problem.line))
    return instrument


class Catalogue(Mapping[str, Instrument]):
    """Instruments by id, remembering the file each came from."""

    def __init__(self, instruments: Mapping[str, Instrument], paths: Mapping[str, Path]) -> None:
        self._instruments = dict(instruments)
        self.paths: dict[str, Path] = dict(paths)

    def __getitem__(self, key: str) -> Instrument:
        return self._instruments[key]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._instruments))

    def __len__(self) -> int:
        return len(self._instruments)


def definition_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        files.extend(sorted(p for p in Path(folder).iterdir() if p.suffix in SUFFIXES))
    return files


def load_catalogue(dirs: Sequence[Path]) -> Catalogue:
    """Every definition in `dirs`; all problems of all files are raised together."""
    problems: list[Problem] = []
    instruments: dict[str, Instrument] = {}
    paths: dict[str, Path] = {}
    for folder in dirs:
        if not Path(folder).is_dir():
            problems.append(Problem(display_path(Path(folder)), 1, "not a folder"))
    for path in definition_files([d for d in dirs if Path(d).is_dir()]):
        try:
            instrument = load_instrument(path)
        except InstrumentError as error:
            problems.extend(error.problems)
            continue
        if instrument.id in instruments:
            first = display_path(paths[instrument.id])
            problems.append(
                Problem(display_path(path), 1, f"id '{instrument.id}' is already defined in {first}")
            )
            continue
        instruments[instrument.id] = instrument
        paths[instrument.id] = path
    if problems:
        raise InstrumentError(problems)
    return Catalogue(instruments, paths)


def shipped_instrument_dir() -> Path:
    return DATA_ROOT / "instruments"


def default_instrument_dirs(extra: str | None) -> list[Path]:
    """The shipped folder, then each folder in `extra` (PORTAL_INSTRUMENTS_PATH)."""
    dirs = [shipped_instrument_dir()]
    for part in (extra or "").split(os.pathsep):
        if part.strip():
            dirs.append(Path(part.strip()).expanduser())
    return dirs
