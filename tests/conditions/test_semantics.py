"""GrowthBook's JavaScript semantics beyond the shared cases, and the compiled-condition API."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tailored.conditions import EvaluationContext, compile_condition, evaluate
from tailored.core import ValidationError

# (condition, attributes, expected): each row is what GrowthBook's JavaScript evaluator answers.
JAVASCRIPT_SEMANTICS = [
    # A string literal compares with `value + ""`.
    ({"n": "10"}, {"n": 10.0}, True),
    ({"flag": "true"}, {"flag": True}, True),
    ({"x": "null"}, {}, True),
    ({"tags": "a,b"}, {"tags": ["a", "b"]}, True),
    ({"o": "[object Object]"}, {"o": {"k": 1}}, True),
    ({"n": "1e+21"}, {"n": 1e21}, True),
    ({"n": "1e-7"}, {"n": 0.0000001}, True),
    # A number literal compares with `value * 1`.
    ({"n": 8}, {"n": " 8\n"}, True),
    ({"n": 8}, {"n": "0x8"}, True),
    ({"n": 8}, {"n": "8px"}, False),
    ({"n": 8}, {"n": [8]}, True),
    ({"n": 0}, {}, True),
    ({"n": 0}, {"n": ""}, True),
    ({"n": 1}, {"n": True}, True),
    ({"n": 1000}, {"n": "1_000"}, False),
    ({"n": math.inf}, {"n": "Infinity"}, True),
    # A boolean literal compares truthiness, but never matches null.
    ({"b": True}, {"b": "yes"}, True),
    ({"b": True}, {"b": []}, True),
    ({"b": False}, {"b": 0}, True),
    ({"b": False}, {"b": ""}, True),
    ({"b": False}, {}, False),
    # Lists and plain objects compare through JSON.stringify: order matters, 1.0 is 1.
    ({"l": [1, 2.0]}, {"l": [1.0, 2]}, True),
    ({"o": {"a": 1, "b": 2}}, {"o": {"b": 2, "a": 1}}, False),
    ({"o": {"b": 1, "2": 2}}, {"o": {"2": 2, "b": 1}}, True),
    ({"o": {}}, {"o": {}}, True),
    ({"o": {}}, {"o": []}, False),
    # $eq is ===: no coercion, and a list is never identical to another.
    ({"n": {"$eq": 1}}, {"n": 1.0}, True),
    ({"n": {"$eq": 1}}, {"n": "1"}, False),
    ({"n": {"$eq": 1}}, {"n": True}, False),
    ({"l": {"$eq": [1]}}, {"l": [1]}, False),
    ({"n": {"$ne": None}}, {}, False),
    # Ordering is JavaScript's `<`: strings as strings, anything else as numbers.
    ({"n": {"$lt": 5}}, {}, True),
    ({"n": {"$gt": 5}}, {"n": "abc"}, False),
    ({"n": {"$lte": 5}}, {"n": "abc"}, False),
    ({"n": {"$gte": 1}}, {"n": True}, True),
    ({"s": {"$gt": "10"}}, {"s": "9"}, True),
    ({"s": {"$lt": "b"}}, {"s": ["a"]}, True),
    ({"s": {"$gt": "\uffff"}}, {"s": "\U0001f600"}, False),  # UTF-16: a surrogate is below U+FFFF
    ({"s": {"$lt": "é"}}, {"s": "e"}, True),
    # $regex searches the value read as a string.
    ({"n": {"$regex": "^4"}}, {"n": 42}, True),
    ({"n": {"$regex": "^null$"}}, {}, True),
    ({"s": {"$regexi": "^ab"}}, {"s": "ABC"}, True),
    ({"s": {"$regex": 5}}, {"s": "5"}, False),
    # $elemMatch skips falsy items without testing them.
    ({"xs": {"$elemMatch": {"$eq": 0}}}, {"xs": [0, 1]}, False),
    ({"xs": {"$elemMatch": {"$gte": 0}}}, {"xs": [0, 2]}, True),
    ({"xs": {"$elemMatch": {}}}, {"xs": [None, 3]}, True),
    # $all and $alli take conditions; $alli folds case of string literals only.
    ({"xs": {"$all": [{"$gt": 5}, {"$lt": 0}]}}, {"xs": [-1, 6]}, True),
    ({"xs": {"$all": [{"$gt": 5}, {"$lt": 0}]}}, {"xs": [6]}, False),
    ({"xs": {"$alli": [1, "A"]}}, {"xs": ["a", 1]}, True),
    ({"xs": {"$all": 1}}, {"xs": [1]}, False),
    # $in is includes(): no coercion, arrays intersect.
    ({"n": {"$in": [1, 2]}}, {"n": 1.0}, True),
    ({"n": {"$in": [1, 2]}}, {"n": True}, False),
    ({"n": {"$in": [1, 2]}}, {"n": "1"}, False),
    ({"n": {"$in": [True]}}, {"n": 1}, False),
    ({"n": {"$in": [None]}}, {}, True),
    ({"n": {"$in": [[1]]}}, {"n": [1]}, False),
    ({"n": {"$in": [2**53]}}, {"n": 2**53 + 1}, True),  # the same double in JavaScript
    ({"n": {"$nin": [1, 2]}}, {"n": [3, 2]}, False),
    ({"s": {"$ini": ["ÄB"]}}, {"s": ["x", "äb"]}, True),
    # Paths enter objects, and arrays by index or `length`; strings have no properties.
    ({"items.1.sku": "b"}, {"items": [{"sku": "a"}, {"sku": "b"}]}, True),
    ({"items.length": 2}, {"items": [{"sku": "a"}, {"sku": "b"}]}, True),
    ({"items.01.sku": {"$exists": False}}, {"items": [{"sku": "a"}, {"sku": "b"}]}, True),
    ({"items.2": {"$exists": True}}, {"items": [1, 2]}, False),
    ({"name.length": 5}, {"name": "hello"}, False),
    ({"a.b": {"$exists": False}}, {"a": "x"}, True),
    ({"a.b.c": 1}, {"a": {"b": {"c": 1}}}, True),
    # $type and $size.
    ({"a": {"$type": "null"}}, {}, True),
    ({"a": {"$type": "array"}}, {"a": (1, 2)}, True),
    ({"a": {"$type": "number"}}, {"a": True}, False),
    ({"a": {"$type": 1}}, {"a": 1}, False),
    ({"a": {"$size": {"$gte": 2}}}, {"a": [1, 2]}, True),
    # Versions: numbers are read as text; anything else is "0".
    ({"v": {"$veq": "2"}}, {"v": 2}, True),
    ({"v": {"$vgt": "0.0.1"}}, {"v": None}, False),
    ({"v": {"$vlt": "1.0.0"}}, {"v": "1.0.0-rc.1+build.5"}, True),
    # Logical operators with odd operands behave as GrowthBook's loops do.
    ({"$and": {"a": 2}}, {"a": 1}, True),
    ({"$or": {"a": 2}}, {"a": 1}, True),
    ({"$nor": []}, {}, False),
    ({"$or": [{"a": 1}, None]}, {"a": 1}, True),
    ({"$and": ["ab"]}, {"0": "a", "1": "b"}, True),
    ({"$not": {}}, {}, False),
]


@pytest.mark.parametrize(
    ("condition", "attributes", "expected"),
    JAVASCRIPT_SEMANTICS,
    ids=[str(case[0]) for case in JAVASCRIPT_SEMANTICS],
)
def test_javascript_semantics(condition: Any, attributes: Any, expected: bool) -> None:
    assert evaluate(condition, attributes) is expected
    assert compile_condition(condition, strict=False)(attributes) is expected


@pytest.mark.parametrize(
    "condition",
    [None, {"$or": [None, {"a": 1}]}, {"$and": None}, {"xs": {"$elemMatch": None}}],
    ids=str,
)
def test_what_javascript_would_throw_on_is_false(condition: Any) -> None:
    """Where GrowthBook's evaluator throws (null for a condition), the whole answer is false."""
    attributes = {"a": 1, "xs": [1]}
    assert evaluate(condition, attributes) is False
    assert evaluate({"$not": condition}, attributes) is False


