"""The behavioural operators of the condition language: ``$event``, ``$sequence``, ``$segment``.

They are registered with :func:`tailored.conditions.register_operator` and evaluate against a
:class:`Subject` passed as the condition's ``state``: a profile's state, the time of
evaluation and the segments already known to hold. Nothing here reads the database.

While evaluating, each time-dependent clause notes on the subject when its answer could next
change without a new event (a window lapsing); the worker re-evaluates the profile then.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tailored.conditions import EvaluationContext, Predicate, register_operator
from tailored.core import ValidationError

from ._durations import DAY_MS
from ._features import STATE_KEY
from ._queries import EventQuery, SequenceQuery, Window, parse_event, parse_sequence


@dataclass(slots=True)
class Subject:
    """What a segment condition is evaluated against."""

    state: dict[str, Any]
    """The profile's state."""
    now: int
    """The time of evaluation, epoch ms."""
    members: set[str] = field(default_factory=set)
    """Keys of the segments found to hold so far (segments are evaluated in dependency order)."""
    due: int | None = None
    """The earliest time after ``now`` at which a clause evaluated so far may change."""
    memo: dict[Any, int] = field(default_factory=dict)
    """Counts already taken from the daily buckets, by (event, window)."""

    def until(self, at: int) -> None:
        """Note that an answer may change at ``at``."""
        if at > self.now and (self.due is None or at < self.due):
            self.due = at


_EMPTY: dict[str, Any] = {}


def _feature(subject: Subject, key: str) -> dict[str, Any]:
    part: dict[str, Any] = subject.state.get(STATE_KEY, _EMPTY).get(key, _EMPTY)
    return part


def _days_in(days: dict[str, Any], window: Window, subject: Subject) -> list[Any]:
    """The daily cells inside the window; notes the next midnight if one may leave or enter."""
    today = subject.now // DAY_MS
    far, near = today - window.far // DAY_MS, today - window.near // DAY_MS
    cells = []
    moving = False
    for day, cell in days.items():
        d = int(day)
        if d > far:
            moving = True
            if d <= near:
                cells.append(cell)
    if moving:
        subject.until((today + 1) * DAY_MS)
    return cells


def _times_in(times: list[int], window: Window, subject: Subject) -> int:
    """How many of ``times`` (newest first) lie in the window; notes when one enters or
    leaves it."""
    n = 0
    now, far, near = subject.now, window.far, window.near
    for t in times:
        if t + far <= now:
            break  # this one and every older one left the window
        subject.until(t + far)
        if t + near <= now:
            n += 1
        else:
            subject.until(t + near)
    return n


def _builtin_count(query: EventQuery, subject: Subject) -> int:
    if query.window is None:
        return int(subject.state.get("counts", _EMPTY).get(query.name, 0))
    memo_key = (query.name, query.window)
    found = subject.memo.get(memo_key)
    if found is None:
        days = subject.state.get("daily", _EMPTY).get(query.name, _EMPTY)
        found = subject.memo[memo_key] = sum(_days_in(days, query.window, subject))
    return found


def _cell(query: EventQuery, part: dict[str, Any], subject: Subject) -> list[Any]:
    """``[count, numeric count, sum, min, max]`` of the occurrences in the query's window."""
    window = query.window
    if window is None:
        return list(part.get("a", (0, 0, None, None, None)))
    if not window.daily:
        return [_times_in(part.get("t", []), window, subject), 0, None, None, None]
    cells = _days_in(part.get("d", _EMPTY), window, subject)
    count = sum([cell[0] for cell in cells])
    kind = query.aggregate
    if kind is None or kind in ("first", "last"):
        return [count, 0, None, None, None]  # what the query reads, no more
    numeric = [cell for cell in cells if cell[1]]
    if not numeric:
        return [count, 0, None, None, None]
    k = sum([cell[1] for cell in numeric])
    if kind in ("sum", "avg"):
        return [count, k, sum([cell[2] for cell in numeric]), None, None]
    return [count, k, None, min([cell[3] for cell in numeric]), max([cell[4] for cell in numeric])]


