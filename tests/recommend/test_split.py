"""Evaluation protocols: nothing leaks from the test set into training."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.core import ValidationError
from tailored.recommend._interactions import Interactions
from tailored.recommend._split import (
    leave_last_out,
    random_split,
    split,
    temporal_split,
    validation_split,
)

from .conftest import make_shop


def pairs(data: Interactions) -> set[tuple[str, str]]:
    return {
        (data.users[u], data.items[i])
        for u, i in zip(data.user_codes, data.item_codes, strict=True)
    }


def test_random_split_holds_out_a_fifth_of_each_eligible_user(shop):
    held = random_split(shop, fraction=0.2, min_items=5, seed=42)
    assert not pairs(held.train) & pairs(held.test)
    assert pairs(held.train) | pairs(held.test) == pairs(shop)
    per_user = np.bincount(shop.user_codes, minlength=shop.shape[0])
    test_per_user = np.bincount(held.test.user_codes, minlength=shop.shape[0])
    assert (test_per_user == np.maximum(np.floor(0.2 * per_user + 0.5), 1)).all()


def test_random_split_is_seeded_and_spares_small_users():
    data = Interactions.from_arrays(
        ["small"] * 4 + ["big"] * 10, [f"i{n}" for n in range(4)] + [f"i{n}" for n in range(10)]
    )
    one, two = random_split(data, seed=1), random_split(data, seed=1)
    assert pairs(one.test) == pairs(two.test)
    assert {u for u, _ in pairs(one.test)} == {"big"}
    others = {frozenset(pairs(random_split(data, seed=s).test)) for s in range(2, 8)}
    assert len(others) > 1


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), min_size=1, max_size=80),
    st.integers(0, 1000),
)
def test_random_split_never_leaks(events, seed):
    data = Interactions.from_arrays([f"u{u}" for u, _ in events], [f"i{i}" for _, i in events])
    held = random_split(data, fraction=0.3, min_items=2, seed=seed)
    assert not pairs(held.train) & pairs(held.test)
    assert held.train.n_events + held.test.n_events == data.n_events


def test_temporal_split_respects_the_cutoff():
    shop = make_shop()
    assert shop.times is not None
    cutoff = int(np.quantile(shop.times, 0.8))
    # some users come back after the cutoff for an item they had already bought
    repeat = Interactions.from_arrays(
        [shop.users[u] for u in shop.user_codes] + ["u00", "u01", "nobody"],
        [shop.items[i] for i in shop.item_codes] + ["i00", "i01", "i02"],
        times=np.concatenate([shop.times, [cutoff + 10] * 3]),
    )
    held = temporal_split(repeat, cutoff)
    assert held.train.times is not None and held.test.times is not None
    assert held.train.times.max() < cutoff <= held.test.times.min()
    assert not pairs(held.train) & pairs(held.test)
    train_users = {u for u, _ in pairs(held.train)}
    train_items = {i for _, i in pairs(held.train)}
    assert {u for u, _ in pairs(held.test)} <= train_users
    assert {i for _, i in pairs(held.test)} <= train_items
    assert ("u00", "i00") not in pairs(held.test)
    assert held.test.n_events > 0


def test_temporal_split_takes_datetimes_and_needs_times():
    data = Interactions.from_arrays(
        ["a", "a", "b", "b", "c", "d"],
        ["x", "y", "x", "y", "y", "z"],
        times=[datetime(2024, 1, d, tzinfo=UTC) for d in (1, 5, 2, 9, 3, 6)],
    )
    held = temporal_split(data, datetime(2024, 1, 4, tzinfo=UTC))
    # d is new after the cutoff, and so is z: neither can be scored, so neither is tested
    assert pairs(held.test) == {("a", "y"), ("b", "y")}
    assert pairs(held.train) == {("a", "x"), ("b", "x"), ("c", "y")}
    with pytest.raises(ValidationError, match="needs timestamps"):
        temporal_split(Interactions.from_arrays(["a"], ["x"]))


def test_leave_last_out_holds_out_each_users_newest_item():
    data = Interactions.from_arrays(
        ["a", "a", "a", "b", "b", "c"],
        ["x", "y", "x", "y", "z", "x"],
        times=[1, 2, 9, 5, 3, 4],
    )
    held = leave_last_out(data)
    # a's newest *first* purchase is y (x came back at 9); b's is y; c has one item only
    assert pairs(held.test) == {("a", "y"), ("b", "y")}
    assert not pairs(held.train) & pairs(held.test)


def test_validation_is_carved_from_training_only(shop):
    for protocol in ("random", "temporal", "leave-last-out"):
        outer = split(shop, protocol, min_items=3)
        inner = validation_split(outer)
        assert pairs(inner.train) | pairs(inner.test) <= pairs(outer.train)
        assert not pairs(inner.test) & pairs(outer.test)
        assert inner.test.n_events > 0
        if protocol == "temporal":
            assert inner.cutoff is not None and outer.cutoff is not None
            assert inner.cutoff < outer.cutoff


def test_unknown_protocol(shop):
    with pytest.raises(ValidationError, match="unknown protocol 'future'"):
        split(shop, "future")  # type: ignore[arg-type]