def test_nan_conditions_are_not_confused_with_null_in_the_cache() -> None:
    assert evaluate({"n": {"$in": [None]}}, {"n": None}) is True
    assert evaluate({"n": {"$in": [math.nan]}}, {"n": None}) is False
    assert evaluate({"n": {"$in": [math.nan]}}, {"n": math.nan}) is True
    assert evaluate({"n": {"$ini": [math.nan]}}, {"n": math.nan}) is False  # === in $ini


def test_non_json_conditions_are_evaluated_uncached() -> None:
    assert evaluate({"n": 2**70}, {"n": float(2**70)}) is True
    assert evaluate({"n": {1: "a"}}, {"n": {"1": "a"}}) is True


@pytest.mark.parametrize(
    ("group", "value", "expected"),
    [
        ([1, 2, 3], 2, True),
        ([1, 2, 3], 2.0, True),
        ([1, 2, 3], True, False),
        ([True], 1, False),
        ({1, 2}, 1, True),
        ({1, 2}, True, False),
        (frozenset({"a"}), "a", True),
        ([math.nan], math.nan, True),
        ([1, "2"], [9, "2"], True),
        ([[1]], [1], False),
        ("abc", "a", False),
        (None, 1, False),
    ],
    ids=repr,
)
def test_saved_groups(group: Any, value: Any, expected: bool) -> None:
    groups = {"g": group}
    assert evaluate({"id": {"$inGroup": "g"}}, {"id": value}, groups) is expected
    assert evaluate({"id": {"$notInGroup": "g"}}, {"id": value}, groups) is not expected


def test_compiled_condition_is_reusable_and_takes_saved_groups() -> None:
    beta = compile_condition({"id": {"$inGroup": "beta"}, "country": {"$in": ["DE", "AT"]}})
    groups = {"beta": ["u1", "u2"]}
    assert beta({"id": "u1", "country": "DE"}, groups) is True
    assert beta({"id": "u3", "country": "DE"}, groups) is False
    assert beta({"id": "u1", "country": "DE"}) is False
    context = EvaluationContext({"id": "u2", "country": "AT"}, groups)
    assert beta.matches(context) is True


def test_compiled_condition_ignores_later_changes_to_its_source() -> None:
    source: dict[str, Any] = {"tags": {"$in": ["a"]}, "o": {"k": 1}}
    compiled = compile_condition(source)
    source["tags"]["$in"].append("b")
    source["o"]["k"] = 2
    source["extra"] = 1
    assert compiled({"tags": "a", "o": {"k": 1}}) is True
    assert compiled({"tags": "b", "o": {"k": 1}}) is False
    assert compiled({"tags": "a", "o": {"k": 2}}) is False


def test_strict_compilation_refuses_what_lenient_compilation_accepts() -> None:
    condition = {"name": {"$regx": "^a"}}
    with pytest.raises(ValidationError) as raised:
        compile_condition(condition)
    assert raised.value.status_code == 422
    assert raised.value.details == [
        {"loc": "$.name.$regx", "message": raised.value.details[0]["message"]}
    ]
    assert compile_condition(condition, strict=False)({"name": "abc"}) is False
