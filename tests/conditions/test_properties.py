"""Invariants of the condition language over generated conditions and attributes."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.conditions import compile_condition, evaluate, validate
from tailored.conditions._coercion import js_number, js_string, number_string

KEYS = ["a", "b", "c"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(-100, 100, allow_nan=False),
    st.sampled_from(["", "a", "B", "8", "10", "DE", "1.2.3", "v2.0.0-rc.1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=6,
)
attributes = st.dictionaries(st.sampled_from(KEYS), values, max_size=3)
scalar_lists = st.lists(scalars, max_size=3)


def _operators(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    nested = inner.filter(lambda condition: isinstance(condition, dict))
    operand = st.one_of(
        st.tuples(st.sampled_from(["$eq", "$ne"]), scalars),
        st.tuples(st.sampled_from(["$lt", "$lte", "$gt", "$gte"]), st.integers(-3, 12)),
        st.tuples(st.sampled_from(["$lt", "$gte"]), st.sampled_from(["a", "B", "8"])),
        st.tuples(st.sampled_from(["$in", "$nin", "$ini", "$nini"]), scalar_lists),
        st.tuples(st.just("$exists"), st.booleans()),
        st.tuples(st.just("$type"), st.sampled_from(["null", "number", "string", "array"])),
        st.tuples(st.sampled_from(["$regex", "$regexi"]), st.sampled_from(["^a", "8$", "b|e"])),
        st.tuples(st.just("$size"), st.integers(0, 3) | nested),
        st.tuples(st.just("$elemMatch"), nested),
        st.tuples(st.just("$not"), inner),
        st.tuples(st.just("$all"), st.lists(inner, max_size=2)),
        st.tuples(st.sampled_from(["$veq", "$vgt", "$vlte"]), st.sampled_from(["1.2.3", "2"])),
    )
    return st.lists(operand, min_size=1, max_size=2).map(dict)


value_conditions = st.recursive(scalars | st.lists(scalars, max_size=2), _operators, max_leaves=4)
fields = st.dictionaries(st.sampled_from([*KEYS, "a.b", "c.0"]), value_conditions, max_size=2)
conditions = st.recursive(
    fields,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"$and": cs}, st.lists(inner, max_size=2)),
        st.builds(lambda cs: {"$or": cs}, st.lists(inner, max_size=2)),
        st.builds(lambda cs: {"$nor": cs}, st.lists(inner, max_size=2)),
        st.builds(lambda c: {"$not": c}, inner),
        st.builds(lambda c, f: {**f, "$or": [c]}, inner, fields),
    ),
    max_leaves=5,
)


@settings(max_examples=100, deadline=None)
@given(conditions, attributes)
def test_generated_conditions_are_sound_and_compile_to_what_evaluate_answers(
    condition: Any, attrs: Any
) -> None:
    assert validate(condition) == []
    assert compile_condition(condition)(attrs) is evaluate(condition, attrs)


@settings(max_examples=100, deadline=None)
@given(conditions, attributes)
def test_logical_operators(condition: Any, attrs: Any) -> None:
    answer = evaluate(condition, attrs)
    assert evaluate({"$not": condition}, attrs) is not answer
    assert evaluate({"$and": [condition]}, attrs) is answer
    assert evaluate({"$or": [condition]}, attrs) is answer
    assert evaluate({"$nor": [condition]}, attrs) is not answer
    assert evaluate({"$and": [condition, condition]}, attrs) is answer


@settings(max_examples=100, deadline=None)
@given(conditions, conditions, attributes)
def test_and_or_combine_answers(first: Any, second: Any, attrs: Any) -> None:
    one, two = evaluate(first, attrs), evaluate(second, attrs)
    assert evaluate({"$and": [first, second]}, attrs) is (one and two)
    assert evaluate({"$or": [first, second]}, attrs) is (one or two)


@settings(max_examples=100, deadline=None)
@given(value_conditions, scalar_lists, attributes)
def test_value_negations(value_condition: Any, items: list[Any], attrs: Any) -> None:
    answer = evaluate({"a": value_condition}, attrs)
    assert evaluate({"a": {"$not": value_condition}}, attrs) is not answer
    found = evaluate({"a": {"$in": items}}, attrs)
    assert evaluate({"a": {"$nin": items}}, attrs) is not found


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53))
def test_numbers_read_back_from_their_javascript_text(number: float) -> None:
    text = number_string(number)
    assert js_number(text) == number
    assert js_string(number) == text
    assert evaluate({"n": text}, {"n": number}) is True
    assert evaluate({"n": number}, {"n": text}) is True
