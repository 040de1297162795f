"""Every shipped worked example says where it comes from: a document and page, or plainly that no
published worked example was found and whose rule it follows."""

from __future__ import annotations

import pytest

from portal.measures import load_catalogue, shipped_instrument_dir

SHIPPED = load_catalogue([shipped_instrument_dir()])


@pytest.mark.parametrize("instrument_id", sorted(SHIPPED))
def test_every_worked_example_names_its_source(instrument_id: str) -> None:
    for example in SHIPPED[instrument_id].examples:
        assert len(example.source) > 40, f"{instrument_id}: {example.name} names no source"
        published = any(mark in example.source for mark in (" p. ", "page"))
        unpublished = "No published worked example" in example.source or "No publisher" in example.source
        assert published or unpublished, f"{instrument_id}: {example.name}: {example.source}"

