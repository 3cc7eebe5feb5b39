"""Which way one more event can move a condition's answer.

Some conditions only ever turn true as a profile gains events ("viewed 3 times this week":
counts in whole-day windows never go down), and some only ever turn false ("never ordered").
When such a segment already has the answer that events cannot undo, a new event leaves it as
it is, and incremental evaluation skips it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._queries import parse_event

#: More events can only make the condition true.
RISES = 1
#: More events can only make it false.
FALLS = -1
#: Either may happen, or it depends on something else (profile fields, other segments).
EITHER = 0

_UP = frozenset({"$gte", "$gt"})
_DOWN = frozenset({"$lte", "$lt"})


def direction(condition: Any, segments: Mapping[str, int] | None = None) -> int:
    """:data:`RISES`, :data:`FALLS` or :data:`EITHER` for a (valid) segment condition.

    ``segments`` has the directions of the segments it may refer to (others are EITHER).
    """
    if not isinstance(condition, Mapping) or not condition:
        return EITHER
    ways: set[int] = set()
    for key, operand in condition.items():
        if key in ("$and", "$or", "$nor") and isinstance(operand, list) and operand:
            sign = -1 if key == "$nor" else 1
            ways.update(sign * direction(item, segments) for item in operand)
        elif key == "$not":
            ways.add(-direction(operand, segments))
        elif key == "$event":
            ways.add(_event(operand))
        elif key == "$segment" and segments is not None and isinstance(operand, str):
            ways.add(segments.get(operand, EITHER))
        else:  # profile fields, $sequence
            return EITHER
    return ways.pop() if len(ways) == 1 else EITHER


def _event(operand: Any) -> int:
    """An ``$event`` counted in whole-day windows (or all history) is monotone in its count.

    Occurrence times (windows under a day) are capped and aggregates of a property may move
    either way, so those are :data:`EITHER`.
    """
    query = parse_event(operand)
    if query.aggregate is not None or (query.window is not None and not query.window.daily):
        return EITHER
    count = operand.get("count")
    if count is None:
        return RISES  # happened at least once
    if isinstance(count, Mapping) and count and all(_is_number(v) for v in count.values()):
        if count.keys() <= _UP:
            return RISES
        if count.keys() <= _DOWN or dict(count) == {"$eq": 0}:
            return FALLS
        return EITHER
    return FALLS if _is_number(count) and count == 0 else EITHER


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
