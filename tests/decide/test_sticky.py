"""The sticky-assignment part of the profile state is independent of order and of merges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tailored.decide._sticky import EXPOSURE_EVENT, StickyExtension


def _exposure(exp, variant, version, ts):
    props = {"experiment": exp, "variant": variant, "bucket_version": version}
    return {"event": EXPOSURE_EVENT, "properties": {**props, "reason": "experiment"}}, ts


exposure = st.builds(
    _exposure,
    st.sampled_from(["a", "b"]), st.sampled_from(["x", "y", "z"]), st.integers(0, 1),
    st.integers(0, 50),
)  # fmt: skip


def _fold(items):
    part: dict = {}
    for event, ts in items:
        StickyExtension().apply(part, event, ts)
    return part


@given(st.lists(exposure, max_size=12), st.randoms(use_true_random=False), st.integers(0, 12))
def test_order_and_merges_do_not_matter(items, rng, cut):
    whole = _fold(items)
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert _fold(shuffled) == whole
    merged = StickyExtension().merge(_fold(shuffled[:cut]), _fold(shuffled[cut:]))
    assert merged == whole


def test_the_first_exposure_wins_and_versions_are_kept_apart():
    part = _fold([
        ({"event": EXPOSURE_EVENT, "properties": {"experiment": "e", "variant": "b",
                                                  "reason": "experiment"}}, 5),
        ({"event": EXPOSURE_EVENT, "properties": {"experiment": "e", "variant": "a",
                                                  "reason": "experiment"}}, 9),
        ({"event": EXPOSURE_EVENT, "properties": {"experiment": "e", "variant": "a",
                                                  "bucket_version": 1, "reason": "experiment"}}, 9),
        ({"event": EXPOSURE_EVENT, "properties": {"experiment": "r", "variant": "a",
                                                  "reason": "rules"}}, 1),
        ({"event": "Order Completed", "properties": {}}, 2),
    ])  # fmt: skip
    assert part == {"sticky": {"e__0": ["b", 5], "e__1": ["a", 9]}}
