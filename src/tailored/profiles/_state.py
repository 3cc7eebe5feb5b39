"""The compact state record of one profile, and how events and merges change it.

The state is a JSON-able dict kept in one row per profile. Applying events and merging two
states are order-independent: the state after any interleaving of the same events, or after
merging profiles that each saw part of them, is the same (sums, minima, maxima, and
latest-by-timestamp with deterministic tie-breaks). Times are epoch milliseconds.

Keys (all optional until first set):

- ``traits``: ``{name: [value, ts]}``, the latest value of each trait by event time.
- ``first``/``last``: first and last activity.
- ``counts``: ``{event: n}``; ``daily``: ``{event: {day: n}}`` for the last 366 days of
  activity (``day`` is days since 1970-01-01), which serve rolling windows.
- ``orders``, ``revenue``, ``first_order``, ``last_order``, ``refunds``, ``refunded``.
- ``cats``: category affinity, decayed with a 30-day half-life, kept in a fixed frame so sums
  commute (see :func:`top_categories`).
- ``seen``: the latest device, browser, OS, channel and source, as ``[values, ts]``.
- ``consent``: ``{category: [granted, ts, source]}``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from ._extensions import state_extensions

State = dict[str, Any]
DAY_MS = 86_400_000
KEEP_DAYS = 366
HALF_LIFE_DAYS = 30.0
_FRAME_MS = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp() * 1000)
#: Events that raise a profile's affinity to their categories, and by how much.
CATEGORY_WEIGHTS = {"Product Viewed": 1.0, "Product Added": 3.0, "Order Completed": 5.0}
_COUNTED_TYPES = {"page": "Page Viewed", "screen": "Screen Viewed"}


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def _later(a: list[Any] | None, b: list[Any]) -> bool:
    """Whether ``[value, ts, ...]`` b wins over a: later time, then larger JSON as tie-break."""
    if a is None:
        return True
    if b[1] != a[1]:
        return bool(b[1] > a[1])
    return orjson.dumps([b[0], *b[2:]], option=orjson.OPT_SORT_KEYS) > orjson.dumps(
        [a[0], *a[2:]], option=orjson.OPT_SORT_KEYS
    )


def _set_latest(target: dict[str, Any], key: str, entry: list[Any]) -> None:
    if _later(target.get(key), entry):
        target[key] = entry


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def order_value(properties: dict[str, Any]) -> float:
    """An order's value: ``revenue``, else ``total``, else the sum of its line items."""
    for name in ("revenue", "total", "value"):
        value = _number(properties.get(name))
        if value is not None:
            return value
    total = 0.0
    for line in properties.get("products") or []:
        if isinstance(line, dict):
            price = _number(line.get("price")) or 0.0
            quantity = _number(line.get("quantity"))
            total += price * (1.0 if quantity is None else quantity)
    return total


def _categories(name: str, properties: dict[str, Any]) -> Iterable[str]:
    if name == "Order Completed":
        for line in properties.get("products") or []:
            if isinstance(line, dict) and isinstance(line.get("category"), str):
                yield line["category"]
    elif isinstance(properties.get("category"), str):
        yield properties["category"]


