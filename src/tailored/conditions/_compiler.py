"""Compiling conditions into closures, with GrowthBook's run-time semantics.

This compiler accepts any JSON and never fails: what GrowthBook's evaluator answers false for
(an unknown operator, ``$in`` with a number) compiles to a test that fails, and what it would
throw on (``null`` where a condition belongs) compiles to a test that raises
:class:`Unevaluable`. Refusing such conditions is :func:`validate`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from tailored.core import ValidationError

from ._coercion import is_array, is_array_index, js_json, js_number, js_string, js_truthy
from ._context import EvaluationContext, Predicate, Test, Unevaluable
from ._field_operators import FIELD_OPERATORS, is_operator_object, never
from ._registry import OperatorCompiler, operator_compiler


def always(_value: Any, _context: EvaluationContext) -> bool:
    """The test of an empty condition."""
    return True


def _unevaluable(_value: Any, _context: EvaluationContext) -> bool:
    raise Unevaluable("null where a condition belongs")


def all_of(tests: Sequence[Test]) -> Test:
    """A test passing when every one of ``tests`` passes (the empty list passes)."""
    if not tests:
        return always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests

        def both(value: Any, context: EvaluationContext) -> bool:
            return first(value, context) and second(value, context)

        return both
    frozen = tuple(tests)

    def every(value: Any, context: EvaluationContext) -> bool:
        # A loop rather than all(...): no generator to build on this hot path.
        for test in frozen:  # noqa: SIM110
            if not test(value, context):
                return False
        return True

    return every


def any_of(tests: Sequence[Test]) -> Test:
    """A test passing when one of ``tests`` passes; as in GrowthBook, the empty list passes."""
    if not tests:
        return always
    if len(tests) == 1:
        return tests[0]
    frozen = tuple(tests)

    def some(value: Any, context: EvaluationContext) -> bool:
        for test in frozen:  # noqa: SIM110 - no generator to build on this hot path
            if test(value, context):
                return True
        return False

    return some


def negate(test: Test) -> Test:
    """A test passing when ``test`` fails."""

    def negated(value: Any, context: EvaluationContext) -> bool:
        return not test(value, context)

    return negated


def get_path(obj: Any, parts: Sequence[str]) -> Any:
    """The value at a dot path (already split), or None where the path leads nowhere.

    Objects are entered by key and arrays by index ("items.0.sku") or ``length``, as
    GrowthBook's ``getPath`` does in JavaScript.

    >>> get_path({"a": {"b": [10, 20]}}, ["a", "b", "1"]), get_path({"a": 1}, ["a", "b"])
    (20, None)
    """
    current = obj
    for part in parts:
        if isinstance(current, Mapping):
            if part not in current:
                return None
            current = current[part]
        elif is_array(current):
            if part == "length":
                current = len(current)
            elif is_array_index(part) and int(part) < len(current):
                current = current[int(part)]
            else:
                return None
        else:
            return None
    return current


def _nested_field(parts: Sequence[str], test: Test) -> Test:
    """Apply ``test`` to the value at a dot path of several parts."""

    def nested_field(obj: Any, context: EvaluationContext) -> bool:
        return test(get_path(obj, parts), context)

    return nested_field


# A clause of a condition object: the attribute its test reads, or None for a test of the
# whole object (logical and registered operators, dot paths).
Clause: TypeAlias = tuple[str | None, Test]


def _all_clauses(clauses: Sequence[Clause]) -> Test:
    """A test passing when every clause passes, in order.

    Reading a top-level attribute is the commonest step of all, so the clauses do it
    themselves (one ``dict.get``) rather than through a closure per attribute.
    """
    if all(key is None for key, _ in clauses):
        return all_of([test for _, test in clauses])
    frozen = tuple(clauses)
    only_key, only_test = frozen[0]
    if len(frozen) == 1 and only_key is not None:
        attribute = only_key

        def one(obj: Any, context: EvaluationContext) -> bool:
            if type(obj) is dict:
                return only_test(obj.get(attribute), context)
            return only_test(get_path(obj, (attribute,)), context)

        return one

    def every(obj: Any, context: EvaluationContext) -> bool:
        if type(obj) is dict:
            get = obj.get
            for key, test in frozen:  # noqa: SIM110 - no generator to build on this hot path
                if not test(obj if key is None else get(key), context):
                    return False
            return True
        for key, test in frozen:
            if not test(obj if key is None else get_path(obj, (key,)), context):
                return False
        return True

    return every


def _registered(compiler: OperatorCompiler, operand: Any) -> Test:
    try:
        predicate: Predicate = compiler(operand)
    except (ValidationError, ValueError):
        return never

    def registered(_obj: Any, context: EvaluationContext) -> bool:
        return predicate(context)

    return registered


def _entries(condition: Any) -> list[tuple[str, Any]] | None:
    """JavaScript's ``Object.entries(condition)``; None where it would throw (null)."""
    if isinstance(condition, Mapping):
        return [
            (key if isinstance(key, str) else js_string(key), v) for key, v in condition.items()
        ]
    if is_array(condition) or isinstance(condition, str):
        return [(str(index), item) for index, item in enumerate(condition)]
    if condition is None:
        return None
    return []


