"""Small synthetic shops for the recommendation tests."""

from __future__ import annotations

import numpy as np
import pytest

from tailored.recommend._interactions import Interactions, SignalConfig

N_USERS, N_ITEMS = 40, 30
HALF = N_ITEMS // 2


def cluster_of(item: str) -> str:
    """``"a"`` for the first half of the items, ``"b"`` for the second."""
    return "a" if int(item[1:]) < HALF else "b"


def make_shop(seed: int = 0) -> Interactions:
    """Two tastes: users u00..u19 buy from items i00..i14, u20..u39 from i15..i29.

    Item ``i00`` (and ``i15``) is bought by most of its group, so popularity has a leader;
    every event has a time, one hour after the previous one.
    """
    rng = np.random.default_rng(seed)
    users, items = [], []
    for u in range(N_USERS):
        base = 0 if u < N_USERS // 2 else HALF
        picks = {base} | {base + int(j) for j in rng.choice(HALF, size=7, replace=False)}
        for i in sorted(picks):
            users.append(f"u{u:02d}")
            items.append(f"i{i:02d}")
    times = 1_700_000_000 + 3600 * np.arange(len(users))
    return Interactions.from_arrays(
        users, items, times=times, signal=SignalConfig(aggregate="binary")
    )


def make_documents() -> dict[str, str]:
    """Texts that follow the two tastes, plus ``new-a`` and ``new-b`` (no interactions)."""
    docs = {
        f"i{i:02d}": ("red kitchen mug" if i < HALF else "blue garden spade") + f" m{i}"
        for i in range(N_ITEMS)
    }
    docs["new-a"] = "red kitchen mug deluxe"
    docs["new-b"] = "blue garden spade deluxe"
    return docs


@pytest.fixture(scope="session")
def shop() -> Interactions:
    return make_shop()


@pytest.fixture(scope="session")
def documents() -> dict[str, str]:
    return make_documents()
