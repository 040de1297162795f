"""Age-appropriate instruments: the child's age in whole years from the birth month."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.measures import Catalogue, age_in_months

D = dt.date


@pytest.mark.parametrize(
    ("birth_month", "on", "months"),
    [
        (D(2020, 5, 1), D(2024, 4, 30), 47),
        (D(2020, 5, 1), D(2024, 5, 1), 48),
        (D(2020, 12, 1), D(2021, 1, 1), 1),
    ],
)
def test_age_in_months_counts_from_the_first_of_the_birth_month(
    birth_month: dt.date, on: dt.date, months: int
) -> None:
    assert age_in_months(birth_month, on) == months


@pytest.mark.parametrize(
    ("instrument_id", "birth_month", "on", "applies"),
    [
        ("psc17", D(2020, 5, 1), D(2024, 4, 30), False),  # 3 years 11 months
        ("psc17", D(2020, 5, 1), D(2024, 5, 1), True),  # 4 years
        ("psc17", D(2008, 5, 1), D(2025, 4, 30), True),  # 16 years 11 months
        ("psc17", D(2008, 5, 1), D(2025, 5, 1), False),  # 17 years
        ("apq9", D(2018, 5, 1), D(2024, 4, 30), False),  # 5 years 11 months
        ("apq9", D(2018, 5, 1), D(2024, 5, 1), True),  # 6 years
        ("apq9", D(2006, 5, 1), D(2025, 4, 30), True),  # 18 years 11 months
        ("apq9", D(2006, 5, 1), D(2025, 5, 1), False),  # 19 years
        ("who5", D(2024, 1, 1), D(2024, 2, 1), True),  # no child age limit
    ],
)
def test_instrument_applies_only_inside_its_age_range(
    catalogue: Catalogue, instrument_id: str, birth_month: dt.date, on: dt.date, applies: bool
) -> None:
    assert catalogue[instrument_id].applies_to_age(birth_month, on) is applies


def test_languages_and_titles(catalogue: Catalogue) -> None:
    who5 = catalogue["who5"]
    assert who5.available_languages() == ("en",)
    assert who5.offers("en") and not who5.offers("nb")
    assert who5.text_in("nb") == who5.text_in("en") == "WHO-Five Well-Being Index (WHO-5)"
    assert who5.item("who5_3").text["en"] == "I have felt active and vigorous"
    assert catalogue["pss"].requires_permission and not who5.requires_permission