def _condition_list(operand: Any) -> list[Any] | None:
    """The conditions GrowthBook's ``$and``/``$or`` loop over; None where it would throw."""
    if is_array(operand) or isinstance(operand, str):
        return list(operand)
    if operand is None:
        return None
    return []  # an object or number has no `length`: the loop runs zero times


def compile_object(condition: Any) -> Test:
    """Compile a condition object (attribute paths, logical and registered operators)."""
    entries = _entries(condition)
    if entries is None:
        return _unevaluable
    return _all_clauses([_compile_entry(key, operand) for key, operand in entries])


def _compile_entry(key: str, operand: Any) -> Clause:
    if key in ("$and", "$or", "$nor"):
        conditions = _condition_list(operand)
        if conditions is None:
            return None, _unevaluable
        tests = [compile_object(condition) for condition in conditions]
        if key == "$and":
            return None, all_of(tests)
        return None, any_of(tests) if key == "$or" else negate(any_of(tests))
    if key == "$not":
        return None, negate(compile_object(operand))
    compiler = operator_compiler(key)
    if compiler is not None:
        return None, _registered(compiler, operand)
    parts = key.split(".")
    if len(parts) == 1:
        return key, compile_value(operand)
    return None, _nested_field(parts, compile_value(operand))


def compile_value(condition: Any, *, insensitive: bool = False) -> Test:
    """Compile a condition on one value: a literal to equal, or an object of operators.

    Args:
        condition: The condition.
        insensitive: Compare a string literal case-insensitively (inside ``$alli``).
    """
    if isinstance(condition, str):
        return _equals_string(condition, insensitive=insensitive)
    if isinstance(condition, bool):
        return _truthiness(condition)
    if isinstance(condition, int | float):
        return _equals_number(condition)
    if condition is None:
        return _is_null
    if is_operator_object(condition):
        return all_of([_compile_operator(str(op), operand) for op, operand in condition.items()])
    return _equals_json(condition)


def _compile_operator(name: str, operand: Any) -> Test:
    compile_operator = FIELD_OPERATORS.get(name)
    if compile_operator is None:
        return never
    return compile_operator(operand, _SUBCONDITIONS)


class _Subconditions:
    def value(self, condition: Any, *, insensitive: bool = False) -> Test:
        return compile_value(condition, insensitive=insensitive)

    def condition(self, condition: Any) -> Test:
        return compile_object(condition)


_SUBCONDITIONS = _Subconditions()


def _equals_string(expected: str, *, insensitive: bool) -> Test:
    """``value + "" === expected``: the value read as a string ("8" for 8, "null" for None)."""
    if insensitive:
        folded = expected.lower()

        def equals_folded(value: Any, _context: EvaluationContext) -> bool:
            return (value if type(value) is str else js_string(value)).lower() == folded

        return equals_folded

    def equals(value: Any, _context: EvaluationContext) -> bool:
        if type(value) is str:
            return value == expected
        return js_string(value) == expected

    return equals


def _equals_number(expected: float) -> Test:
    """``value * 1 === expected``: the value read as a number (8 for "8", 0 for None)."""

    def equals(value: Any, _context: EvaluationContext) -> bool:
        kind = type(value)
        if kind is int or kind is float:
            return bool(value == expected)
        return js_number(value) == expected

    return equals


def _truthiness(expected: bool) -> Test:
    """``value !== null && !!value === expected``."""

    def test(value: Any, _context: EvaluationContext) -> bool:
        return value is not None and js_truthy(value) is expected

    return test


def _is_null(value: Any, _context: EvaluationContext) -> bool:
    return value is None


def _equals_json(expected: Any) -> Test:
    """``JSON.stringify(value) === JSON.stringify(expected)`` for lists and plain objects."""
    text = js_json(expected)

    def equals(value: Any, _context: EvaluationContext) -> bool:
        return js_json(value) == text

    return equals
