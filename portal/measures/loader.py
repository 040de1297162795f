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
from .pack_files import is_pack_file, pack_problems, read_pack
from .packs import Pack, apply_pack
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

    def __init__(self, instruments: Mapping[str, Instrument], paths: Mapping[str, Path],
                 packs: Mapping[tuple[str, str], Pack] | None = None,
                 own: Mapping[str, Instrument] | None = None) -> None:
        self._instruments = dict(instruments)
        # each instrument as its own file defines it, before any pack added a language
        self.own: dict[str, Instrument] = dict(own if own is not None else instruments)
        self.paths: dict[str, Path] = dict(paths)
        self.packs: dict[tuple[str, str], Pack] = dict(packs or {})  # (instrument, language) -> pack

    def pack(self, instrument_id: str, language: str) -> Pack | None:
        """The pack an instrument's text in `language` comes from; None for its own (shipped) text."""
        return self.packs.get((instrument_id, language))

    def __getitem__(self, key: str) -> Instrument:
        return self._instruments[key]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._instruments))

    def __len__(self) -> int:
        return len(self._instruments)


def definition_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        found = Path(folder).iterdir()
        files.extend(sorted(p for p in found if p.suffix in SUFFIXES and not is_pack_file(p)))
    return files


def pack_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        files.extend(sorted(p for p in Path(folder).iterdir() if p.suffix in SUFFIXES and is_pack_file(p)))
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
    packs = _packs([d for d in dirs if Path(d).is_dir()], instruments, problems)
    if problems:
        raise InstrumentError(problems)
    with_packs = dict(instruments)
    for (instrument_id, _lang), pack in packs.items():
        with_packs[instrument_id] = apply_pack(with_packs[instrument_id], pack)
    return Catalogue(with_packs, paths, packs, own=instruments)


def _packs(dirs: Sequence[Path], instruments: Mapping[str, Instrument],
           problems: list[Problem]) -> dict[tuple[str, str], Pack]:
    """Every sound pack by (instrument, language); the problems of the others go to `problems`."""
    packs: dict[tuple[str, str], Pack] = {}
    for path in pack_files(dirs):
        try:
            pack = read_pack(path)
        except InstrumentError as error:
            problems.extend(error.problems)
            continue
        found = pack_problems(pack, instruments, path)
        key = (pack.instrument, pack.language)
        if key in packs:
            first = packs[key].file
            found.append(Problem(pack.file, 1, f"a pack for {key[0]} in {key[1]} is already in {first}"))
        problems.extend(found)
        if not found:
            packs[key] = pack
    return packs


def shipped_instrument_dir() -> Path:
    return DATA_ROOT / "instruments"


def default_instrument_dirs(extra: str | None) -> list[Path]:
    """The shipped folder, then each folder in `extra` (PORTAL_INSTRUMENTS_PATH)."""
    dirs = [shipped_instrument_dir()]
    for part in (extra or "").split(os.pathsep):
        if part.strip():
            dirs.append(Path(part.strip()).expanduser())
    return dirs
