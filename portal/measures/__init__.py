"""Instruments as data: definitions, a loader that checks them, and pure scoring.

Nothing here knows Flask or a database, except `cli`, which is imported only by
the app factory.
"""

from __future__ import annotations

from .errors import InstrumentError, Problem
from .loader import (
    Catalogue,
    default_instrument_dirs,
    load_catalogue,
    load_instrument,
    parse_instrument,
    shipped_instrument_dir,
)
from .model import Band, Example, Flag, Instrument, Item, Option, Rounding, Scale, age_in_months
from .scoring import ScoreResult, score

__all__ = [
    "Band",
    "Catalogue",
    "Example",
    "Flag",
    "Instrument",
    "InstrumentError",
    "Item",
    "Option",
    "Problem",
    "Rounding",
    "Scale",
    "ScoreResult",
    "age_in_months",
    "default_instrument_dirs",
    "load_catalogue",
    "load_instrument",
    "parse_instrument",
    "score",
    "shipped_instrument_dir",
]
