"""Checking a condition before it is saved: unknown operators, bad operands, bad patterns.

GrowthBook's evaluator quietly answers false for what it does not understand; a condition that
can never match is almost always a typo, so the API refuses it instead, naming the place of each
problem as a JSON path such as ``$.$and[1].country.$regx``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from tailored.core import ValidationError

from ._coercion import is_array, is_number
from ._field_operators import FIELD_OPERATORS, is_operator_object, regex
from ._registry import LOGICAL_OPERATORS, operator_compiler, registered_operators

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_TYPES = ("array", "boolean", "null", "number", "object", "string")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a condition.

    >>> Problem("$.age.$gte", "$gte needs a number or a string, not a list").as_detail()
    {'loc': '$.age.$gte', 'message': '$gte needs a number or a string, not a list'}
    """

    loc: str
    """Where: a JSON path into the condition, ``$`` being the whole condition."""
    message: str
    """What is wrong, in a sentence for a person."""

    def as_detail(self) -> dict[str, str]:
        """The problem as an item of :attr:`tailored.core.ValidationError.details`."""
        return {"loc": self.loc, "message": self.message}


def validate(condition: Any) -> list[Problem]:
    """Every problem of ``condition``, in document order; an empty list means it is sound.

    >>> [p.loc for p in validate({"$and": [{"a": 1}, {"country": {"$regx": "^D"}}]})]
    ['$.$and[1].country.$regx']
    """
    problems: list[Problem] = []
    _check_condition(condition, "$", problems)
    return problems


def raise_for_problems(problems: list[Problem]) -> None:
    """Raise :class:`ValidationError` naming ``problems``, if there are any."""
    if not problems:
        return
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise ValidationError(
        f"invalid condition at {first.loc}: {first.message}{more}",
        [problem.as_detail() for problem in problems],
    )


def _child(loc: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{loc}.{key}"
    return f"{loc}[{json.dumps(key, ensure_ascii=False)}]"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if is_array(value):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}, which is not JSON"


def _check_condition(condition: Any, loc: str, out: list[Problem]) -> None:
    if not isinstance(condition, Mapping):
        out.append(Problem(loc, f"a condition is an object, not {_describe(condition)}"))
        return
    for key, operand in condition.items():
        if not isinstance(key, str):
            out.append(Problem(loc, f"keys are strings, not {_describe(key)}"))
            continue
        here = _child(loc, key)
        if key in ("$and", "$or", "$nor"):
            if not is_array(operand):
                out.append(
                    Problem(here, f"{key} needs a list of conditions, not {_describe(operand)}")
                )
                continue
            for index, item in enumerate(operand):
                _check_condition(item, f"{here}[{index}]", out)
        elif key == "$not":
            _check_condition(operand, here, out)
        elif (compiler := operator_compiler(key)) is not None:
            _check_registered(compiler, operand, here, out)
        elif key.startswith("$"):
            known = sorted(LOGICAL_OPERATORS | set(registered_operators()))
            out.append(Problem(here, _unknown(key, known, "at the top of a condition")))
        else:
            if "" in key.split("."):
                out.append(Problem(here, f"attribute path {key!r} has an empty part"))
            _check_value(operand, here, out)


def _check_registered(
    compiler: Callable[[Any], object], operand: Any, loc: str, out: list[Problem]
) -> None:
    try:
        compiler(operand)
    except ValidationError as error:
        if not error.details:
            out.append(Problem(loc, error.message))
        for detail in error.details:
            relative = str(detail.get("loc", "$"))
            where = loc + relative[1:] if relative.startswith("$") else f"{loc}.{relative}"
            out.append(Problem(where, str(detail.get("message", error.message))))
    except ValueError as error:
        out.append(Problem(loc, str(error)))


def _unknown(name: str, known: list[str], where: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(known)}"
    return f"unknown operator {name} {where}{hint}"


def _check_value(condition: Any, loc: str, out: list[Problem]) -> None:
    if not isinstance(condition, Mapping) or not condition:
        return  # a literal: compared as it is
    operators = [key for key in condition if str(key).startswith("$")]
    if len(operators) == len(condition):
        for name, operand in condition.items():
            _check_operator(str(name), operand, _child(loc, str(name)), out)
    elif operators:
        plain = [str(key) for key in condition if not str(key).startswith("$")]
        out.append(
            Problem(
                loc,
                f"mixes operators ({', '.join(map(str, operators))}) with plain keys "
                f"({', '.join(plain)}); such an object is compared literally, so the operators "
                "would never run",
            )
        )


