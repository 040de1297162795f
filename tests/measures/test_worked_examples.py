"""Every worked example in every shipped file scores exactly as the file states."""

from __future__ import annotations

import pytest

from portal.measures import Catalogue, load_catalogue, shipped_instrument_dir
from portal.measures.checks import example_mismatches

SHIPPED = load_catalogue([shipped_instrument_dir()])
CASES = [
    pytest.param(instrument, example, id=f"{instrument.id}: {example.name}")
    for instrument in SHIPPED.values()
    for example in instrument.examples
]


@pytest.mark.parametrize(("instrument", "example"), CASES)
def test_worked_example_scores_as_stated(instrument, example) -> None:
    assert example_mismatches(instrument, example) == []


def test_the_shipped_set_is_complete(catalogue: Catalogue) -> None:
    assert set(catalogue) == {"who5", "phq9", "gad7", "psc17", "apq9", "pss", "trust"}


@pytest.mark.parametrize("instrument_id", sorted(SHIPPED))
def test_every_shipped_file_has_examples_with_a_missing_item(instrument_id: str) -> None:
    instrument = SHIPPED[instrument_id]
    assert instrument.examples
    assert any(None in example.answers.values() for example in instrument.examples)


@pytest.mark.parametrize("instrument_id", sorted(SHIPPED))
def test_every_shipped_file_names_source_licence_and_english(instrument_id: str) -> None:
    instrument = SHIPPED[instrument_id]
    assert instrument.source and instrument.licence
    assert "en" in instrument.languages
    for lang in instrument.languages:
        assert lang == "en" or lang in instrument.translation_sources
