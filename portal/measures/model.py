"""The instrument definition as frozen values: what a file says, nothing more."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ItemType = Literal["likert", "yesno", "number", "date", "text"]
Method = Literal["sum", "mean"]
RoundingMode = Literal["half_up", "half_even"]
Comparison = Literal["gt", "ge", "lt", "le", "eq"]
Text = Mapping[str, str]
AnswerValue = int | float | str | None

SCORED_TYPES: frozenset[str] = frozenset({"likert", "yesno"})


@dataclass(frozen=True, slots=True)
class Option:
    code: int
    label: Text


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    type: ItemType
    text: Text
    options: tuple[Option, ...] = ()
    reverse: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    required: bool = True
    # The named option list the options came from, if any: a pack translates a shared list once. Not part
    # of what the item is (a REDCap round trip, which knows no list names, gives back the same item).
    option_set: str = field(default="", compare=False)

    def codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)

    def code_range(self) -> tuple[int, int]:
        codes = self.codes()
        return min(codes), max(codes)


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled half-open interval [min, below); either bound may be open."""

    label: str
    min: float | None = None
    below: float | None = None

    def contains(self, value: float) -> bool:
        if self.min is not None and value < self.min:
            return False
        return self.below is None or value < self.below


@dataclass(frozen=True, slots=True)
class Rounding:
    digits: int
    mode: RoundingMode


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    items: tuple[str, ...]
    method: Method = "sum"
    multiply: int | float = 1
    min_answered: int | None = None
    prorate: bool = False
    rounding: Rounding | None = None
    bands: tuple[Band, ...] = ()

    @property
    def required_answers(self) -> int:
        """By default a scale with any missing item is missing."""
        return len(self.items) if self.min_answered is None else self.min_answered


@dataclass(frozen=True, slots=True)
class Flag:
    """True when an item's code (or a scale's score) passes a comparison."""

    id: str
    compare: Comparison
    value: float
    item: str | None = None
    scale: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    answers: Mapping[str, AnswerValue]
    scores: Mapping[str, float | None] = field(default_factory=dict)
    answered: Mapping[str, int] = field(default_factory=dict)
    bands: Mapping[str, str | None] = field(default_factory=dict)
    flags: Mapping[str, bool] = field(default_factory=dict)
    line: int = 0
    # where the example (or, where no published example exists, its rule) comes from: document and page
    source: str = ""


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    version: str
    title: Text
    instructions: Text
    languages: tuple[str, ...]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    flags: tuple[Flag, ...]
    licence: str
    source: str
    permission: Literal["free", "required"]
    translation_sources: Text
    age_min_years: int | None
    age_max_years: int | None
    respondent: str
    allow_missing: bool
    examples: tuple[Example, ...]
    notes: str = ""
    # language -> (version, hash) of the translation pack its text comes from; absent: the file's own text
    packs: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        for candidate in self.items:
            if candidate.id == item_id:
                return candidate
        raise KeyError(item_id)

    def scale(self, scale_id: str) -> Scale:
        for candidate in self.scales:
            if candidate.id == scale_id:
                return candidate
        raise KeyError(scale_id)

    def available_languages(self) -> tuple[str, ...]:
        return self.languages

    def offers(self, lang: str) -> bool:
        """Whether the instrument has complete published text in `lang`."""
        return lang in self.languages

    def title_in(self, lang: str, fallback: str = "en") -> str:
        """The title in `lang`, else in `fallback`; the caller tells the parent it fell back."""
        return self.title.get(lang) or self.title[fallback]

    def text_in(self, lang: str, fallback: str = "en") -> str:
        """The instrument's title in `lang` (the name the parent pages already use)."""
        return self.title_in(lang, fallback)

    @property
    def requires_permission(self) -> bool:
        return self.permission == "required"

    def applies_to_age(self, birth_month: datetime.date, on: datetime.date) -> bool:
        years = age_in_months(birth_month, on) // 12
        if self.age_min_years is not None and years < self.age_min_years:
            return False
        return self.age_max_years is None or years <= self.age_max_years


def age_in_months(birth_month: datetime.date, on: datetime.date) -> int:
    """Whole months lived; only the birth month is known, so it counts from its first day."""
    months = (on.year - birth_month.year) * 12 + on.month - birth_month.month
    return months - 1 if on.day < birth_month.day else months
