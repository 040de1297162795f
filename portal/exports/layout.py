"""Rows in, dataset out: the wide and long layouts. Pure: no Flask, no database.

Every score is recomputed from the stored answers by the scoring engine, so
an export never trusts a number it did not compute.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal.exports.source import Answered, Person, Visit
from portal.exports.spec import NO_RESPONSE, NOT_ANSWERED, NOT_SHOWN, Dataset, ExportError
from portal.exports.variables import (
    OUTSIDE_BANDS,
    Frame,
    band_name,
    exported_items,
    flag_name,
    item_name,
    long_variables,
    scale_name,
    wide_variables,
)
from portal.measures import Flag, Instrument, Item, age_in_months, score
from portal.measures.scoring import code_table

MISSING_CODES = frozenset({NOT_ANSWERED, NOT_SHOWN, NO_RESPONSE})


def wide(frame: Frame, people: Iterable[Person]) -> Dataset:
    """One row per respondent; every wave's and instrument's cells side by side."""
    dataset = Dataset.empty(wide_variables(frame))
    for person in people:
        row = identity(person)
        for wave in frame.waves:
            visit = person.visit(wave)
            row.update(visit_cells(frame, person, visit, f"{wave}_", visit.responses if visit else ()))
            for instrument in frame.instruments:
                row.update(instrument_cells(instrument, visit, f"{wave}_"))
                row.update(answered_cells(instrument, visit, f"{wave}_"))
        dataset.append(row)
    return dataset.finish()


def long(frame: Frame, people: Iterable[Person]) -> Dataset:
    """One row per respondent x wave x instrument the schedule asked; other instruments' cells empty."""
    dataset = Dataset.empty(long_variables(frame))
    for person in people:
        for wave in frame.waves:
            visit = person.visit(wave)
            for instrument in frame.instruments:
                if visit is None or instrument.id not in visit.instruments:
                    continue
                response = visit.response(instrument.id) if visit.completed_at else None
                row = identity(person)
                row.update(wave=wave, instrument=instrument.id)
                row["instrument_version"] = version_of(instrument, visit)
                row.update(visit_cells(frame, person, visit, "", (response,) if response else ()))
                row["pack"] = response.pack if response else ""
                row.update(instrument_cells(instrument, visit, ""))
                dataset.append(row)
    return dataset.finish()


def identity(person: Person) -> dict[str, Any]:
    return {
        "family_id": person.family, "respondent_id": person.respondent,
        "respondent_role": person.role, "site": person.site, "arm": person.arm,
        "baseline_month": person.baseline.strftime("%Y-%m"),
    }


def child_age(person: Person, visit: Visit | None) -> int:
    """Whole months at the wave's due date (a fact of the schedule, answered or not)."""
    if visit is None or person.child_birth_month is None:
        return NOT_SHOWN
    return age_in_months(person.child_birth_month, visit.due_date)


def visit_cells(
    frame: Frame, person: Person, visit: Visit | None, prefix: str, responses: Iterable[Answered]
) -> dict[str, Any]:
    """When, how and in which language; days counted between local dates in the study's zone."""
    age = child_age(person, visit)
    if visit is None or visit.completed_at is None:
        code = NOT_SHOWN if visit is None else NO_RESPONSE
        return {f"{prefix}completed_at": None, f"{prefix}days_from_baseline": code,
                f"{prefix}days_open_to_submit": code, f"{prefix}child_age_months": age, f"{prefix}mode": "",
                f"{prefix}language": "", f"{prefix}in_window": code}
    local_day = visit.completed_at.astimezone(frame.zone).date()
    return {
        f"{prefix}completed_at": visit.completed_at,
        f"{prefix}days_from_baseline": (local_day - person.baseline).days,
        f"{prefix}days_open_to_submit": (local_day - visit.opens_at.astimezone(frame.zone).date()).days,
        f"{prefix}child_age_months": age,
        f"{prefix}mode": _joined(r.mode for r in responses),
        f"{prefix}language": _joined(r.language for r in responses),
        f"{prefix}in_window": int(visit.in_window),
    }