def _check_operator(name: str, operand: Any, loc: str, out: list[Problem]) -> None:
    if name in _NESTED_CHECKS:
        message = _NESTED_CHECKS[name](name, operand, loc, out)
    elif name in _OPERAND_CHECKS:
        message = _OPERAND_CHECKS[name](name, operand)
    else:
        message = _unknown(name, sorted(FIELD_OPERATORS), "on an attribute")
    if message:
        out.append(Problem(loc, message))


# An operand check returns the message of a problem with the operand itself (or None); a nested
# check also appends the problems of the conditions nested in the operand to `out`.
_Check: TypeAlias = Callable[[str, Any], str | None]
_NestedCheck: TypeAlias = Callable[[str, Any, str, list[Problem]], str | None]


def _any(name: str, operand: Any) -> str | None:
    if is_array(operand) or isinstance(operand, Mapping):
        return f"{name} compares with ===, which never holds for {_describe(operand)}"
    return None


def _orderable(name: str, operand: Any) -> str | None:
    if is_number(operand) or isinstance(operand, str):
        return None
    return f"{name} needs a number or a string, not {_describe(operand)}"


def _version(name: str, operand: Any) -> str | None:
    if isinstance(operand, str) and operand.strip():
        return None
    return f"{name} needs a version string such as '1.2.3', not {_describe(operand)}"


def _boolean(name: str, operand: Any) -> str | None:
    if isinstance(operand, bool):
        return None
    return f"{name} needs true or false, not {_describe(operand)}"


def _list(name: str, operand: Any) -> str | None:
    if is_array(operand):
        return None
    return f"{name} needs a list, not {_describe(operand)}"


def _list_of_conditions(name: str, operand: Any, loc: str, out: list[Problem]) -> str | None:
    if not is_array(operand):
        return f"{name} needs a list, not {_describe(operand)}"
    for index, item in enumerate(operand):
        _check_value(item, f"{loc}[{index}]", out)
    return None


def _group_id(name: str, operand: Any) -> str | None:
    if isinstance(operand, str) and operand:
        return None
    return f"{name} needs the id of a saved group (a string), not {_describe(operand)}"


def _value_condition(_name: str, operand: Any, loc: str, out: list[Problem]) -> str | None:
    _check_value(operand, loc, out)
    return None


def _size(name: str, operand: Any, loc: str, out: list[Problem]) -> str | None:
    if is_operator_object(operand):
        _check_value(operand, loc, out)
        return None
    if is_number(operand) and operand >= 0 and float(operand).is_integer():
        return None
    example = '{"$gt": 2}'
    return f"{name} needs a whole number or a condition such as {example}, not {_describe(operand)}"


def _elem_match(name: str, operand: Any, loc: str, out: list[Problem]) -> str | None:
    if not isinstance(operand, Mapping):
        return f"{name} needs a condition (an object), not {_describe(operand)}"
    if is_operator_object(operand):
        _check_value(operand, loc, out)
    else:
        _check_condition(operand, loc, out)
    return None


def _pattern(name: str, operand: Any) -> str | None:
    if not isinstance(operand, str):
        return f"{name} needs a regular expression (a string), not {_describe(operand)}"
    try:
        regex(operand, insensitive=name == "$regexi")
    except (re.error, OverflowError, RecursionError) as error:
        return f"invalid regular expression {operand!r}: {error}"
    return None


def _type_name(name: str, operand: Any) -> str | None:
    if isinstance(operand, str) and operand in _TYPES:
        return None
    return f"{name} needs one of {', '.join(_TYPES)}, not {json.dumps(operand, default=str)}"


_OPERAND_CHECKS: dict[str, _Check] = {
    "$eq": _any,
    "$exists": _boolean,
    "$gt": _orderable,
    "$gte": _orderable,
    "$in": _list,
    "$inGroup": _group_id,
    "$ini": _list,
    "$lt": _orderable,
    "$lte": _orderable,
    "$ne": _any,
    "$nin": _list,
    "$nini": _list,
    "$notInGroup": _group_id,
    "$regex": _pattern,
    "$regexi": _pattern,
    "$type": _type_name,
    "$veq": _version,
    "$vgt": _version,
    "$vgte": _version,
    "$vlt": _version,
    "$vlte": _version,
    "$vne": _version,
}
_NESTED_CHECKS: dict[str, _NestedCheck] = {
    "$all": _list_of_conditions,
    "$alli": _list_of_conditions,
    "$elemMatch": _elem_match,
    "$not": _value_condition,
    "$size": _size,
}
