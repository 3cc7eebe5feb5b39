"""Behavioural features kept in each profile's state, for conditions the built-in counts miss.

A feature is one (event name, ``where`` filter, property) triple. For every event that matches
it, the profile keeps per day ``[count, numeric count, sum, min, max]`` of the property,
all-time totals, the first and last value, and the times of the latest occurrences (for short
windows and sequences). Features live under the state key ``"seg"``, keyed by a hash of the
triple, and are folded and merged order-independently like the rest of the state.

Which features are folded is decided per batch: the segments stage sets the features the
workspace's segments need before the profiles stage applies the batch (see :func:`tracking`).
"""

from __future__ import annotations

import bisect
import hashlib
import math
import operator
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson

from tailored.conditions import Condition, compile_condition

from ._durations import DAY_MS

STATE_KEY = "seg"
#: How many occurrence times a feature keeps (counts in windows under a day stop here).
KEEP_TIMES = 32
KEEP_DAYS = 366
_COUNTED_TYPES = {"page": "Page Viewed", "screen": "Screen Viewed"}


def event_name(event: Mapping[str, Any]) -> str | None:
    """The name an event is counted under (page and screen calls have fixed names)."""
    if event.get("type") == "track":
        name = event.get("event")
        return name if isinstance(name, str) else None
    return _COUNTED_TYPES.get(str(event.get("type")))


