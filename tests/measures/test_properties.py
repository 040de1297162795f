"""Properties of the engine over any answer vector, garbage included."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.measures import Instrument, Rounding, Scale, load_catalogue, score
from portal.measures import shipped_instrument_dir as shipped
from tests.measures.conftest import instrument, likert

SHIPPED = load_catalogue([shipped()])


PRORATED = instrument(
    [likert(f"p{i}", range(0, 3), reverse=i % 2 == 0) for i in range(1, 6)],
    [
        Scale(
            id="sum",
            items=tuple(f"p{i}" for i in range(1, 6)),
            min_answered=3,
            prorate=True,
            rounding=Rounding(digits=0, mode="half_even"),
        ),
        Scale(
            id="mean",
            items=tuple(f"p{i}" for i in range(1, 6)),
            method="mean",
            min_answered=1,
            multiply=10,
            rounding=Rounding(digits=1, mode="half_up"),
        ),
    ],
    instrument_id="prorated",
)
INSTRUMENTS = [*SHIPPED.values(), PRORATED]

garbage = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=12),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, Any]]:
    instrument = draw(st.sampled_from(INSTRUMENTS))
    keys = [item.id for item in instrument.items]
    answers = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=4), garbage))
    return instrument, answers


def scale_range(instrument: Instrument, scale: Scale) -> tuple[float, float]:
    """The lowest and highest score the rule allows, from the items' codes."""
    lows, highs = zip(*(instrument.item(i).code_range() for i in scale.items), strict=True)
    if scale.method == "mean":
        low, high = min(lows), max(highs)
    else:
        low, high = sum(lows), sum(highs)
    return low * scale.multiply, high * scale.multiply


@settings(max_examples=400, deadline=None)
@given(instrument_and_answers())
def test_scoring_never_fails_and_stays_in_range(case: tuple[Instrument, dict[str, Any]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    for scale in instrument.scales:
        value = result.scores[scale.id]
        assert 0 <= result.answered[scale.id] <= len(scale.items)
        if value is not None:
            low, high = scale_range(instrument, scale)
            assert low <= value <= high
    assert set(result.flags) == {flag.id for flag in instrument.flags}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(SHIPPED.values())), st.data())
def test_complete_valid_answers_always_give_every_score(instrument: Instrument, data: Any) -> None:
    answers = {item.id: data.draw(st.sampled_from(item.codes())) for item in instrument.items}
    result = score(instrument, answers)
    assert all(value is not None for value in result.scores.values())
    assert all(isinstance(value, int) for value in result.scores.values())