def _aggregate(query: EventQuery, part: dict[str, Any], cell: list[Any]) -> Any:
    kind = query.aggregate
    if kind in ("first", "last"):
        entry = part.get(kind)
        return None if entry is None else entry[0]
    if kind == "sum":
        return cell[2] or 0
    if kind == "avg":
        return None if not cell[1] else cell[2] / cell[1]
    return cell[3] if kind == "min" else cell[4]


def _compile_event(operand: Any) -> Predicate:
    query = parse_event(operand)
    spec = query.feature
    count, value = query.count, query.value

    def predicate(context: EvaluationContext) -> bool:
        subject = context.state
        if not isinstance(subject, Subject):
            return False
        if spec is None:
            return count is not None and count(_builtin_count(query, subject))
        part = _feature(subject, spec.key)
        cell = _cell(query, part, subject)
        if count is not None and not count(cell[0]):
            return False
        return value is None or value(_aggregate(query, part, cell))

    return predicate


def _completes(query: SequenceQuery, start: int, steps: list[list[int]]) -> bool:
    """Whether the later steps follow an occurrence of the first at ``start``, in time."""
    at, end = start, start + query.within
    for times in steps:
        i = bisect.bisect_left(times, at)
        if i == len(times) or times[i] > end:
            return False
        at = times[i]
    return True


def _compile_sequence(operand: Any) -> Predicate:
    query = parse_sequence(operand)
    first, rest = query.steps[0], query.steps[1:]

    def predicate(context: EvaluationContext) -> bool:
        subject = context.state
        if not isinstance(subject, Subject):
            return False
        now = subject.now
        starts = sorted(_feature(subject, first.key).get("t", []))
        if query.since is not None:
            starts = [t for t in starts if t + query.since > now]
            for t in starts:
                subject.until(t + query.since)
        steps = [sorted(_feature(subject, s.key).get("t", [])) for s in rest]
        found = False
        for start in starts:
            if query.completed:
                found = found or _completes(query, start, steps)
            elif start + query.within > now:
                subject.until(start + query.within)
            elif not _completes(query, start, steps):
                found = True
        return found

    return predicate


def _compile_segment(operand: Any) -> Predicate:
    if not isinstance(operand, str) or not operand:
        raise ValidationError(
            "$segment needs a segment key",
            [{"loc": "$", "message": "$segment needs the key of a segment (a string)"}],
        )

    def predicate(context: EvaluationContext) -> bool:
        subject = context.state
        return isinstance(subject, Subject) and operand in subject.members

    return predicate


COMPILERS: dict[str, Callable[[Any], Predicate]] = {
    "$event": _compile_event,
    "$sequence": _compile_sequence,
    "$segment": _compile_segment,
}


def direct_predicate(condition: Any) -> Predicate | None:
    """``condition`` as one predicate when it holds only these operators and logic, else None.

    Such a condition reads no attributes, so it can skip the general evaluator; the
    semantics are the same (an empty ``$and``/``$or`` holds, as in GrowthBook).
    """
    if not isinstance(condition, dict):
        return None
    parts: list[Predicate] = []
    for key, operand in condition.items():
        if key in COMPILERS:
            parts.append(COMPILERS[key](operand))
            continue
        if key == "$not":
            inner = direct_predicate(operand)
            if inner is None:
                return None
            parts.append(_negated(inner))
            continue
        if key not in ("$and", "$or") or not isinstance(operand, list):
            return None
        items = [direct_predicate(item) for item in operand]
        if any(item is None for item in items):
            return None
        parts.append(_combined([i for i in items if i is not None], every=key == "$and"))
    return _combined(parts, every=True)


def _negated(inner: Predicate) -> Predicate:
    def negated(context: EvaluationContext) -> bool:
        return not inner(context)

    return negated


def _combined(parts: list[Predicate], *, every: bool) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    frozen = tuple(parts)

    def combined(context: EvaluationContext) -> bool:
        if not frozen:
            return True
        for part in frozen:
            if part(context) is not every:
                return not every
        return every

    return combined


def install_operators() -> None:
    """Register ``$event``, ``$sequence`` and ``$segment`` (again, if already there)."""
    register_operator("$event", _compile_event, replace=True)
    register_operator("$sequence", _compile_sequence, replace=True)
    register_operator("$segment", _compile_segment, replace=True)
