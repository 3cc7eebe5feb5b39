"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request

from tailored import __version__, storage

from ._errors import error_body
from ._responses import FastJSONResponse
from ._state import state_of

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Always 200 while the process is up."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    summary="Readiness: database reachable and migrated (and Redis, if configured)",
    response_model=None,
)
def readyz(request: Request) -> dict[str, Any] | FastJSONResponse:
    """200 when the database answers and is at the newest migration, 503 otherwise."""
    state = state_of(request)
    problems: list[dict[str, str]] = []
    revision: str | None = None
    try:
        with state.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        revision = storage.current_revision(state.engine)
    except sa.exc.SQLAlchemyError as exc:
        problems.append({"loc": "database", "message": f"unreachable: {exc.__class__.__name__}"})
    else:
        head = storage.head_revision()
        if revision != head:
            problems.append(
                {
                    "loc": "database",
                    "message": f"at migration {revision or 'none'}, needs {head}: "
                    "run `tailored db upgrade`",
                }
            )
    if state.redis is not None and not state.redis.ping():
        problems.append({"loc": "redis", "message": "unreachable"})
    if problems:
        summary = "; ".join(f"{p['loc']}: {p['message']}" for p in problems)
        return FastJSONResponse(
            error_body("not_ready", f"not ready: {summary}", problems), status_code=503
        )
    return {
        "status": "ready",
        "database": state.engine.dialect.name,
        "migration": revision,
        "redis": "ok" if state.redis is not None else "not configured",
    }
