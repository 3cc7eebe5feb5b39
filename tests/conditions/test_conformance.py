"""GrowthBook's language-neutral ``evalCondition`` cases, read in place from ../shared."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tailored.conditions import compile_condition, evaluate, validate
from tailored.core import ValidationError
from tests.conftest import shared_path

SECTION = "evalCondition"
EXPECTED_CASES = 248


def _case_ids() -> list[str]:
    """The case names, made unique, for test ids; the cases themselves come from the fixture.

    Where the file is absent this yields one placeholder, whose test then skips (or fails)
    through the ``conformance_cases`` fixture with the reason.
    """
    try:
        path = shared_path("conformance", "growthbook-cases.json", env="TAILORED_CONFORMANCE_DIR")
    except (pytest.skip.Exception, pytest.fail.Exception):
        return []
    names = [str(case[0]) for case in json.loads(path.read_text())[SECTION]]
    seen: Counter[str] = Counter()
    ids = []
    for name in names:
        seen[name] += 1
        ids.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return ids


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case_index" in metafunc.fixturenames:
        ids = _case_ids()
        indices: list[int | None] = list(range(len(ids))) if ids else [None]
        metafunc.parametrize("case_index", indices, ids=ids or ["cases-unavailable"])


def _case(cases: dict[str, Any], index: int | None) -> tuple[Any, Any, bool, Any]:
    assert index is not None, "the case file could be read by the fixture but not at collection"
    _name, condition, attributes, expected, *rest = cases[SECTION][index]
    return condition, attributes, expected, rest[0] if rest else None


def test_every_case_is_present(conformance_cases: dict[str, Any]) -> None:
    assert len(conformance_cases[SECTION]) == EXPECTED_CASES


def test_eval_condition(conformance_cases: dict[str, Any], case_index: int | None) -> None:
    condition, attributes, expected, saved_groups = _case(conformance_cases, case_index)
    assert evaluate(condition, attributes, saved_groups) is expected


def test_compiled_condition_agrees_or_is_refused(
    conformance_cases: dict[str, Any], case_index: int | None
) -> None:
    """A condition that validates compiles to the same answer; any other is refused whole."""
    condition, attributes, expected, saved_groups = _case(conformance_cases, case_index)
    if validate(condition):
        with pytest.raises(ValidationError):
            compile_condition(condition)
    else:
        assert compile_condition(condition)(attributes, saved_groups) is expected
    lenient = compile_condition(condition, strict=False)
    assert lenient(attributes, saved_groups) is expected
