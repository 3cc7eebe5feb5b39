"""Operators plugged in from outside: a toy ``$toySegment`` evaluated against a profile state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tailored.conditions import (
    EvaluationContext,
    Predicate,
    compile_condition,
    evaluate,
    register_operator,
    unregister_operator,
    validate,
)
from tailored.core import ValidationError


def compile_segment(operand: Any) -> Predicate:
    """``{"$toySegment": "key"}``: the profile state (a set of segment keys) holds ``key``."""
    if not isinstance(operand, str) or not operand:
        raise ValueError("$toySegment needs a segment key")

    def in_segment(context: EvaluationContext) -> bool:
        return operand in context.state

    return in_segment


def compile_event(operand: Any) -> Predicate:
    """``{"$toyEvent": {"name": ..., "count": {...}}}``: a count in the state meets a condition."""
    if not isinstance(operand, dict) or not isinstance(operand.get("name"), str):
        detail = {"loc": "$.name", "message": "needs an event name"}
        raise ValidationError("bad $toyEvent", [detail])
    name = operand["name"]
    count = compile_condition({"count": operand.get("count", {"$gte": 1})})

    def happened(context: EvaluationContext) -> bool:
        return count({"count": context.state.get(name, 0)})

    return happened


@pytest.fixture
def segment_operator() -> Iterator[None]:
    register_operator("$toySegment", compile_segment)
    yield
    unregister_operator("$toySegment")


@pytest.fixture
def event_operator() -> Iterator[None]:
    register_operator("$toyEvent", compile_event)
    yield
    unregister_operator("$toyEvent")


@pytest.mark.usefixtures("segment_operator")
def test_registered_operator_reads_the_state() -> None:
    vip_in_germany = compile_condition({"$toySegment": "vip", "country": "DE"})
    assert vip_in_germany({"country": "DE"}, state={"vip", "new"}) is True
    assert vip_in_germany({"country": "DE"}, state={"new"}) is False
    assert vip_in_germany({"country": "AT"}, state={"vip"}) is False
    context = EvaluationContext({"country": "DE"}, state={"vip"})
    assert vip_in_germany.matches(context) is True


@pytest.mark.usefixtures("segment_operator")
def test_registered_operator_composes_with_logical_operators() -> None:
    condition = compile_condition(
        {
            "$or": [
                {"$toySegment": "vip"},
                {"$and": [{"$toySegment": "new"}, {"age": {"$lt": 30}}]},
            ],
            "$not": {"$toySegment": "churned"},
            "orders": {"$elemMatch": {"total": {"$gt": 0}, "$toySegment": "big-spender"}},
        }
    )
    orders = {"orders": [{"total": 0}, {"total": 1}]}
    assert condition(orders, state={"vip", "big-spender"}) is True
    assert condition({**orders, "age": 25}, state={"new", "big-spender"}) is True
    assert condition({**orders, "age": 35}, state={"new", "big-spender"}) is False
    assert condition(orders, state={"vip", "churned", "big-spender"}) is False
    assert condition(orders, state={"vip"}) is False


@pytest.mark.usefixtures("segment_operator", "event_operator")
def test_operands_are_validated_by_the_operator_compiler() -> None:
    problems = validate({"$and": [{"$toySegment": 3}, {"$toyEvent": {"count": {"$gte": 2}}}]})
    assert [problem.as_detail() for problem in problems] == [
        {"loc": "$.$and[0].$toySegment", "message": "$toySegment needs a segment key"},
        {"loc": "$.$and[1].$toyEvent.name", "message": "needs an event name"},
    ]
    with pytest.raises(ValidationError):
        compile_condition({"$toySegment": ""})
    assert compile_condition({"$toySegment": ""}, strict=False)({}, state={""}) is False


@pytest.mark.usefixtures("event_operator")
def test_operator_compilers_can_nest_conditions() -> None:
    twice = compile_condition({"$toyEvent": {"name": "purchase", "count": {"$gte": 2}}})
    assert twice({}, state={"purchase": 2}) is True
    assert twice({}, state={"purchase": 1}) is False


def test_evaluate_sees_operators_registered_after_an_earlier_call() -> None:
    condition = {"$toySegment": "vip"}
    assert evaluate(condition, {"$toySegment": "vip"}) is True  # unregistered: an attribute path
    register_operator("$toySegment", lambda operand: lambda context: False)
    try:
        assert evaluate(condition, {"$toySegment": "vip"}) is False
    finally:
        unregister_operator("$toySegment")
    assert evaluate(condition, {"$toySegment": "vip"}) is True


@pytest.mark.usefixtures("segment_operator")
def test_registration_is_guarded() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_operator("$toySegment", compile_segment)
    register_operator("$toySegment", compile_segment, replace=True)
    for name in ("segment", "$", "$a.b", "$and", "$not"):
        with pytest.raises(ValueError):
            register_operator(name, compile_segment)
    with pytest.raises(KeyError):
        unregister_operator("$never-registered")


def test_unknown_top_level_operator_lists_the_registered_ones(segment_operator: None) -> None:
    [problem] = validate({"$toySegmnt": "vip"})
    assert problem.loc == "$.$toySegmnt"
    assert "did you mean $toySegment?" in problem.message
