"""The scoring rules users rely on, on small definitions built in the test."""

from __future__ import annotations

from portal.measures import Catalogue, Rounding, Scale, score
from tests.measures.conftest import instrument, likert

SDQ_LIKE = instrument(
    [likert(f"q{i}", range(0, 3), reverse=(i == 5)) for i in range(1, 6)],
    [
        Scale(
            id="up",
            items=tuple(f"q{i}" for i in range(1, 6)),
            min_answered=3,
            prorate=True,
            rounding=Rounding(digits=0, mode="half_up"),
        ),
        Scale(
            id="even",
            items=tuple(f"q{i}" for i in range(1, 6)),
            min_answered=3,
            prorate=True,
            rounding=Rounding(digits=0, mode="half_even"),
        ),
        Scale(
            id="mean",
            items=tuple(f"q{i}" for i in range(1, 6)),
            method="mean",
            min_answered=1,
            rounding=Rounding(digits=2, mode="half_up"),
        ),
    ],
)


def test_reverse_keyed_item_counts_min_plus_max_minus_code() -> None:
    result = score(SDQ_LIKE, {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0})
    assert result.scores["up"] == 2


def test_prorating_rounds_half_up_or_half_to_even_as_declared() -> None:
    # 3 of 5 answered with sum 3: mean 1 x 5 = 5; with sum 1: 5/3 -> 1.67 -> 2.
    # 4 answered with sum 5 (q5 reversed 2 -> 0): 5/4 x 5 = 6.25 -> 6 both ways.
    # 4 answered with sum 1 + 1 + 0 + 0: 2/4*5 = 2.5 -> 3 half up, 2 half even.
    answers = {"q1": 1, "q2": 1, "q3": 0, "q5": 2}
    result = score(SDQ_LIKE, answers)
    assert (result.scores["up"], result.scores["even"]) == (3, 2)
    assert isinstance(result.scores["up"], int)


def test_too_few_answers_leave_the_scale_missing_but_counted() -> None:
    result = score(SDQ_LIKE, {"q1": 2, "q2": 2})
    assert result.scores["up"] is None
    assert result.answered["up"] == 2


def test_mean_scale_rounds_to_declared_digits() -> None:
    result = score(SDQ_LIKE, {"q1": 2, "q2": 1, "q3": 1})
    assert result.scores["mean"] == 1.33


def test_garbage_answers_count_as_missing(catalogue: Catalogue) -> None:
    garbage = {"who5_1": 9, "who5_2": "often", "who5_3": True, "who5_4": 2.5, "who5_5": [1]}
    result = score(catalogue["who5"], garbage)
    assert result.scores == {"raw": None, "percent": None}
    assert result.answered == {"raw": 0, "percent": 0}


def test_codes_posted_as_text_are_understood(catalogue: Catalogue) -> None:
    answers = {f"gad7_{i}": "2" for i in range(1, 8)}
    assert score(catalogue["gad7"], answers).scores["total"] == 14


def test_integer_rules_give_integers(catalogue: Catalogue) -> None:
    result = score(catalogue["who5"], {f"who5_{i}": 3 for i in range(1, 6)})
    assert result.scores == {"raw": 15, "percent": 60}
    assert all(type(value) is int for value in result.scores.values())


def test_phq9_item9_flag_reads_the_raw_code(catalogue: Catalogue) -> None:
    assert score(catalogue["phq9"], {"phq9_9": 1}).flags == {"item9_positive": True}
    assert score(catalogue["phq9"], {"phq9_9": 0}).flags == {"item9_positive": False}
    assert score(catalogue["phq9"], {"phq9_9": 7}).flags == {"item9_positive": False}
