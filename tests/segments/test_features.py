"""The features extension folds and merges order-independently, like the rest of the state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored import profiles, segments

FEATURES = segments.FeatureSet(
    [
        segments.FeatureSpec("Viewed", {"cat": "a"}, "price"),
        segments.FeatureSpec("Viewed", None, "price"),
        segments.FeatureSpec("Ordered"),
    ]
)
START = datetime(2025, 1, 1, tzinfo=UTC)

event = st.builds(
    lambda name, minutes, price, cat: {
        "type": "track", "event": name, "timestamp": START + timedelta(minutes=minutes),
        "properties": {"price": price, "cat": cat}, "traits": None, "context": None,
    },
    st.sampled_from(["Viewed", "Ordered", "Other"]),
    st.integers(0, 60 * 24 * 400),
    st.integers(0, 100),
    st.sampled_from(["a", "b"]),
)  # fmt: skip


def _fold(items):
    state: dict = {}
    with segments.tracking(FEATURES):
        for item in items:
            profiles.apply_event(state, item)
    return state


@settings(max_examples=60, deadline=None)
@given(st.lists(event, max_size=40), st.randoms(use_true_random=False), st.integers(0, 40))
def test_any_order_and_any_split_give_the_same_state(items, rnd, cut):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    whole = _fold(items)
    assert _fold(shuffled) == whole
    with segments.tracking(FEATURES):
        merged = profiles.merge_states(_fold(shuffled[:cut]), _fold(shuffled[cut:]))
    assert merged == whole


@pytest.mark.parametrize(
    ("text", "ms"),
    [("30m", 1_800_000), ("12h", 43_200_000), ("7d", 604_800_000), ("4w", 2_419_200_000)],
)
def test_durations(text, ms):
    assert segments.parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "7", "7y", "0d", "-1d", "53w", 7, None, "1.5d"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="duration"):
        segments.parse_duration(text)
