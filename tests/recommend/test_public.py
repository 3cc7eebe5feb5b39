"""The stage's public names."""

from __future__ import annotations

import tailored.recommend as public


def test_all_is_exact_and_importable():
    exported = {n for n in vars(public) if not n.startswith("_")} - {"annotations"}
    assert set(public.__all__) == exported
    assert len(public.__all__) == len(set(public.__all__))
    for name in public.__all__:
        assert getattr(public, name) is not None
