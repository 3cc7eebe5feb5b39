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

from tailored import storage
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


#: The decisions insert on SQLite, sent straight to the driver with values encoded once (as
#: the column types would), without SQLAlchemy's work per row and per value.
_SQLITE_COLUMNS = tuple(c.name for c in decisions.columns)
_SQLITE_INSERT = storage.sqlite_insert("decisions", _SQLITE_COLUMNS)


def _insert_decisions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(decisions.insert(), rows)
        return
    times: dict[datetime, str] = {}

    def encoded(row: dict[str, Any]) -> tuple[Any, ...]:
        moment = row["decided_at"]
        if (text := times.get(moment)) is None:
            text = times[moment] = storage.sqlite_time(moment)
        values = {**row, "context": storage.sqlite_json(row["context"]), "decided_at": text}
        return tuple(values[name] for name in _SQLITE_COLUMNS)

    conn.exec_driver_sql(_SQLITE_INSERT, [encoded(row) for row in rows])


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
        exposures: list[dict[str, Any]] = []
        candidates: list[EventRow] = []
        for row in stored:
            if _is_exposure(row):
                exposures.append(_decision_row(workspace_id, row))
            elif row["type"] == "track":
                candidates.append(row)
        if exposures:
            _insert_decisions(conn, exposures)
            record_first_exposures(conn, exposures)
        if not candidates:
            return
        settings = compiled_config(conn, workspace_id).settings.attribution
        conversions = set(settings.events)
        window = timedelta(hours=settings.window_hours)
        named: list[tuple[EventRow, str]] = []
        unnamed: list[EventRow] = []
        for row in candidates:
            decision_id = (row["properties"] or {}).get("decision_id")
            if isinstance(decision_id, str):
                named.append((row, decision_id))
            elif row["event"] in conversions and row.get("profile_id"):
                unnamed.append(row)
        known = _known_decisions(conn, workspace_id, [d for _, d in named])
        recent = _recent_decisions(conn, unnamed, window)
        credited = [_credit(row, d, workspace_id, "decision_id") for row, d in named if d in known]
        for row in unnamed:
            found = recent.get(str(row["profile_id"]), [])
            credited += _by_person(workspace_id, row, found, window)
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


#: The logged among some decision ids, and their workspaces (compared in Python: with the
#: workspace in the query, SQLite without statistics walks the workspace's decisions).
_KNOWN = sa.select(decisions.c.id, decisions.c.workspace_id).where(
    decisions.c.id.in_(sa.bindparam("ids", expanding=True))
)
#: Some people's decisions in a span of time, latest first.
_RECENT = (
    sa.select(
        decisions.c.profile_id,
        decisions.c.decided_at,
        decisions.c.id,
        decisions.c.experience,
        decisions.c.flag,
        decisions.c.placement,
    )
    .where(
        decisions.c.profile_id.in_(sa.bindparam("people", expanding=True)),
        decisions.c.decided_at >= sa.bindparam("since"),
        decisions.c.decided_at <= sa.bindparam("until"),
    )
    .order_by(decisions.c.decided_at.desc(), decisions.c.id)
)
_Recent = tuple[datetime, str, str | None, str | None, str | None]


def _known_decisions(conn: Connection, workspace_id: int, ids: list[str]) -> set[str]:
    """The decision ids among ``ids`` that were logged in the workspace (one statement)."""
    if not ids:
        return set()
    found = conn.execute(_KNOWN, {"ids": ids})
    return {decision_id for decision_id, workspace in found if workspace == workspace_id}


def _recent_decisions(
    conn: Connection, rows: list[EventRow], window: timedelta
) -> dict[str, list[_Recent]]:
    """Per person of ``rows``, their decisions within ``window`` before the earliest row up to
    the latest, latest first (one statement for the batch)."""
    if not rows:
        return {}
    moments = [row["timestamp"] for row in rows]
    found = conn.execute(
        _RECENT,
        {
            "people": sorted({str(row["profile_id"]) for row in rows}),
            "since": min(moments) - window,
            "until": max(moments),
        },
    )
    out: dict[str, list[_Recent]] = {}
    for profile_id, decided_at, decision_id, experience, flag, placement in found:
        out.setdefault(profile_id, []).append(
            (decided_at, decision_id, experience, flag, placement)
        )
    return out


def _by_person(
    workspace_id: int, row: EventRow, recent: list[_Recent], window: timedelta
) -> list[dict[str, Any]]:
    """Credit a conversion to the person's latest decision of each experience, flag and
    placement within the window before it."""
    at: datetime = row["timestamp"]
    since = at - window
    latest: dict[tuple[str | None, str | None, str | None], str] = {}
    for decided_at, decision_id, experience, flag, placement in recent:
        if since <= decided_at <= at:
            latest.setdefault((experience, flag, placement), decision_id)
    return [_credit(row, d, workspace_id, "person") for d in latest.values()]


def install_log() -> None:
    """Have ingestion keep the decision log and attribution."""
    subscribe(DecisionLog())