def _count(state: State, name: str, ts: int) -> None:
    counts = state.setdefault("counts", {})
    counts[name] = counts.get(name, 0) + 1
    day = str(ts // DAY_MS)
    daily = state.setdefault("daily", {}).setdefault(name, {})
    daily[day] = daily.get(day, 0) + 1


def _commerce(state: State, name: str, properties: dict[str, Any], ts: int) -> None:
    if name == "Order Completed":
        state["orders"] = state.get("orders", 0) + 1
        state["revenue"] = state.get("revenue", 0.0) + order_value(properties)
        state["first_order"] = min(state.get("first_order", ts), ts)
        state["last_order"] = max(state.get("last_order", ts), ts)
    elif name == "Order Refunded":
        state["refunds"] = state.get("refunds", 0) + 1
        state["refunded"] = state.get("refunded", 0.0) + order_value(properties)
    weight = CATEGORY_WEIGHTS.get(name)
    if weight:
        boost = weight * 2.0 ** ((ts - _FRAME_MS) / (HALF_LIFE_DAYS * DAY_MS))
        cats = state.setdefault("cats", {})
        for category in _categories(name, properties):
            cats[category] = cats.get(category, 0.0) + boost


def apply_event(state: State, event: dict[str, Any]) -> None:
    """Fold one stored event (an event-log row, plus ``parsed`` context) into ``state``."""
    ts = to_ms(event["timestamp"])
    before = state.get("last", ts)
    state["first"] = min(state.get("first", ts), ts)
    state["last"] = last = max(before, ts)
    kind = event["type"]
    properties = event.get("properties") or {}
    name = event.get("event") if kind == "track" else _COUNTED_TYPES.get(kind)
    if name:
        _count(state, name, ts)
        _commerce(state, name, properties, ts)
    traits = event.get("traits") if kind == "identify" else None
    context = event.get("context") or {}
    if traits is None and isinstance(context.get("traits"), dict):
        traits = context["traits"]
    if traits:
        bucket = state.setdefault("traits", {})
        for key, value in traits.items():
            _set_latest(bucket, key, [value, ts])
    seen = event.get("seen")
    if seen:
        _set_latest(state, "seen", [seen, ts])
    for category, (granted, source) in sorted((event.get("consent") or {}).items()):
        consent = state.setdefault("consent", {})
        _set_latest(consent, category, [granted, ts, source])
    for extension in state_extensions():
        extension.apply(state.setdefault(extension.key, {}), event, ts)
    if last // DAY_MS != before // DAY_MS or ts // DAY_MS <= last // DAY_MS - KEEP_DAYS:
        _prune(state)  # the kept days moved on, or this event is older than they are


def _prune(state: State) -> None:
    daily = state.get("daily")
    if not daily:
        return
    oldest = state["last"] // DAY_MS - KEEP_DAYS + 1
    for name in list(daily):
        days = daily[name]
        for day in [d for d in days if int(d) < oldest]:
            del days[day]
        if not days:
            del daily[name]


def merge_states(a: State, b: State) -> State:
    """The state of a profile that saw the events of both ``a`` and ``b``."""
    out: State = {}
    for key in ("first", "first_order"):
        values = [s[key] for s in (a, b) if key in s]
        if values:
            out[key] = min(values)
    for key in ("last", "last_order"):
        values = [s[key] for s in (a, b) if key in s]
        if values:
            out[key] = max(values)
    for key in ("orders", "revenue", "refunds", "refunded"):
        if key in a or key in b:
            out[key] = a.get(key, 0) + b.get(key, 0)
    for key in ("counts", "cats"):
        if key in a or key in b:
            out[key] = _sum_maps(a.get(key, {}), b.get(key, {}))
    if "daily" in a or "daily" in b:
        names = set(a.get("daily", {})) | set(b.get("daily", {}))
        out["daily"] = {
            n: _sum_maps(a.get("daily", {}).get(n, {}), b.get("daily", {}).get(n, {}))
            for n in names
        }
    for key in ("traits", "consent"):
        if key in a or key in b:
            merged = dict(a.get(key, {}))
            for name, entry in b.get(key, {}).items():
                _set_latest(merged, name, entry)
            out[key] = merged
    for s in (a, b):
        if "seen" in s:
            _set_latest(out, "seen", s["seen"])
    for extension in state_extensions():
        if extension.key in a or extension.key in b:
            out[extension.key] = extension.merge(a.get(extension.key, {}), b.get(extension.key, {}))
    _prune(out)
    return out


def _sum_maps(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return out


def top_categories(state: State, now: datetime, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` categories with the highest decayed affinity at ``now``, scores rounded."""
    scale = 2.0 ** (-(to_ms(now) - _FRAME_MS) / (HALF_LIFE_DAYS * DAY_MS))
    scored = sorted(((c, s * scale) for c, s in state.get("cats", {}).items()), key=lambda x: -x[1])
    return [(c, round(s, 4)) for c, s in scored[:k]]


def active_days(state: State) -> list[int]:
    """The days (since 1970-01-01) with any counted activity kept in the daily buckets."""
    days: set[int] = set()
    for buckets in state.get("daily", {}).values():
        days.update(int(d) for d in buckets)
    return sorted(days)
