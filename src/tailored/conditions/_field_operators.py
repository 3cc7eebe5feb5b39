"""The operators that test one attribute value, as in ``{"age": {"$gte": 18}}``.

Each entry of :data:`FIELD_OPERATORS` compiles an operand into a :data:`Test` of the value found
at the attribute path. Operands GrowthBook cannot use (``$in`` with a number, a broken regular
expression) compile to a test that always fails, as GrowthBook's evaluator answers false for
them; :func:`tailored.conditions.validate` reports them before they are saved.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias

from ._coercion import (
    is_array,
    is_number,
    js_compare,
    js_string,
    js_truthy,
    js_type,
    strict_equal,
    string_compare,
)
from ._context import EvaluationContext, Test, Unevaluable
from ._membership import Members, includes_any
from ._versions import padded_version


class Subconditions(Protocol):
    """Compiles the conditions nested in an operand (``$not``, ``$elemMatch``, ``$all``...)."""

    def value(self, condition: Any, *, insensitive: bool = False) -> Test:
        """Compile a condition on a value (``"x"``, ``{"$gt": 1}``, ``[1, 2]``)."""
        ...

    def condition(self, condition: Any) -> Test:
        """Compile a condition object on an object (``{"name": "x"}``)."""
        ...


FieldCompiler: TypeAlias = Callable[[Any, Subconditions], Test]
Relation: TypeAlias = Callable[[Any, Any], bool]


def is_operator_object(condition: Any) -> bool:
    """Whether ``condition`` is a non-empty object whose keys all start with ``$``."""
    return (
        isinstance(condition, Mapping)
        and len(condition) > 0
        and all(str(key).startswith("$") for key in condition)
    )


def regex(pattern: str, *, insensitive: bool) -> re.Pattern[str]:
    """Compile a ``$regex`` / ``$regexi`` pattern (Python's ``re`` syntax).

    Raises:
        re.error: The pattern is not a valid regular expression.
    """
    return re.compile(pattern, re.IGNORECASE if insensitive else 0)


def never(_value: Any, _context: EvaluationContext) -> bool:
    """The test of an operand that cannot match anything."""
    return False


def _is_present(value: Any, _context: EvaluationContext) -> bool:
    return value is not None


def _is_absent(value: Any, _context: EvaluationContext) -> bool:
    return value is None


def _strictly_equal(operand: Any) -> Test:
    """``value === operand``, with a fast path for the usual string and number operands."""
    if type(operand) is str:

        def equals_string(value: Any, _context: EvaluationContext) -> bool:
            if type(value) is str:
                return bool(value == operand)
            return strict_equal(value, operand)

        return equals_string
    if type(operand) is int or type(operand) is float:

        def equals_number(value: Any, _context: EvaluationContext) -> bool:
            kind = type(value)
            if kind is int or kind is float:
                return bool(value == operand)
            return strict_equal(value, operand)

        return equals_number

    def equals(value: Any, _context: EvaluationContext) -> bool:
        return strict_equal(value, operand)

    return equals


def _eq(operand: Any, _sub: Subconditions) -> Test:
    return _strictly_equal(operand)


def _ne(operand: Any, _sub: Subconditions) -> Test:
    equal = _strictly_equal(operand)

    def not_equal(value: Any, context: EvaluationContext) -> bool:
        return not equal(value, context)

    return not_equal


def _compared(value: Any, operand: Any, relation: Relation) -> bool:
    order = js_compare(value, operand)
    return order is not None and relation(order, 0)


def _ordering(relation: Relation) -> FieldCompiler:
    """``$lt`` and its kin: JavaScript's ``<`` with its coercions, fast for plain operands."""

    def compile_ordering(operand: Any, _sub: Subconditions) -> Test:
        if is_number(operand):

            def against_number(value: Any, _context: EvaluationContext) -> bool:
                kind = type(value)
                if kind is int or kind is float:
                    return relation(value, operand)
                return _compared(value, operand, relation)

            return against_number
        if isinstance(operand, str) and operand.isascii():

            def against_string(value: Any, _context: EvaluationContext) -> bool:
                if type(value) is str and value.isascii():
                    return relation(value, operand)
                return _compared(value, operand, relation)

            return against_string

        def against_any(value: Any, _context: EvaluationContext) -> bool:
            return _compared(value, operand, relation)

        return against_any

    return compile_ordering


def _version(relation: Relation) -> FieldCompiler:
    """``$vgt`` and its kin: compare padded version strings."""

    def compile_version(operand: Any, _sub: Subconditions) -> Test:
        target = padded_version(operand)

        def test(value: Any, _context: EvaluationContext) -> bool:
            return relation(string_compare(padded_version(value), target), 0)

        return test

    return compile_version


def _exists(operand: Any, _sub: Subconditions) -> Test:
    return _is_present if js_truthy(operand) else _is_absent


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _membership(*, negate: bool, insensitive: bool) -> FieldCompiler:
    """``$in``, ``$nin``, ``$ini``, ``$nini``: found in the list (arrays: any item found)."""

    def compile_membership(operand: Any, _sub: Subconditions) -> Test:
        if not is_array(operand):
            return never
        if insensitive:
            folded = Members((_fold(item) for item in operand), nan_found=False)

            def found_folded(value: Any, _context: EvaluationContext) -> bool:
                if is_array(value):
                    return any(_fold(item) in folded for item in value) != negate
                return (_fold(value) in folded) != negate

            return found_folded
        members = Members(operand)
        strings = members.strings

        def found(value: Any, _context: EvaluationContext) -> bool:
            if type(value) is str:
                return (value in strings) != negate
            return members.any_in(value) != negate

        return found

    return compile_membership


def _group(*, negate: bool) -> FieldCompiler:
    """``$inGroup`` / ``$notInGroup``: membership in a saved group of the context."""

    def compile_group(operand: Any, _sub: Subconditions) -> Test:
        key = operand if isinstance(operand, str) else js_string(operand)

        def in_group(value: Any, context: EvaluationContext) -> bool:
            return includes_any(context.saved_groups.get(key), value) != negate

        return in_group

    return compile_group


def _not(operand: Any, sub: Subconditions) -> Test:
    inner = sub.value(operand)

    def negated(value: Any, context: EvaluationContext) -> bool:
        return not inner(value, context)

    return negated


def _size(operand: Any, sub: Subconditions) -> Test:
    inner = sub.value(operand)

    def size(value: Any, context: EvaluationContext) -> bool:
        return is_array(value) and inner(len(value), context)

    return size


def _elem_match(operand: Any, sub: Subconditions) -> Test:
    if operand is None:

        def unevaluable(value: Any, _context: EvaluationContext) -> bool:
            if not is_array(value):
                return False
            raise Unevaluable("$elemMatch needs a condition, not null")

        return unevaluable
    check = sub.value(operand) if is_operator_object(operand) else sub.condition(operand)

    def elem_match(value: Any, context: EvaluationContext) -> bool:
        if not is_array(value):
            return False
        # GrowthBook skips falsy items (0, "", false, null) without testing them.
        return any(js_truthy(item) and check(item, context) for item in value)

    return elem_match


def _all(*, insensitive: bool) -> FieldCompiler:
    """``$all`` / ``$alli``: every listed condition matches some item of the array."""

    def compile_all(operand: Any, sub: Subconditions) -> Test:
        if not is_array(operand):
            return never
        checks = [sub.value(item, insensitive=insensitive) for item in operand]

        def every(value: Any, context: EvaluationContext) -> bool:
            if not is_array(value):
                return False
            return all(any(check(item, context) for item in value) for check in checks)

        return every

    return compile_all


def _regex(*, insensitive: bool) -> FieldCompiler:
    """``$regex`` / ``$regexi``: a search in the value read as a string (None is "null")."""

    def compile_regex(operand: Any, _sub: Subconditions) -> Test:
        if not isinstance(operand, str):
            return never
        try:
            search = regex(operand, insensitive=insensitive).search
        except (re.error, OverflowError, RecursionError):
            return never

        def matches(value: Any, _context: EvaluationContext) -> bool:
            return search(value if type(value) is str else js_string(value)) is not None

        return matches

    return compile_regex


def _type(operand: Any, _sub: Subconditions) -> Test:
    def has_type(value: Any, _context: EvaluationContext) -> bool:
        return js_type(value) == operand if isinstance(operand, str) else False

    return has_type


FIELD_OPERATORS: dict[str, FieldCompiler] = {
    "$all": _all(insensitive=False),
    "$alli": _all(insensitive=True),
    "$elemMatch": _elem_match,
    "$eq": _eq,
    "$exists": _exists,
    "$gt": _ordering(operator.gt),
    "$gte": _ordering(operator.ge),
    "$in": _membership(negate=False, insensitive=False),
    "$inGroup": _group(negate=False),
    "$ini": _membership(negate=False, insensitive=True),
    "$lt": _ordering(operator.lt),
    "$lte": _ordering(operator.le),
    "$ne": _ne,
    "$nin": _membership(negate=True, insensitive=False),
    "$nini": _membership(negate=True, insensitive=True),
    "$not": _not,
    "$notInGroup": _group(negate=True),
    "$regex": _regex(insensitive=False),
    "$regexi": _regex(insensitive=True),
    "$size": _size,
    "$type": _type,
    "$veq": _version(operator.eq),
    "$vgt": _version(operator.gt),
    "$vgte": _version(operator.ge),
    "$vlt": _version(operator.lt),
    "$vlte": _version(operator.le),
    "$vne": _version(operator.ne),
}
"""Every attribute operator of the language, by name."""
