"""The public surface of tailored.experiments.stats."""

from __future__ import annotations

import doctest

import tailored.experiments.stats as stats_package
from tailored.experiments.stats import (
    _bayesian,
    _cuped,
    _frequentist,
    _multiple,
    _power,
    _samples,
    _sequential,
    _simulate,
    _srm,
)


def test_all_is_exact_and_sorted() -> None:
    exported = stats_package.__all__
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    assert len(set(exported)) == len(exported)
    public = {name for name in vars(stats_package) if not name.startswith("_")}
    assert public - {"annotations"} == set(exported)


def test_docstring_examples_run() -> None:
    modules = [
        _bayesian,
        _cuped,
        _frequentist,
        _multiple,
        _power,
        _samples,
        _sequential,
        _simulate,
        _srm,
    ]
    attempted = 0
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 15
