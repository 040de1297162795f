"""Answers from a posted page, checked against the instrument definition.

Submitted values are the instrument's numeric codes; anything else is a
message next to the field, never a stored value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from portal.families.models import Invitation


def instrument_language(instrument: Any, wanted: str | None) -> str:
    """The parent's language where the instrument has published text for it, else English."""
    if wanted in instrument.languages:
        return str(wanted)
    return "en" if "en" in instrument.languages else str(instrument.languages[0])


def saved_answers(invitation: Invitation, instrument_id: str) -> dict[str, Any]:
    response = next((r for r in invitation.responses if r.instrument_id == instrument_id), None)
    return dict(response.answers) if response else {}


def parse(instrument: Any, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in instrument.items:
        raw = (form.get(item.id) or "").strip()
        if not raw:
            answers[item.id] = None
            continue
        try:
            answers[item.id] = _value(item, raw)
        except ValueError as problem:
            errors[item.id] = str(problem)
    return answers, errors


def _value(item: Any, raw: str) -> int | float | str:
    if item.type in ("likert", "yesno"):
        if not raw.lstrip("-").isdigit() or int(raw) not in item.codes():
            raise ValueError(_("Please choose one of the answers."))
        return int(raw)
    if item.type == "number":
        return _number(item, raw)
    if item.type == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(_("Please give a date like 2026-03-31.")) from None
    limit = item.max_length or 500
    if len(raw) > limit:
        raise ValueError(_("Please keep this under %(limit)d characters.", limit=limit))
    return raw


def _number(item: Any, raw: str) -> int | float:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(_("Please write a number."))
    low, high = item.min, item.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(_("Please write a number from %(low)s to %(high)s.", low=low, high=high))
    return int(value) if value.is_integer() else value


def unanswered(invitation: Invitation, catalogue: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """(page number, instrument title, item id) for each item the parent left empty."""
    missing: list[tuple[int, str, str]] = []
    for number, instrument_id in enumerate(invitation.instruments, start=1):
        instrument = catalogue[instrument_id]
        answers = saved_answers(invitation, instrument_id)
        language = next((r.language for r in invitation.responses if r.instrument_id == instrument_id), "en")
        missing.extend(
            (number, instrument.text_in(language), item.id)
            for item in instrument.items if answers.get(item.id) is None
        )
    return missing
