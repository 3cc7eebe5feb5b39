"""Parsing the operands of ``$event`` and ``$sequence`` into checked queries.

Problems are collected with JSON paths relative to the operand (``$.within``) and raised
together as one :class:`tailored.core.ValidationError`, which the condition validator places
under the operator's own path.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tailored.conditions import compile_condition, validate
from tailored.core import ValidationError

from ._durations import DAY_MS, parse_duration
from ._features import FeatureSpec

Aggregate = Literal["sum", "avg", "min", "max", "first", "last"]
AGGREGATES: tuple[str, ...] = ("sum", "avg", "min", "max", "first", "last")
_EVENT_KEYS = frozenset(
    {"name", "where", "within", "between", "count", "property", "aggregate", "value"}
)
_SEQUENCE_KEYS = frozenset({"steps", "within", "since", "completed"})


@dataclass(frozen=True)
class Window:
    """Occurrences between ``far`` and ``near`` ago (ms); None for all of history."""

    far: int
    near: int = 0

    @property
    def daily(self) -> bool:
        """Whether both ends are whole days (served by daily buckets, else by times)."""
        return self.far % DAY_MS == 0 and self.near % DAY_MS == 0


@dataclass(frozen=True)
class EventQuery:
    """A checked ``$event`` operand."""

    name: str
    where: Mapping[str, Any] | None
    window: Window | None
    count: ValueTest | None
    prop: str | None
    aggregate: Aggregate | None
    value: ValueTest | None

    @property
    def feature(self) -> FeatureSpec | None:
        """The feature this query reads, or None when the built-in daily counts serve it."""
        if self.where is None and self.prop is None and (self.window is None or self.window.daily):
            return None
        return FeatureSpec(self.name, self.where, self.prop)


@dataclass(frozen=True)
class SequenceQuery:
    """A checked ``$sequence`` operand."""

    steps: tuple[FeatureSpec, ...]
    within: int
    since: int | None
    completed: bool


class _Problems:
    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, loc: str, message: str) -> None:
        self.details.append({"loc": loc, "message": message})

    def raise_any(self, what: str) -> None:
        if self.details:
            first = self.details[0]
            raise ValidationError(f"invalid {what}: {first['message']}", self.details)


ValueTest = Callable[[Any], bool]
"""A compiled condition on one value (a count or an aggregate)."""

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "$eq": operator.eq, "$ne": operator.ne, "$gt": operator.gt,
    "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
}  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_test(operand: Any) -> ValueTest:
    """Compile a condition on one value, with a fast path for numbers compared with numbers.

    Anything but a number (``None`` for an average of nothing) goes through the condition
    language, so the semantics are always GrowthBook's.
    """
    condition = compile_condition({"v": operand})

    def general(value: Any) -> bool:
        return condition({"v": value})

    tests: list[tuple[Callable[[float, float], bool], float]]
    if _is_number(operand):
        tests = [(_COMPARISONS["$eq"], float(operand))]
    elif (
        isinstance(operand, Mapping)
        and operand
        and all(k in _COMPARISONS and _is_number(v) for k, v in operand.items())
    ):
        tests = [(_COMPARISONS[k], float(v)) for k, v in operand.items()]
    else:
        return general

    def fast(value: Any) -> bool:
        if type(value) is not int and type(value) is not float:
            return general(value)
        for compare, bound in tests:  # noqa: SIM110  (no generator on this hot path)
            if not compare(value, bound):
                return False
        return True

    return fast


def _value_condition(operand: Any, loc: str, problems: _Problems) -> ValueTest | None:
    """A condition on one number (``3`` or ``{"$gte": 3}``), checked and compiled."""
    found = validate({"v": operand})
    for problem in found:
        problems.add(loc + problem.loc[len("$.v") :], problem.message)
    return None if found else value_test(operand)


def _where(operand: Any, loc: str, problems: _Problems) -> Mapping[str, Any] | None:
    if operand is None:
        return None
    found = validate(operand)
    for problem in found:
        problems.add(loc + problem.loc[1:], problem.message)
    return None if found or not operand else dict(operand)


def _window(operand: Mapping[str, Any], problems: _Problems) -> Window | None:
    if "within" in operand and "between" in operand:
        problems.add("$.between", "give either within or between, not both")
        return None
    if "within" in operand:
        try:
            return Window(parse_duration(operand["within"]))
        except ValueError as error:
            problems.add("$.within", str(error))
            return None
    if "between" in operand:
        ends = operand["between"]
        if not isinstance(ends, list) or len(ends) != 2:
            problems.add("$.between", "between is a list of two durations, e.g. ['30d', '7d']")
            return None
        try:
            far, near = parse_duration(ends[0]), parse_duration(ends[1], allow_zero=True)
        except ValueError as error:
            problems.add("$.between", str(error))
            return None
        if near >= far:
            problems.add("$.between", "the first duration (the far end) must be the longer")
        return Window(far, near)
    return None


def _unknown_keys(operand: Mapping[str, Any], known: frozenset[str], problems: _Problems) -> None:
    for key in operand:
        if key not in known:
            problems.add(f"$.{key}", f"unknown key {key!r}; known: {', '.join(sorted(known))}")


def parse_event(operand: Any) -> EventQuery:
    """Check and parse an ``$event`` operand.

    Raises:
        tailored.core.ValidationError: With one detail per problem, paths from ``$``.
    """
    problems = _Problems()
    if not isinstance(operand, Mapping):
        raise ValidationError("$event needs an object", [{"loc": "$", "message": "an object"}])
    _unknown_keys(operand, _EVENT_KEYS, problems)
    name = operand.get("name")
    if not isinstance(name, str) or not name:
        problems.add("$.name", "name is the event's name, a non-empty string")
    where = _where(operand.get("where"), "$.where", problems)
    window = _window(operand, problems)
    count = _value_condition(operand["count"], "$.count", problems) if "count" in operand else None
    prop, aggregate, value = operand.get("property"), operand.get("aggregate"), None
    if prop is not None or aggregate is not None or "value" in operand:
        if not isinstance(prop, str) or not prop:
            problems.add("$.property", "property names the event property to aggregate")
        if aggregate not in AGGREGATES:
            problems.add("$.aggregate", f"aggregate is one of {', '.join(AGGREGATES)}")
        if "value" not in operand:
            problems.add("$.value", 'value is the condition on the aggregate, e.g. {"$gte": 50}')
        else:
            value = _value_condition(operand["value"], "$.value", problems)
        if aggregate in ("first", "last") and window is not None:
            problems.add("$.aggregate", f"{aggregate} is over all history; drop the window")
        elif window is not None and not window.daily and aggregate is not None:
            problems.add("$.within", "property aggregates need whole-day windows, e.g. '1d'")
    elif count is None:
        count = value_test({"$gte": 1})
    problems.raise_any("$event")
    return EventQuery(str(name), where, window, count, prop, aggregate, value)


def _step(operand: Any, loc: str, problems: _Problems) -> FeatureSpec | None:
    if not isinstance(operand, Mapping):
        problems.add(loc, 'a step is an object such as {"name": "Product Added"}')
        return None
    for key in operand:
        if key not in ("name", "where"):
            problems.add(f"{loc}.{key}", "a step has only name and where")
    name = operand.get("name")
    if not isinstance(name, str) or not name:
        problems.add(f"{loc}.name", "name is the event's name, a non-empty string")
        return None
    where = _where(operand.get("where"), f"{loc}.where", problems)
    return FeatureSpec(name, where)


def _duration(operand: Mapping[str, Any], key: str, problems: _Problems) -> int | None:
    try:
        return parse_duration(operand[key])
    except ValueError as error:
        problems.add(f"$.{key}", str(error))
        return None


def parse_sequence(operand: Any) -> SequenceQuery:
    """Check and parse a ``$sequence`` operand.

    Raises:
        tailored.core.ValidationError: With one detail per problem, paths from ``$``.
    """
    problems = _Problems()
    if not isinstance(operand, Mapping):
        raise ValidationError("$sequence needs an object", [{"loc": "$", "message": "an object"}])
    _unknown_keys(operand, _SEQUENCE_KEYS, problems)
    raw = operand.get("steps")
    steps: list[FeatureSpec | None] = []
    if not isinstance(raw, list) or len(raw) < 2:
        problems.add("$.steps", "steps is a list of at least two events, in order")
    else:
        steps = [_step(step, f"$.steps[{i}]", problems) for i, step in enumerate(raw)]
    within = _duration(operand, "within", problems) if "within" in operand else None
    if "within" not in operand:
        problems.add("$.within", "within is the longest time from the first step to the last")
    since = _duration(operand, "since", problems) if "since" in operand else None
    completed = operand.get("completed", True)
    if not isinstance(completed, bool):
        problems.add("$.completed", "completed is true or false")
    problems.raise_any("$sequence")
    return SequenceQuery(
        tuple(s for s in steps if s is not None), int(within or 0), since, bool(completed)
    )
