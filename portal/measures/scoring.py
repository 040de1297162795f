"""The scoring engine: answers in, scores out. Pure, and exact for the shipped rules.

Each instrument is compiled once into a plan (per scale: the item ids with a
code -> keyed value table), so scoring a response is dictionary look-ups and
additions. Anything that is not a valid code for an item counts as missing.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from .model import Band, Flag, Instrument, Item, Rounding, Scale

Number = int | float


@dataclass(frozen=True, slots=True)
class ScoreResult:
    scores: dict[str, Number | None]
    answered: dict[str, int]
    bands: dict[str, str | None]
    flags: dict[str, bool]


class _ScalePlan(NamedTuple):
    id: str
    lookups: tuple[tuple[str, dict[Any, int]], ...]
    scale: Scale
    multiplier: Fraction | int


class _FlagPlan(NamedTuple):
    id: str
    item: str | None
    codes: dict[Any, int]
    scale: str | None
    test: Callable[[Any, Any], bool]
    value: Number


class _Plan(NamedTuple):
    scales: tuple[_ScalePlan, ...]
    flags: tuple[_FlagPlan, ...]


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
}
_PLANS: dict[int, tuple[Instrument, _Plan]] = {}


def score(instrument: Instrument, answers: Mapping[str, Any]) -> ScoreResult:
    plan = _plan_for(instrument)
    scores: dict[str, Number | None] = {}
    answered: dict[str, int] = {}
    bands: dict[str, str | None] = {}
    for scale_plan in plan.scales:
        value, count = _score_scale(scale_plan, answers)
        scores[scale_plan.id] = value
        answered[scale_plan.id] = count
        bands[scale_plan.id] = None if value is None else band_for(scale_plan.scale.bands, value)
    flags = {flag.id: _flag_raised(flag, answers, scores) for flag in plan.flags}
    return ScoreResult(scores=scores, answered=answered, bands=bands, flags=flags)


def band_for(bands: tuple[Band, ...], value: Number) -> str | None:
    for band in bands:
        if band.contains(value):
            return band.label
    return None


def code_table(item: Item, keyed: bool) -> dict[Any, int]:
    """Valid answer -> value; reverse keying (min + max - code) when `keyed` and reversed.

    String forms of the codes are accepted too, since form posts arrive as text.
    """
    low, high = item.code_range() if item.options else (0, 0)
    table: dict[Any, int] = {}
    for code in item.codes():
        value = low + high - code if keyed and item.reverse else code
        table[code] = value
        table[str(code)] = value
    return table


def _plan_for(instrument: Instrument) -> _Plan:
    cached = _PLANS.get(id(instrument))
    if cached is not None and cached[0] is instrument:
        return cached[1]
    if len(_PLANS) > 512:
        _PLANS.clear()
    plan = _compile(instrument)
    _PLANS[id(instrument)] = (instrument, plan)
    return plan


def _compile(instrument: Instrument) -> _Plan:
    items = {item.id: item for item in instrument.items}
    scales = tuple(
        _ScalePlan(
            id=scale.id,
            lookups=tuple((i, code_table(items[i], keyed=True)) for i in scale.items if i in items),
            scale=scale,
            multiplier=_exact(scale.multiply),
        )
        for scale in instrument.scales
    )
    flags = tuple(_compile_flag(flag, items) for flag in instrument.flags)
    return _Plan(scales=scales, flags=flags)


def _compile_flag(flag: Flag, items: Mapping[str, Item]) -> _FlagPlan:
    item = items.get(flag.item or "")
    codes = code_table(item, keyed=False) if item is not None else {}
    value = int(flag.value) if float(flag.value).is_integer() else flag.value
    return _FlagPlan(flag.id, flag.item, codes, flag.scale, _COMPARE[flag.compare], value)


def _exact(number: Number) -> Fraction | int:
    return number if isinstance(number, int) else Fraction(str(number))


def _valid(table: dict[Any, int], raw: Any) -> int | None:
    if raw is None or raw is True or raw is False:
        return None
    try:
        return table.get(raw)
    except TypeError:  # an unhashable answer (a list, a dict) is simply not a code
        return None


def _score_scale(plan: _ScalePlan, answers: Mapping[str, Any]) -> tuple[Number | None, int]:
    total = 0
    count = 0
    for item_id, table in plan.lookups:
        value = _valid(table, answers.get(item_id))
        if value is not None:
            total += value
            count += 1
    scale = plan.scale
    if count == 0 or count < scale.required_answers:
        return None, count
    return _finish(_combine(scale, total, count, len(plan.lookups)), plan), count


def _combine(scale: Scale, total: int, count: int, n_items: int) -> Fraction | int:
    if scale.method == "mean":
        return Fraction(total, count)
    if scale.prorate and count < n_items:
        return Fraction(total * n_items, count)
    return total


def _finish(value: Fraction | int, plan: _ScalePlan) -> Number:
    value = value * plan.multiplier
    if plan.scale.rounding is not None:
        return _round(Fraction(value), plan.scale.rounding)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def _round(value: Fraction, rounding: Rounding) -> Number:
    shift = 10**rounding.digits
    scaled = value * shift
    if rounding.mode == "half_even":
        whole = round(scaled)
    else:  # half away from zero, as manuals mean by "round half up"
        whole = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    return whole if rounding.digits == 0 else whole / shift


def _flag_raised(flag: _FlagPlan, answers: Mapping[str, Any], scores: Mapping[str, Any]) -> bool:
    if flag.item is not None:
        observed: Any = _valid(flag.codes, answers.get(flag.item))
    else:
        observed = scores.get(flag.scale or "")
    return observed is not None and flag.test(observed, flag.value)
