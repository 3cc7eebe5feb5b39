"""Reading profiles: find one by any id, describe it, page through its events."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import NotFound, ValidationError
from tailored.events import events

from ._lifecycle import LifecycleConfig, lifecycle_stage
from ._scores import score_of
from ._state import (
    CATEGORY_WEIGHTS,
    DAY_MS,
    State,
    active_days,
    from_ms,
    to_ms,
    top_categories,
)
from ._tables import identities, profiles

PAGE_MAX = 500


def find_profile(conn: Connection, workspace_id: int, ident: str) -> str:
    """The live profile id for an internal id, a ``userId`` or an ``anonymousId``."""
    profile: str | None = None
    if ident.startswith("prof_"):
        profile = conn.execute(
            sa.select(sa.func.coalesce(profiles.c.merged_into, profiles.c.id)).where(
                profiles.c.workspace_id == workspace_id, profiles.c.id == ident
            )
        ).scalar()
    if profile is None:
        rows = conn.execute(
            sa.select(identities.c.kind, identities.c.profile_id).where(
                identities.c.workspace_id == workspace_id,
                # Naming the kinds lets the primary key (workspace, kind, value) serve the look-up.
                identities.c.kind.in_(["user", "anonymous"]),
                identities.c.value == ident,
            )
        ).all()
        by_kind = dict(rows)
        profile = by_kind.get("user") or by_kind.get("anonymous")
    if profile is None:
        raise NotFound(f"no profile known by {ident!r} in this workspace")
    return profile


def returned_at(state: State, config: LifecycleConfig) -> datetime | None:
    """The latest first activity after a silence longer than ``active_within_days``."""
    days = active_days(state)
    gap = config.active_within_days
    latest = None
    for before, day in itertools.pairwise(days):
        if day - before > gap:
            latest = day
    return None if latest is None else from_ms(latest * DAY_MS)


#: The profile fields that come from the scores job (RFM), not from the profile's state.
SCORE_FIELDS = frozenset({"rfm", "rfm_segment", "probability_alive"})
_ORDERS = frozenset({"Order Completed"})
_REFUNDS = frozenset({"Order Refunded"})
#: The profile fields that only events of some names change (scores: none, the scores job
#: does); every other field (traits, consent, seen, counts, lifecycle...) may change with any
#: event. A profile's fields also change when it is merged with another.
FIELD_EVENTS: dict[str, frozenset[str]] = {
    "order_count": _ORDERS,
    "total_revenue": _ORDERS,
    "average_order_value": _ORDERS,
    "last_order_at": _ORDERS,
    "refund_count": _REFUNDS,
    "refunded_amount": _REFUNDS,
    "top_categories": frozenset(CATEGORY_WEIGHTS),  # decay scales every category alike
    **dict.fromkeys(SCORE_FIELDS, frozenset()),
}


def _seen(key: str) -> Callable[[State, datetime, LifecycleConfig], Any]:
    return lambda state, *_: state.get("seen", [{}])[0].get(key)


def _average_order_value(state: State, *_: Any) -> Any:
    orders = state.get("orders", 0)
    return round(round(state.get("revenue", 0.0), 2) / orders, 2) if orders else None


def _lifecycle(state: State, now: datetime, config: LifecycleConfig) -> str:
    first, last = from_ms(state["first"]), from_ms(state["last"])
    last, now = max(last, first), max(now, last)
    stage = lifecycle_stage(first, last, now, config=config)
    if stage == "active":  # it may be a recent return: look for one in the history
        returned = returned_at(state, config)
        stage = lifecycle_stage(first, last, now, returned_at=returned, config=config)
    return stage


#: Each computed trait, from ``(state, now, config)``, in the order profiles show them.
_TRAITS: dict[str, Callable[[State, datetime, LifecycleConfig], Any]] = {
    "first_seen": lambda state, *_: from_ms(state["first"]),
    "last_seen": lambda state, *_: from_ms(state["last"]),
    "event_counts": lambda state, *_: state.get("counts", {}),
    "order_count": lambda state, *_: state.get("orders", 0),
    "total_revenue": lambda state, *_: round(state.get("revenue", 0.0), 2),
    "average_order_value": _average_order_value,
    "last_order_at": lambda state, *_: (
        from_ms(state["last_order"]) if "last_order" in state else None
    ),
    "refund_count": lambda state, *_: state.get("refunds", 0),
    "refunded_amount": lambda state, *_: round(state.get("refunded", 0.0), 2),
    "last_device": _seen("device_type"),
    "last_browser": _seen("browser"),
    "last_os": _seen("os"),
    "last_channel": _seen("channel"),
    "last_source": _seen("source"),
    "top_categories": lambda state, now, *_: [c for c, _ in top_categories(state, now)],
    "lifecycle_stage": _lifecycle,
}


def computed_traits(
    state: State, now: datetime, config: LifecycleConfig, keys: Collection[str] | None = None
) -> dict[str, Any]:
    """The traits tailored derives from a profile's events (only ``keys`` when given)."""
    if "first" not in state:
        return {}
    if keys is None:
        return {key: trait(state, now, config) for key, trait in _TRAITS.items()}
    return {key: _TRAITS[key](state, now, config) for key in _TRAITS.keys() & keys}


