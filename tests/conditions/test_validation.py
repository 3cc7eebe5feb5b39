"""What ``validate`` reports, where, and how ``compile_condition`` refuses it."""

from __future__ import annotations

from typing import Any

import pytest

from tailored.conditions import Problem, compile_condition, validate
from tailored.core import ValidationError

SOUND = [
    {},
    {"country": "DE", "age": {"$gte": 18, "$lt": 65}, "plan": None, "tags": ["a", "b"]},
    {"$and": [{"a": 1}, {"$or": [{"b": {"$in": [1, 2]}}, {"$nor": [{"c": True}]}]}]},
    {"$not": {"email": {"$regex": "@example\\.com$"}}},
    {"hobbies": {"$elemMatch": {"name": {"$regexi": "^ping"}}}},
    {"scores": {"$elemMatch": {"$gt": 10}}, "tags": {"$size": {"$gte": 2}}},
    {"tags": {"$all": ["a", {"$regex": "^b"}], "$nin": ["x"]}, "t": {"$alli": ["A"]}},
    {"v": {"$vgte": "1.2.0", "$vlt": "2.0.0-rc.1"}, "id": {"$inGroup": "beta"}},
    {"o": {"k": 1}, "x": {"$exists": False, "$type": "null"}, "n": {"$not": {"$eq": 3}}},
]


@pytest.mark.parametrize("condition", SOUND, ids=str)
def test_sound_conditions_have_no_problems(condition: Any) -> None:
    assert validate(condition) == []
    compile_condition(condition)


# (condition, [(loc, words the message contains)])
PROBLEMS: list[tuple[Any, list[tuple[str, str]]]] = [
    ([], [("$", "a condition is an object, not a list")]),
    (None, [("$", "not null")]),
    ({"name": {"$regx": "hello"}}, [("$.name.$regx", "did you mean $regex?")]),
    (
        {"$and": [{"a": 1}, {"country": {"$regx": "^D"}}]},
        [("$.$and[1].country.$regx", "unknown operator $regx")],
    ),
    ({"$ands": [{"a": 1}]}, [("$.$ands", "did you mean $and?")]),
    ({"name": {"$regex": "/???***[)"}}, [("$.name.$regex", "invalid regular expression")]),
    ({"name": {"$regexi": 5}}, [("$.name.$regexi", "needs a regular expression")]),
    ({"num": {"$in": 1}}, [("$.num.$in", "$in needs a list, not a number")]),
    ({"num": {"$nini": "a"}}, [("$.num.$nini", "needs a list, not a string")]),
    ({"tags": {"$size": "3"}}, [("$.tags.$size", "needs a whole number or a condition")]),
    ({"tags": {"$size": -1}}, [("$.tags.$size", "whole number")]),
    ({"tags": {"$size": {"n": 1}}}, [("$.tags.$size", "whole number")]),
    ({"tags": {"$size": {"$gt": "x", "$lt": []}}}, [("$.tags.$size.$lt", "not a list")]),
    ({"$and": {"a": 1}}, [("$.$and", "$and needs a list of conditions, not an object")]),
    ({"$or": [{"a": 1}, 3]}, [("$.$or[1]", "not a number")]),
    ({"$not": [{"a": 1}]}, [("$.$not", "not a list")]),
    ({"age": {"$gt": [18]}}, [("$.age.$gt", "needs a number or a string")]),
    ({"age": {"$gte": True}}, [("$.age.$gte", "not a boolean")]),
    ({"v": {"$vgt": 2}}, [("$.v.$vgt", "version string")]),
    ({"x": {"$exists": 1}}, [("$.x.$exists", "true or false")]),
    ({"x": {"$type": "integer"}}, [("$.x.$type", "needs one of array, boolean")]),
    ({"id": {"$inGroup": ""}}, [("$.id.$inGroup", "saved group")]),
    ({"l": {"$eq": [1]}}, [("$.l.$eq", "never holds for a list")]),
    ({"xs": {"$elemMatch": 3}}, [("$.xs.$elemMatch", "needs a condition")]),
    ({"xs": {"$elemMatch": {"name": {"$bad": 1}}}}, [("$.xs.$elemMatch.name.$bad", "unknown")]),
    ({"xs": {"$elemMatch": {"$bad": 1}}}, [("$.xs.$elemMatch.$bad", "unknown")]),
    ({"xs": {"$all": [{"$regex": "("}]}}, [("$.xs.$all[0].$regex", "invalid regular")]),
    ({"xs": {"$not": {"$in": 2}}}, [("$.xs.$not.$in", "needs a list")]),
    ({"o": {"$gt": 1, "x": 2}}, [("$.o", "mixes operators ($gt) with plain keys (x)")]),
    ({"a..b": 1}, [('$["a..b"]', "has an empty part")]),
    ({"first name": {"$in": 1}}, [('$["first name"].$in', "needs a list")]),
    ({"father.age": {"$gt": None}}, [('$["father.age"].$gt', "not null")]),
    (
        {"$or": [{"a": {"$in": 1}}, {"b": {"$regex": "["}}], "c": {"$foo": 1}},
        [
            ("$.$or[0].a.$in", "needs a list"),
            ("$.$or[1].b.$regex", "invalid regular expression"),
            ("$.c.$foo", "unknown operator"),
        ],
    ),
]


@pytest.mark.parametrize(("condition", "expected"), PROBLEMS, ids=str)
def test_problems_are_reported_at_their_path(
    condition: Any, expected: list[tuple[str, str]]
) -> None:
    problems = validate(condition)
    assert [problem.loc for problem in problems] == [loc for loc, _ in expected]
    for problem, (_, words) in zip(problems, expected, strict=True):
        assert words in problem.message


def test_compile_condition_raises_validation_error_with_every_problem() -> None:
    condition = {"$and": [{"a": {"$in": 1}}, {"country": {"$regx": "^D"}}]}
    with pytest.raises(ValidationError) as raised:
        compile_condition(condition)
    error = raised.value
    assert error.status_code == 422
    assert [detail["loc"] for detail in error.details] == [
        "$.$and[0].a.$in",
        "$.$and[1].country.$regx",
    ]
    assert all(set(detail) == {"loc", "message"} for detail in error.details)
    assert error.message.startswith("invalid condition at $.$and[0].a.$in: ")
    assert error.message.endswith("(and 1 more)")


def test_problem_as_detail() -> None:
    problem = Problem("$.a.$in", "$in needs a list, not a number")
    assert problem.as_detail() == {"loc": "$.a.$in", "message": "$in needs a list, not a number"}


def test_validation_knows_exactly_the_operators_the_compiler_knows() -> None:
    from tailored.conditions import _field_operators, _validation

    checked = set(_validation._OPERAND_CHECKS) | set(_validation._NESTED_CHECKS)
    assert checked == set(_field_operators.FIELD_OPERATORS)
