"""Answers from a posted page, checked against the instrument definition.

Submitted values are the instrument's numeric codes; anything else is a
message next to the field, never a stored value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

DEFAULT_TEXT_LIMIT = 500


def parse(items: Iterable[Any], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, errors) for the items on one page; an empty field is None (unanswered)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in items:
        raw = (form.get(item.id) or "").strip()
        if not raw:
            answers[item.id] = None
            continue
        try:
            answers[item.id] = _value(item, raw)
        except ValueError as problem:
            errors[item.id] = str(problem)
            answers[item.id] = raw[:DEFAULT_TEXT_LIMIT]  # shown again as typed, never saved
    return answers, errors


def _value(item: Any, raw: str) -> int | float | str:
    if item.type in ("likert", "yesno"):
        if not raw.lstrip("-").isdigit() or int(raw) not in item.codes():
            raise ValueError(_("Please choose one of the answers."))
        return int(raw)
    if item.type == "number":
        return _number(item, raw)
    if item.type == "date":
        return _date(raw)
    limit = item.max_length or DEFAULT_TEXT_LIMIT
    if len(raw) > limit:
        raise ValueError(_("Please keep this under %(limit)d characters.", limit=limit))
    return raw


def _date(raw: str) -> str:
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ValueError(_("Please give a date like %(example)s.", example="2026-03-31")) from None


def _number(item: Any, raw: str) -> int | float:
    try:
        value = float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(_("Please write a number."))
    low, high = item.min, item.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(_("Please write a number from %(low)s to %(high)s.",
                           low=_plain(low), high=_plain(high)))
    return int(value) if value.is_integer() else value


def _plain(number: float | None) -> str:
    if number is None:
        return "…"
    return str(int(number)) if float(number).is_integer() else str(number)