def instrument_cells(instrument: Instrument, visit: Visit | None, prefix: str) -> dict[str, Any]:
    """Raw codes and recomputed scores, or the code that says why they are missing."""
    plan = _plan(instrument)
    if visit is None or instrument.id not in visit.instruments or visit.completed_at is None:
        code = NO_RESPONSE if visit is not None and instrument.id in visit.instruments else NOT_SHOWN
        return {prefix + name: code for name in plan.names}
    response = visit.response(instrument.id)
    answers = response.answers if response else {}
    cells: dict[str, Any] = {
        prefix + name: _item_value(item, table, answers.get(item.id)) for name, item, table in plan.items
    }
    result = score(instrument, answers)
    for name, scale_id in plan.scales:
        cells[prefix + name] = _score_value(instrument, scale_id, result.scores[scale_id])
    for name, scale_id, codes in plan.bands:
        banded = codes.get(result.bands[scale_id] or "", OUTSIDE_BANDS)
        cells[prefix + name] = NOT_ANSWERED if result.scores[scale_id] is None else banded
    for name, flag_id, source in plan.flags:
        basis = cells[prefix + source]
        cells[prefix + name] = basis if basis in MISSING_CODES else int(result.flags[flag_id])
    return cells


def answered_cells(instrument: Instrument, visit: Visit | None, prefix: str) -> dict[str, str]:
    """Version, mode, language and pack of this instrument's response, or "" where there is none."""
    response = visit.response(instrument.id) if visit is not None and visit.completed_at else None
    name = f"{prefix}{instrument.id}"
    if response is None:
        return {f"{name}_version": "", f"{name}_mode": "", f"{name}_language": "", f"{name}_pack": ""}
    return {f"{name}_version": response.version, f"{name}_mode": response.mode,
            f"{name}_language": response.language, f"{name}_pack": response.pack}


def version_of(instrument: Instrument, visit: Visit | None) -> str:
    """The version the respondent answered (it can differ between waves), or ""."""
    response = visit.response(instrument.id) if visit is not None and visit.completed_at else None
    return response.version if response else ""


class _Plan:
    """Per instrument, computed once: column names and each item's valid-code table."""

    def __init__(self, instrument: Instrument) -> None:
        items = exported_items(instrument)
        self.items = [(item_name(instrument, i), i, code_table(i, keyed=False)) for i in items]
        self.scales = [(scale_name(instrument, s), s.id) for s in instrument.scales]
        self.bands = [(band_name(instrument, s), s.id, {b.label: n for n, b in enumerate(s.bands, start=1)})
                      for s in instrument.scales if s.bands]
        self.flags = [(flag_name(instrument, f), f.id, _flag_basis(instrument, f)) for f in instrument.flags]
        self.names = ([name for name, _, _ in self.items] + [name for name, _ in self.scales]
                      + [name for name, _, _ in self.bands] + [name for name, _, _ in self.flags])


def _flag_basis(instrument: Instrument, flag: Flag) -> str:
    """The column a flag is read from: when that cell is missing, so is the flag."""
    if flag.item is not None:
        return item_name(instrument, instrument.item(flag.item))
    return scale_name(instrument, instrument.scale(flag.scale or ""))


_PLANS: dict[int, tuple[Instrument, _Plan]] = {}


def _plan(instrument: Instrument) -> _Plan:
    cached = _PLANS.get(id(instrument))
    if cached is None or cached[0] is not instrument:
        cached = (instrument, _Plan(instrument))
        _PLANS[id(instrument)] = cached
    return cached[1]


CODE_TYPES = (int, str, float)  # bool, list and dict answers are not codes


def _item_value(item: Item, table: dict[Any, int], raw: Any) -> Any:
    if table:  # a coded item: the engine's own table of valid codes
        return table.get(raw, NOT_ANSWERED) if raw.__class__ in CODE_TYPES else NOT_ANSWERED
    if item.type == "date":
        return str(raw) if raw not in (None, "") else ""
    if raw is None or isinstance(raw, bool | list | dict):
        return NOT_ANSWERED
    try:
        return _checked(item.id, float(raw))
    except (TypeError, ValueError):
        return NOT_ANSWERED


def _score_value(instrument: Instrument, scale_id: str, value: float | None) -> float | int:
    return NOT_ANSWERED if value is None else _checked(f"{instrument.id} {scale_id}", value)


def _checked(what: str, value: float) -> float:
    if value in MISSING_CODES:
        raise ExportError(f"{what} has the value {value:g}, which the export uses as a missing code")
    return value


def _joined(values: Iterable[str]) -> str:
    """One mode or language; several (a wave finished partly by interview) joined with '+'."""
    return "+".join(sorted(set(values)))