def property_value(properties: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of the properties, or None."""
    value: Any = properties
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class FeatureSpec:
    """What one feature follows: an event, optionally filtered, optionally one property."""

    event: str
    where: Mapping[str, Any] | None = None
    prop: str | None = None
    key: str = field(init=False)
    test: Condition | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        text = orjson.dumps([self.event, self.where, self.prop], option=orjson.OPT_SORT_KEYS)
        object.__setattr__(self, "key", "f" + hashlib.sha1(text).hexdigest()[:12])
        test = compile_condition(dict(self.where)) if self.where else None
        object.__setattr__(self, "test", test)

    def as_json(self) -> dict[str, Any]:
        """The spec as stored with a segment."""
        return {"event": self.event, "where": self.where, "property": self.prop}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> FeatureSpec:
        """The spec :meth:`as_json` wrote."""
        return cls(value["event"], value.get("where"), value.get("property"))


class FeatureSet:
    """The features to fold, indexed by event name."""

    def __init__(self, specs: Iterable[FeatureSpec] = ()) -> None:
        self.specs: dict[str, FeatureSpec] = {s.key: s for s in specs}
        self.by_event: dict[str, list[FeatureSpec]] = {}
        for spec in self.specs.values():
            self.by_event.setdefault(spec.event, []).append(spec)


_active: ContextVar[FeatureSet | None] = ContextVar("tailored_segment_features", default=None)


@contextmanager
def tracking(features: FeatureSet) -> Iterator[None]:
    """Fold ``features`` into states changed inside this block (in this thread)."""
    token = _active.set(features)
    try:
        yield
    finally:
        _active.reset(token)


def set_tracking(features: FeatureSet | None) -> None:
    """Fold ``features`` from now on in this context (the ingest path sets it per batch)."""
    _active.set(features)


def _later(a: list[Any] | None, b: list[Any], *, earliest: bool = False) -> bool:
    """Whether ``[value, ts]`` b replaces a: later (or earlier) time, then larger JSON."""
    if a is None:
        return True
    if b[1] != a[1]:
        return bool(b[1] < a[1]) if earliest else bool(b[1] > a[1])
    return orjson.dumps(b[0], option=orjson.OPT_SORT_KEYS) > orjson.dumps(
        a[0], option=orjson.OPT_SORT_KEYS
    )


def _combine(a: list[Any], b: list[Any]) -> list[Any]:
    """Two ``[count, numeric count, sum, min, max]`` cells as one (None: no number seen)."""
    if not b[1]:
        return [a[0] + b[0], *a[1:]]
    if not a[1]:
        return [a[0] + b[0], *b[1:]]
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2], min(a[3], b[3]), max(a[4], b[4])]


def _plus(cell: list[Any] | None, number: float | None) -> list[Any]:
    """``cell`` with one more occurrence (of ``number``, None when it is not a number)."""
    if cell is None:
        return [1, 0, None, None, None] if number is None else [1, 1, number, number, number]
    count, numeric, total, low, high = cell
    if number is None:
        return [count + 1, numeric, total, low, high]
    if not numeric:
        return [count + 1, 1, number, number, number]
    return [count + 1, numeric + 1, total + number, min(low, number), max(high, number)]


def fold(part: dict[str, Any], spec: FeatureSpec, properties: Mapping[str, Any], ts: int) -> None:
    """Fold one matching occurrence at ``ts`` into the feature ``part``."""
    value = property_value(properties, spec.prop) if spec.prop else None
    number = _number(value)
    day = str(ts // DAY_MS)
    days = part.get("d")
    if days is None:
        days = part["d"] = {}
    days[day] = _plus(days.get(day), number)
    part["a"] = _plus(part.get("a"), number)
    if spec.prop and value is not None:
        if _later(part.get("first"), [value, ts], earliest=True):
            part["first"] = [value, ts]
        if _later(part.get("last"), [value, ts]):
            part["last"] = [value, ts]
    times = part.get("t")
    if times is None:
        part["t"] = [ts]
    elif not times or ts >= times[0]:  # newest first: the usual case
        times.insert(0, ts)
        del times[KEEP_TIMES:]
    elif len(times) < KEEP_TIMES or ts > times[-1]:
        times.insert(bisect.bisect_left(times, -ts, key=operator.neg), ts)
        del times[KEEP_TIMES:]
    before = part.get("m", ts)
    part["m"] = latest = max(before, ts)
    if latest // DAY_MS != before // DAY_MS or ts // DAY_MS <= latest // DAY_MS - KEEP_DAYS:
        _prune(part)  # the kept days moved on, or this occurrence is older than they are


def _prune(part: dict[str, Any]) -> None:
    oldest = part["m"] // DAY_MS - KEEP_DAYS + 1
    days = part.get("d", {})
    for day in [d for d in days if int(d) < oldest]:
        del days[day]


def merge_parts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One feature part that saw the occurrences of both ``a`` and ``b``."""
    if not a or not b:
        return dict(a or b)
    days = dict(a.get("d", {}))
    for day, cell in b.get("d", {}).items():
        days[day] = _combine(days[day], cell) if day in days else cell
    out: dict[str, Any] = {
        "d": days,
        "a": _combine(a["a"], b["a"]),
        "t": sorted([*a.get("t", []), *b.get("t", [])], reverse=True)[:KEEP_TIMES],
        "m": max(a["m"], b["m"]),
    }
    for key, earliest in (("first", True), ("last", False)):
        entries = [p[key] for p in (a, b) if key in p]
        if entries:
            best = entries[0]
            for entry in entries[1:]:
                if _later(best, entry, earliest=earliest):
                    best = entry
            out[key] = best
    _prune(out)
    return out


class FeatureExtension:
    """The profile state extension that folds the active features (state key ``"seg"``)."""

    key = STATE_KEY

    def apply(self, part: dict[str, Any], event: dict[str, Any], ts: int) -> None:
        """Fold one event into every active feature it matches."""
        features = _active.get()
        if features is None:
            return
        name = event_name(event)
        specs = features.by_event.get(name) if name else None
        if not specs:
            return
        properties = event.get("properties") or {}
        for spec in specs:
            if spec.test is None or spec.test(properties):
                fold(part.setdefault(spec.key, {}), spec, properties, ts)

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        """Merge two profiles' features, key by key."""
        return {key: merge_parts(a.get(key, {}), b.get(key, {})) for key in set(a) | set(b)}
