"""The decision log and attribution, kept as events arrive.

An ``Experience Viewed`` event written by decide becomes a row of ``decisions`` (with its
propensity, for analysis and off-policy evaluation); an experiment's exposures also keep
each person's first one in ``first_exposures`` (see ``_exposures``). A later event is
credited to the decisions that led to it: to the decision it names in
``properties.decision_id``, or, for the workspace's conversion events, to the person's latest
decision of each experience (and each flag experiment) within the attribution window. A
bandit decision credited this way is rewarded (see ``_rewards``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import utcnow
from tailored.events import EventRow, subscribe

from ._compiled import compiled_config
from ._exposures import record_first_exposures
from ._rewards import reward_conversions
from ._sticky import EXPOSURE_EVENT, LIBRARY
from ._tables import attributions, decisions


def number(value: Any) -> float | None:
    """``value`` as a float when it is a JSON number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def conversion_value(properties: dict[str, Any]) -> float | None:
    """What a conversion was worth: ``revenue``, else ``value``, else ``total``."""
    for name in ("revenue", "value", "total"):
        found = number(properties.get(name))
        if found is not None:
            return found
    return None


def _is_exposure(row: EventRow) -> bool:
    library = (row["context"] or {}).get("library") or {}
    props = row["properties"] or {}
    return (
        row["event"] == EXPOSURE_EVENT
        and isinstance(library, dict)
        and library.get("name") == LIBRARY
        and isinstance(props.get("decision_id"), str)
    )


def _decision_row(workspace_id: int, row: EventRow) -> dict[str, Any]:
    props = row["properties"] or {}
    context = row["context"] or {}
    kept: dict[str, Any] = {k: context[k] for k in ("page", "locale", "userAgent") if k in context}
    if props.get("features") is not None:
        kept["features"] = props["features"]

    def text(name: str) -> str | None:
        value = props.get(name)
        return value if isinstance(value, str) else None

    version = props.get("version", props.get("bucket_version"))
    return {
        "id": props["decision_id"],
        "workspace_id": workspace_id,
        "profile_id": row.get("profile_id"),
        "message_id": row["message_id"],
        "placement": text("placement"),
        "flag": text("flag"),
        "experience": text("experience"),
        "experiment": text("experiment"),
        "variant": text("variant"),
        "reason": text("reason") or "default",
        "propensity": number(props.get("propensity")) or 1.0,
        "version": version if isinstance(version, int) else None,
        "context": kept or None,
        "decided_at": row["timestamp"],
    }


class DecisionLog:
    """The ingest subscriber that keeps ``decisions`` and ``decision_attributions``."""

    def prepare(self, conn: Connection, workspace_id: int, rows: list[EventRow]) -> Any:
        """Nothing to do before the insert."""
        del conn, workspace_id, rows

    def apply(
        self, conn: Connection, workspace_id: int, stored: list[EventRow], prepared: Any
    ) -> None:
        """Record the batch's exposures, then credit its conversions."""
        del prepared
        exposures = [_decision_row(workspace_id, r) for r in stored if _is_exposure(r)]
        if exposures:
            conn.execute(decisions.insert(), exposures)
            record_first_exposures(conn, exposures)
        candidates = [r for r in stored if r["type"] == "track" and not _is_exposure(r)]
        if not candidates:
            return
        settings = compiled_config(conn, workspace_id).settings.attribution
        conversions = set(settings.events)
        window = timedelta(hours=settings.window_hours)
        credited: list[dict[str, Any]] = []
        for row in candidates:
            props = row["properties"] or {}
            named = props.get("decision_id")
            if isinstance(named, str):
                credited += _by_decision(conn, workspace_id, row, named)
            elif row["event"] in conversions and row.get("profile_id"):
                credited += _by_person(conn, workspace_id, row, window)
        if credited:
            conn.execute(attributions.insert(), credited)
            converted: dict[str, datetime] = {}
            for credit in credited:
                at = converted.get(credit["decision_id"])
                if at is None or credit["occurred_at"] < at:
                    converted[credit["decision_id"]] = credit["occurred_at"]
            reward_conversions(conn, workspace_id, converted, utcnow())


def _credit(row: EventRow, decision_id: str, workspace_id: int, method: str) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "workspace_id": workspace_id,
        "profile_id": row.get("profile_id"),
        "message_id": row["message_id"],
        "event": row["event"] or "",
        "value": conversion_value(row["properties"] or {}),
        "method": method,
        "occurred_at": row["timestamp"],
    }


def _by_decision(
    conn: Connection, workspace_id: int, row: EventRow, decision_id: str
) -> list[dict[str, Any]]:
    found = conn.execute(
        sa.select(decisions.c.id).where(
            decisions.c.id == decision_id, decisions.c.workspace_id == workspace_id
        )
    ).scalar()
    return [] if found is None else [_credit(row, decision_id, workspace_id, "decision_id")]


def _by_person(
    conn: Connection, workspace_id: int, row: EventRow, window: timedelta
) -> list[dict[str, Any]]:
    at: datetime = row["timestamp"]
    rows = conn.execute(
        sa.select(decisions.c.id, decisions.c.experience, decisions.c.flag, decisions.c.placement)
        .where(
            decisions.c.profile_id == row.get("profile_id"),
            decisions.c.decided_at <= at,
            decisions.c.decided_at >= at - window,
        )
        .order_by(decisions.c.decided_at.desc(), decisions.c.id)
    ).all()
    latest: dict[tuple[str | None, str | None, str | None], str] = {}
    for decision_id, experience, flag, placement in rows:
        latest.setdefault((experience, flag, placement), decision_id)
    return [_credit(row, d, workspace_id, "person") for d in latest.values()]


def install_log() -> None:
    """Have ingestion keep the decision log and attribution."""
    subscribe(DecisionLog())
