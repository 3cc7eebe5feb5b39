"""Offline evaluation protocols: ways to hold out interactions as a test set.

Each protocol splits whole user-item pairs (every event of a held-out pair leaves the
training set), and both halves keep the parent's ids, so they line up column for column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError, as_utc

from ._interactions import Interactions

ProtocolName = Literal["random", "temporal", "leave-last-out"]
PROTOCOLS: tuple[ProtocolName, ...] = ("random", "temporal", "leave-last-out")


@dataclass(frozen=True)
class Split:
    """A training set, a test set, and how they were made.

    Attributes:
        train: What models learn from.
        test: The held-out pairs to find.
        protocol: ``random``, ``temporal`` or ``leave-last-out``.
        seed: Seed of the random choices.
        fraction: Share of each user's items held out (``random``).
        min_items: Users with fewer distinct items are never held out from.
        cutoff: Epoch seconds where the test period starts (``temporal``).
        horizon: Seconds from the cutoff to the last event (``temporal``).
    """

    train: Interactions
    test: Interactions
    protocol: ProtocolName
    seed: int = 42
    fraction: float = 0.2
    min_items: int = 5
    cutoff: int | None = None
    horizon: int | None = None


def _pairs(data: Interactions) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct user-item pairs (as ``user * n_items + item``) and each event's pair."""
    keys = data.user_codes * len(data.items) + data.item_codes
    pairs, inverse = np.unique(keys, return_inverse=True)
    return pairs, inverse.astype(np.int64)


def random_split(
    data: Interactions, *, fraction: float = 0.2, min_items: int = 5, seed: int = 42
) -> Split:
    """Hold out ``fraction`` of the distinct items of every user with at least ``min_items``.

    Each such user loses ``round(fraction * n)`` items (at least one), drawn at random with
    ``seed``; other users stay whole in the training set.
    """
    if not 0 < fraction < 1:
        raise ValidationError(f"fraction must be between 0 and 1, not {fraction}")
    pairs, inverse = _pairs(data)
    owner = pairs // len(data.items)
    per_user = np.bincount(owner, minlength=len(data.users))
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(pairs)), owner))
    starts = np.cumsum(per_user) - per_user
    rank = np.arange(len(pairs)) - starts[owner[order]]
    quota = np.maximum(np.floor(fraction * per_user + 0.5), 1).astype(np.int64)
    quota[per_user < max(min_items, 2)] = 0
    held = np.zeros(len(pairs), dtype=bool)
    held[order[rank < quota[owner[order]]]] = True
    mask = held[inverse]
    return Split(data.select(~mask), data.select(mask), "random", seed, fraction, min_items)


def _seconds(value: datetime | int | float) -> int:
    return int(as_utc(value).timestamp()) if isinstance(value, datetime) else int(value)


def temporal_split(
    data: Interactions, cutoff: datetime | int | None = None, *, fraction: float = 0.1
) -> Split:
    """Train on events before ``cutoff``; test on the pairs first seen on or after it.

    Test pairs are new to their user (a repeat of a training pair is not a discovery), and
    both the user and the item must appear in training, so that a model can score them.

    Args:
        data: Interactions with timestamps.
        cutoff: A datetime or epoch seconds; by default, the time by which ``1 - fraction``
            of the events had happened.
        fraction: Share of events after the default cutoff.
    """
    if data.times is None:
        raise ValidationError("the temporal protocol needs timestamps, and there are none")
    at = int(np.quantile(data.times, 1 - fraction)) if cutoff is None else _seconds(cutoff)
    before = data.times < at
    keys = data.user_codes * len(data.items) + data.item_codes
    seen_user = np.bincount(data.user_codes[before], minlength=len(data.users)) > 0
    seen_item = np.bincount(data.item_codes[before], minlength=len(data.items)) > 0
    test = (
        ~before
        & ~np.isin(keys, keys[before])
        & seen_user[data.user_codes]
        & seen_item[data.item_codes]
    )
    horizon = int(data.times.max()) - at
    return Split(
        data.select(before), data.select(test), "temporal", cutoff=at, horizon=max(horizon, 1)
    )


def leave_last_out(data: Interactions, *, min_items: int = 2, seed: int = 42) -> Split:
    """Hold out each user's newest item: the pair whose first event came last.

    Ties (items of one order share a time) are broken at random with ``seed``; without
    timestamps, the order of the events decides. Users with fewer than ``min_items`` distinct
    items stay whole in the training set.
    """
    pairs, inverse = _pairs(data)
    stamps = data.times if data.times is not None else np.arange(data.n_events)
    first = np.full(len(pairs), np.iinfo(np.int64).max)
    np.minimum.at(first, inverse, stamps)
    owner = pairs // len(data.items)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(pairs)), first, owner))
    last_of_user = np.r_[owner[order][1:] != owner[order][:-1], True]
    per_user = np.bincount(owner, minlength=len(data.users))
    newest = order[last_of_user]
    newest = newest[per_user[owner[newest]] >= max(min_items, 2)]
    held = np.zeros(len(pairs), dtype=bool)
    held[newest] = True
    mask = held[inverse]
    return Split(data.select(~mask), data.select(mask), "leave-last-out", seed, min_items=min_items)


def split(
    data: Interactions,
    protocol: ProtocolName,
    *,
    seed: int = 42,
    fraction: float = 0.2,
    min_items: int = 5,
    cutoff: datetime | int | None = None,
) -> Split:
    """Split by the named protocol (see :func:`random_split`, :func:`temporal_split` and
    :func:`leave_last_out`); ``fraction`` and ``min_items`` apply to ``random``."""
    if protocol == "random":
        return random_split(data, fraction=fraction, min_items=min_items, seed=seed)
    if protocol == "temporal":
        return temporal_split(data, cutoff)
    if protocol == "leave-last-out":
        return leave_last_out(data, seed=seed)
    raise ValidationError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")


def validation_split(outer: Split) -> Split:
    """The same protocol applied again inside ``outer.train``, for choosing hyperparameters.

    ``temporal`` moves the cutoff back by the test period's length; the random protocols use
    the next seed. The test set of ``outer`` is never looked at.
    """
    train = outer.train
    if outer.protocol == "temporal":
        assert outer.cutoff is not None and outer.horizon is not None
        return temporal_split(train, outer.cutoff - outer.horizon)
    if outer.protocol == "leave-last-out":
        return leave_last_out(train, min_items=outer.min_items, seed=outer.seed + 1)
    return random_split(
        train, fraction=outer.fraction, min_items=outer.min_items, seed=outer.seed + 1
    )
