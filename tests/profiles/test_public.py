"""The public surface of tailored.profiles."""

from __future__ import annotations

import doctest

import tailored.profiles as profiles_package
from tailored.profiles import _bgnbd, _checks, _lifecycle, _rfm


def test_all_is_exact_and_sorted() -> None:
    exported = profiles_package.__all__
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    assert len(set(exported)) == len(exported)
    public = {name for name in vars(profiles_package) if not name.startswith("_")}
    assert public - {"annotations"} == set(exported)


def test_docstring_examples_run() -> None:
    attempted = 0
    for module in (_bgnbd, _checks, _lifecycle, _rfm):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 15
