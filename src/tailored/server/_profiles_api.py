"""Profile reads (server key): one person by any of their ids, and their events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from tailored import profiles
from tailored.core import utcnow

from ._auth import ServerKey
from ._state import engine_of, settled_exposures

router = APIRouter(
    prefix="/v1/profiles", tags=["profiles"], dependencies=[Depends(settled_exposures)]
)


@router.get("/{ident}", summary="A profile by internal id, userId or anonymousId")
def get_profile(request: Request, ident: str, principal: ServerKey) -> dict[str, Any]:
    """Traits, computed traits (counts, orders, revenue, lifecycle, ...), ids and consent.

    Reflects every event whose collection call has returned (read your writes).
    """
    with engine_of(request).connect() as conn:
        profile_id = profiles.find_profile(conn, principal.workspace_id, ident)
        return profiles.profile_document(
            conn, principal.workspace_id, profile_id, utcnow(), profiles.LifecycleConfig()
        )


@router.get("/{ident}/events", summary="A page of a profile's events, newest first")
def get_profile_events(
    request: Request,
    ident: str,
    principal: ServerKey,
    limit: Annotated[int, Query(ge=1, le=profiles.PAGE_MAX)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    """Pass ``next_cursor`` back as ``cursor`` for the next page; it is null on the last."""
    with engine_of(request).connect() as conn:
        profile_id = profiles.find_profile(conn, principal.workspace_id, ident)
        page, following = profiles.profile_events(
            conn, principal.workspace_id, profile_id, limit=limit, cursor=cursor
        )
    return {"profile_id": profile_id, "events": page, "next_cursor": following}
