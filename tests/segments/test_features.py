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


DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("now", "offsets"),
    [
        # Day numbers go from four to five digits on 1997-10-19 (day 10,000).
        (datetime(1997, 10, 25, 12, tzinfo=UTC), [0, 1, 3, 6, 7, 8, 20, 29, 30, 31]),
        (datetime(1997, 10, 19, 1, tzinfo=UTC), [0, 1, 2, 15, 29, 30, 31, 40]),
        # A five-digit today and four-digit days only (1975: days 2043 and 2048, which as
        # strings sort between "20468" and "20498").
        (datetime(2026, 2, 14, 12, tzinfo=UTC), [18_450, 18_455]),
        (datetime(2026, 2, 14, 12, tzinfo=UTC), [0, 5, 29, 30, 31]),
    ],
)
def test_window_counts_across_a_change_in_the_digits_of_day_numbers(now, offsets):
    state: dict = {}
    spec = segments.FeatureSpec("Viewed", None, "price")
    with segments.tracking(segments.FeatureSet([spec])):
        for days in offsets:
            item = {"type": "track", "event": "Viewed", "timestamp": now - days * DAY,
                    "properties": {"price": 1}, "traits": None, "context": None}  # fmt: skip
            profiles.apply_event(state, item)
    conditions = {
        "count": {"$event": {"name": "Viewed", "within": "30d", "count": {"$gte": 1}}},
        "sum": {"$event": {"name": "Viewed", "property": "price", "aggregate": "sum",
                           "within": "30d", "value": {"$gte": 1}}},
    }  # fmt: skip
    ms = int(now.timestamp() * 1000)
    for n in range(len(offsets) + 2):
        rows = [(0, "count", {**conditions["count"]}), (1, "sum", {**conditions["sum"]})]
        rows[0][2]["$event"] = {**rows[0][2]["$event"], "count": {"$gte": n}}
        rows[1][2]["$event"] = {**rows[1][2]["$event"], "value": {"$gte": n}}
        found = segments.evaluate(segments.compile_workspace(rows), state, now, ms)
        today = ms // 86_400_000
        inside = sum(today - 30 < (ms - d * 86_400_000) // 86_400_000 <= today for d in offsets)
        assert found.segment_ids == ({0, 1} if inside >= n else set()), (n, inside)
