"""Profile state is order-independent: any order of events, any split merged, same state."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.profiles import apply_event, merge_states

BASE = datetime(2024, 1, 1, tzinfo=UTC)

events_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["track", "track", "page", "identify"]),
            "event": st.sampled_from(
                ["Product Viewed", "Order Completed", "Order Refunded", "Signed Up"]
            ),
            "timestamp": st.integers(0, 500 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m)),
            "properties": st.fixed_dictionaries(
                {
                    "revenue": st.integers(0, 500),
                    "category": st.sampled_from(["books", "toys", "garden"]),
                }
            ),
            "traits": st.dictionaries(
                st.sampled_from(["plan", "country"]),
                st.sampled_from(["a", "b", 1, None]),
                max_size=2,
            ),
            "context": st.just({}),
            "seen": st.one_of(
                st.none(),
                st.fixed_dictionaries({"device_type": st.sampled_from(["mobile", "desktop"])}),
            ),
            "consent": st.dictionaries(
                st.sampled_from(["analytics", "personalization"]),
                st.tuples(st.booleans(), st.sampled_from(["event", "gpc"])),
                max_size=2,
            ),
        }
    ),
    max_size=25,
)


def _fold(items):
    state: dict = {}
    for item in items:
        apply_event(state, item)
    return state


def _same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if key in ("revenue", "refunded"):
            assert abs(a[key] - b[key]) < 1e-6
        elif key == "cats":
            assert a[key].keys() == b[key].keys()
            for c in a[key]:
                assert abs(a[key][c] - b[key][c]) <= 1e-9 * max(1.0, abs(a[key][c]))
        else:
            assert a[key] == b[key], key


@settings(max_examples=200, deadline=None)
@given(items=events_strategy, seed=st.integers(0, 2**32))
def test_event_order_does_not_matter(items, seed):
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    _same(_fold(items), _fold(shuffled))


@settings(max_examples=200, deadline=None)
@given(items=events_strategy, cut=st.data())
def test_merging_two_profiles_equals_one_profile_that_saw_everything(items, cut):
    mask = cut.draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
    left = _fold([e for e, m in zip(items, mask, strict=True) if m])
    right = _fold([e for e, m in zip(items, mask, strict=True) if not m])
    whole = _fold(items)
    _same(merge_states(left, right), whole)
    _same(merge_states(right, left), whole)


@settings(max_examples=100, deadline=None)
@given(a=events_strategy, b=events_strategy, c=events_strategy)
def test_merge_is_associative(a, b, c):
    x, y, z = _fold(a), _fold(b), _fold(c)
    _same(merge_states(merge_states(x, y), z), merge_states(x, merge_states(y, z)))
