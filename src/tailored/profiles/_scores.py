"""Population scores computed in batch: RFM (1-5 per dimension, named segment) and, from a
BG/NBD model fitted on the workspace's order histories, the probability each buyer is alive.

Run by ``tailored profiles rfm`` and daily by ``tailored worker``. Scores live in their own
table, so the batch never overwrites profile states that ingestion is updating.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table
from sqlalchemy.engine import Connection, Engine

from tailored import storage
from tailored.core import Person, ValidationError, register_personal_data, utcnow
from tailored.storage import UTCDateTime, metadata

from ._bgnbd import expected_purchases, fit_bgnbd, probability_alive
from ._rfm import rfm_scores
from ._state import DAY_MS, to_ms
from ._tables import profiles

JOB_KIND = "profiles.scores"

scores = Table(
    "profile_scores",
    metadata,
    Column(
        "profile_id", String(40), ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    Column("recency", Integer, nullable=False),
    Column("frequency", Integer, nullable=False),
    Column("monetary", Integer, nullable=False),
    Column("segment", String(40), nullable=False),
    Column("p_alive", Float, nullable=True),
    Column("expected_orders_90d", Float, nullable=True),
    Column("computed_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class ScoreRun:
    """What a scoring run did."""

    buyers: int
    segments: dict[str, int]
    bgnbd: dict[str, float] | None
    note: str | None


def _buyers(conn: Connection, workspace_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = conn.execute(
        sa.select(profiles.c.id, profiles.c.state).where(
            profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
        )
    )
    return [(pid, state) for pid, state in rows if state and state.get("orders")]


def _bgnbd(
    states: list[dict[str, Any]], now_ms: int
) -> tuple[Any, Any, dict[str, float] | None, str | None]:
    x = np.array([s["orders"] - 1 for s in states], dtype=float)
    t_x = np.array([(s["last_order"] - s["first_order"]) / DAY_MS for s in states])
    age = np.array([(now_ms - s["first_order"]) / DAY_MS for s in states])
    age = np.maximum(age, t_x)
    try:
        fit = fit_bgnbd(x, t_x, age)
    except ValidationError as exc:
        return None, None, None, f"probability alive not computed: {exc.message}"
    alive = probability_alive(x, t_x, age, fit.params)
    expected = expected_purchases(90.0, x, t_x, age, fit.params)
    params = {"r": fit.params.r, "alpha": fit.params.alpha, "a": fit.params.a, "b": fit.params.b}
    return alive, expected, params, None


def compute_scores(engine: Engine, workspace_id: int, now: datetime | None = None) -> ScoreRun:
    """Score every buyer of the workspace and replace the stored scores."""
    now = now or utcnow()
    now_ms = to_ms(now)
    with engine.connect() as conn:
        buyers = _buyers(conn, workspace_id)
    if not buyers:
        return ScoreRun(0, {}, None, "no buyers yet: nobody has an Order Completed event")
    states = [s for _, s in buyers]
    recency = [(now_ms - s["last_order"]) / DAY_MS for s in states]
    net = [s.get("revenue", 0.0) - s.get("refunded", 0.0) for s in states]
    rfm = rfm_scores(recency, [s["orders"] for s in states], net).profiles()
    alive, expected, params, note = _bgnbd(states, now_ms)
    rows = [
        {"profile_id": pid, "workspace_id": workspace_id, "recency": p.recency,
         "frequency": p.frequency, "monetary": p.monetary, "segment": p.segment.value,
         "p_alive": None if alive is None else float(alive[i]),
         "expected_orders_90d": None if expected is None else float(expected[i]),
         "computed_at": now}
        for i, ((pid, _), p) in enumerate(zip(buyers, rfm, strict=True))
    ]  # fmt: skip
    with storage.write_transaction(engine) as conn:
        conn.execute(scores.delete().where(scores.c.workspace_id == workspace_id))
        conn.execute(scores.insert(), rows)
    counts = Counter(str(r["segment"]) for r in rows)
    return ScoreRun(len(rows), dict(counts.most_common()), params, note)


def score_of(conn: Connection, profile_id: str) -> dict[str, Any] | None:
    """The stored scores of one profile, or ``None``."""
    row = (
        conn.execute(sa.select(scores).where(scores.c.profile_id == profile_id)).mappings().first()
    )
    if row is None:
        return None
    return {
        "rfm": {
            "recency": row["recency"],
            "frequency": row["frequency"],
            "monetary": row["monetary"],
        },
        "rfm_segment": row["segment"],
        "probability_alive": row["p_alive"],
        "expected_orders_90d": row["expected_orders_90d"],
        "scored_at": row["computed_at"],
    }


def _score_job(engine: Engine, _job: storage.Job) -> None:
    with engine.connect() as conn:
        spaces = [w.id for w in storage.list_workspaces(conn)]
    for workspace_id in spaces:
        compute_scores(engine, workspace_id)


def _export(conn: Connection, who: Person) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(scores).where(scores.c.profile_id.in_(who.profile_ids)))
    return [dict(r) for r in rows.mappings()]


def _erase(conn: Connection, who: Person) -> int:
    return int(
        conn.execute(scores.delete().where(scores.c.profile_id.in_(who.profile_ids))).rowcount
    )


storage.register_job(JOB_KIND, _score_job)
storage.register_periodic(JOB_KIND, every_seconds=24 * 3600)
register_personal_data("profile_scores", _export, _erase)