def profile_document(
    conn: Connection, workspace_id: int, profile_id: str, now: datetime, config: LifecycleConfig
) -> dict[str, Any]:
    """Everything a profile read shows."""
    row = (
        conn.execute(
            sa.select(profiles).where(
                profiles.c.workspace_id == workspace_id, profiles.c.id == profile_id
            )
        )
        .mappings()
        .one()
    )
    ids = conn.execute(
        sa.select(identities.c.kind, identities.c.value)
        .where(identities.c.profile_id == profile_id)
        .order_by(identities.c.kind, identities.c.value)
    ).all()
    state = row["state"] or {}
    consent = {c: {"granted": g, "at": from_ms(ts), "source": src}
               for c, (g, ts, src) in state.get("consent", {}).items()}  # fmt: skip
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "user_ids": [v for k, v in ids if k == "user"],
        "anonymous_ids": [v for k, v in ids if k == "anonymous"],
        "traits": {k: v for k, (v, _) in state.get("traits", {}).items()},
        "computed": computed_traits(state, now, config),
        "consent": consent,
        "scores": score_of(conn, profile_id),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _cursor(value: str) -> tuple[datetime, int]:
    try:
        ms, _, event_id = value.partition(":")
        return from_ms(int(ms)), int(event_id)
    except ValueError as exc:
        raise ValidationError(
            f"cursor {value!r} is not one this API gave out",
            [{"loc": "query.cursor", "message": "use the next_cursor of the previous page"}],
        ) from exc


def profile_events(
    conn: Connection, workspace_id: int, profile_id: str, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the profile's events, newest first, and the cursor of the next page."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationError(
            f"limit must be between 1 and {PAGE_MAX}",
            [{"loc": "query.limit", "message": f"between 1 and {PAGE_MAX}"}],
        )
    query = (
        sa.select(events)
        .where(events.c.workspace_id == workspace_id, events.c.profile_id == profile_id)
        .order_by(events.c.timestamp.desc(), events.c.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        at, event_id = _cursor(cursor)
        query = query.where(
            sa.or_(
                events.c.timestamp < at,
                sa.and_(events.c.timestamp == at, events.c.id < event_id),
            )
        )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    page = [_public_event(r) for r in rows]
    last = rows[-1] if more else None
    return page, (f"{to_ms(last['timestamp'])}:{last['id']}" if last else None)


def _public_event(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        "messageId": row["message_id"],
        "type": row["type"],
        "timestamp": row["timestamp"],
        "receivedAt": row["received_at"],
        "userId": row["user_id"],
        "anonymousId": row["anonymous_id"],
    }
    for name in ("event", "properties", "traits", "context"):
        if row[name] is not None:
            out[name] = row[name]
    out.update(row["extra"] or {})
    return out
