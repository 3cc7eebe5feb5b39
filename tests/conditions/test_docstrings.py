"""The examples in the docstrings of ``tailored.conditions`` run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

DOCUMENTED = ["_coercion", "_compiler", "_condition", "_membership", "_validation", "_versions"]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"tailored.conditions.{name}")
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failed == 0
