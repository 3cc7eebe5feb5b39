"""RFM: quintile scores against numpy's percentiles, ties, tiny populations, the segment table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.core import ValidationError
from tailored.profiles import (
    RFMProfile,
    RFMSegment,
    fm_score,
    quintile_scores,
    rfm_scores,
    rfm_segment,
)

# Thirteen spends, unsorted, with a tie (42 twice) and a value equal to an edge.
SPEND = np.array([3, 17, 8, 42, 15, 4, 23, 16, 42, 1, 9, 30, 5], dtype=float)


def test_quintile_scores_follow_numpys_percentiles_on_a_known_array() -> None:
    edges = np.percentile(SPEND, [20, 40, 60, 80])
    # Sorted: 1 3 4 5 8 9 15 16 17 23 30 42 42; positions 2.4, 4.8, 7.2, 9.6 of 0..12.
    assert edges.tolist() == pytest.approx([4.4, 8.8, 16.2, 27.2])
    expected = [1 + sum(edge < value for edge in edges) for value in SPEND]
    assert expected == [1, 4, 2, 5, 3, 1, 4, 3, 5, 1, 3, 5, 2]
    assert quintile_scores(SPEND).tolist() == expected


def test_a_value_equal_to_an_edge_goes_to_the_lower_bin() -> None:
    # 1..6: edges exactly 2, 3, 4, 5 (positions 1, 2, 3, 4), as pandas.qcut bins them.
    assert quintile_scores([1, 2, 3, 4, 5, 6]).tolist() == [1, 1, 2, 3, 4, 5]


def test_equal_values_get_equal_scores_whatever_their_order() -> None:
    values = np.array([5, 1, 1, 1, 9, 5, 5, 2, 1, 7], dtype=float)
    scores = quintile_scores(values)
    for value in np.unique(values):
        assert len(set(scores[values == value].tolist())) == 1
    order = np.random.default_rng(1).permutation(len(values))
    assert quintile_scores(values[order]).tolist() == scores[order].tolist()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([12.0], [3]),
        ([4, 4, 4, 4], [3, 3, 3, 3]),
        ([1, 2], [1, 5]),
        ([2, 1, 3], [3, 1, 5]),
        ([1, 1, 1, 1, 2], [1, 1, 1, 1, 5]),
    ],
)
def test_small_and_uniform_populations(values: list[float], expected: list[int]) -> None:
    assert quintile_scores(values).tolist() == expected


def test_recency_is_reversed_and_the_others_are_not() -> None:
    scores = rfm_scores(recency_days=SPEND, frequency=SPEND, monetary=SPEND)
    assert (scores.recency == 6 - quintile_scores(SPEND)).all()
    assert (scores.frequency == quintile_scores(SPEND)).all()
    assert (scores.monetary == quintile_scores(SPEND)).all()
    assert scores.recency.dtype == np.int8


def test_a_uniform_recency_scores_three_not_five() -> None:
    scores = rfm_scores([7, 7, 7], [1, 2, 3], [10.0, 10.0, 10.0])
    assert scores.recency.tolist() == [3, 3, 3]
    assert scores.monetary.tolist() == [3, 3, 3]


def test_profiles_carry_scores_fm_and_segment() -> None:
    scores = rfm_scores([1, 40, 200, 3, 90], [9, 3, 1, 2, 8], [250.0, 80.0, 12.5, 20.0, 300.0])
    first = scores.profile(0)
    assert first == RFMProfile(5, 5, 4, 5, RFMSegment.CHAMPIONS)
    assert first.code == "554"
    assert [p.segment for p in scores.profiles()] == [
        RFMSegment.CHAMPIONS,
        RFMSegment.NEED_ATTENTION,
        RFMSegment.LOST,
        RFMSegment.POTENTIAL_LOYALISTS,
        RFMSegment.CANNOT_LOSE_THEM,
    ]
    assert scores.profiles()[1].code == "333"


def test_negative_monetary_values_are_scored() -> None:
    assert rfm_scores([1, 2, 3], [1, 1, 1], [-5.0, 0.0, 5.0]).monetary.tolist() == [1, 3, 5]


# The documented table, written out cell by cell: rows R = 5..1, columns FM = 1..5.
TABLE = """
new_customers  potential_loyalists potential_loyalists champions champions
promising      potential_loyalists potential_loyalists loyal     loyal
about_to_sleep about_to_sleep      need_attention      loyal     loyal
hibernating    hibernating         at_risk             at_risk   cannot_lose_them
lost           hibernating         at_risk             at_risk   cannot_lose_them
"""


def test_the_segment_table() -> None:
    rows = [line.split() for line in TABLE.strip().splitlines()]
    for recency, row in zip(range(5, 0, -1), rows, strict=True):
        for fm, name in enumerate(row, start=1):
            assert rfm_segment(recency, fm) == RFMSegment(name), (recency, fm)
    assert {name for row in rows for name in row} == {s.value for s in RFMSegment}


def test_segment_labels() -> None:
    assert RFMSegment.POTENTIAL_LOYALISTS.label == "Potential loyalists"
    assert RFMSegment.CANNOT_LOSE_THEM.label == "Cannot lose them"
    assert RFMSegment.AT_RISK == "at_risk"


def test_fm_is_the_mean_rounded_half_up() -> None:
    got = {(f, m): fm_score(f, m) for f in range(1, 6) for m in range(1, 6)}
    assert got == {(f, m): int(np.floor((f + m) / 2 + 0.5)) for f, m in got}
    assert fm_score(np.int8(3), np.int8(4)) == 4


@pytest.mark.parametrize("bad", [0, 6, True, 2.0, "3"])
def test_scores_out_of_range_are_validation_errors(bad: object) -> None:
    with pytest.raises(ValidationError, match="score from 1 to 5"):
        rfm_segment(bad, 3)
    with pytest.raises(ValidationError, match="score from 1 to 5"):
        fm_score(3, bad)


@pytest.mark.parametrize(
    ("recency", "frequency", "monetary", "field"),
    [
        ([1, 2], [1, 2, 3], [1, 2], "frequency"),
        ([-1, 2], [1, 2], [1, 2], "recency_days"),
        ([1, 2], [-1, 2], [1, 2], "frequency"),
        ([1, 2], [1, 2], [1, float("inf")], "monetary"),
        ([[1, 2]], [1, 2], [1, 2], "recency_days"),
    ],
)
def test_bad_columns_are_validation_errors(recency, frequency, monetary, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rfm_scores(recency, frequency, monetary)
    assert any(item["loc"] == [field] for item in caught.value.details)


values = st.lists(st.integers(0, 1000), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(values=values, data=st.data())
def test_scores_are_monotone_in_each_input(values: list[int], data: st.DataObject) -> None:
    array = np.array(values, dtype=float)
    scores = rfm_scores(array, array, array)
    order = np.argsort(array, kind="stable")
    assert np.all(np.diff(scores.frequency[order]) >= 0)
    assert np.all(np.diff(scores.monetary[order]) >= 0)
    assert np.all(np.diff(scores.recency[order]) <= 0)
    assert set(scores.frequency.tolist()) <= {1, 2, 3, 4, 5}
    # Raising one customer's value never lowers their own score, though the edges move too.
    i = data.draw(st.integers(0, len(values) - 1))
    raised = array.copy()
    raised[i] += data.draw(st.integers(1, 500))
    before, after = quintile_scores(array)[i], quintile_scores(raised)[i]
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(values=values)
def test_scores_do_not_depend_on_order(values: list[int]) -> None:
    array = np.array(values, dtype=float)
    reverse = array[::-1]
    assert quintile_scores(reverse).tolist() == quintile_scores(array)[::-1].tolist()
