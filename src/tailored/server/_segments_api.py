"""Segments (admin key): definitions, a preview before saving, members and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tailored import segments

from ._auth import AdminKey
from ._state import engine_of, settled_exposures

router = APIRouter(
    prefix="/v1/segments", tags=["segments"], dependencies=[Depends(settled_exposures)]
)


class SegmentRequest(BaseModel):
    """A segment to create."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100, description="e.g. 'cart-abandoners'")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    condition: dict[str, Any] = Field(description="A condition of the condition language.")


class SegmentChangeRequest(BaseModel):
    """Fields of a segment to change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    condition: dict[str, Any] | None = None


class PreviewRequest(BaseModel):
    """A condition to try."""

    model_config = ConfigDict(extra="forbid")

    condition: dict[str, Any]
    sample: int = Field(10, ge=0, le=100, description="How many member ids to show.")


def _shown(segment: segments.Segment, size: int | None) -> dict[str, Any]:
    return {**segment.as_json(), "size": size}


@router.get("", summary="The workspace's segments, with their sizes")
def list_segments(request: Request, principal: AdminKey) -> dict[str, Any]:
    """Every segment and how many people are in it now."""
    with engine_of(request).connect() as conn:
        sizes = segments.segment_sizes(conn, principal.workspace_id)
        found = segments.list_segments(conn, principal.workspace_id)
    return {"segments": [_shown(s, sizes.get(s.key, 0)) for s in found]}


@router.post("", status_code=201, summary="Create a segment")
def create_segment(request: Request, body: SegmentRequest, principal: AdminKey) -> dict[str, Any]:
    """Checks the condition (422 with the JSON path of each problem), stores the segment,
    rebuilds the behaviour it needs from the event log and computes its members."""
    engine = engine_of(request)
    segment = segments.create_segment(
        engine, principal.workspace_id, body.key, body.name, body.condition,
        description=body.description,
    )  # fmt: skip
    with engine.connect() as conn:
        size = segments.segment_sizes(conn, principal.workspace_id).get(segment.key, 0)
    return _shown(segment, size)


@router.post("/preview", summary="Size and sample of a condition, without saving it")
def preview(request: Request, body: PreviewRequest, principal: AdminKey) -> dict[str, Any]:
    """Evaluates the condition for every profile now; nothing is stored."""
    found = segments.preview(
        engine_of(request), principal.workspace_id, body.condition, sample=body.sample
    )
    return {"size": found.size, "sample": found.sample, "profiles": found.profiles}


@router.get("/{key}", summary="One segment")
def get_segment(request: Request, key: str, principal: AdminKey) -> dict[str, Any]:
    """The definition and the current size."""
    with engine_of(request).connect() as conn:
        segment = segments.get_segment(conn, principal.workspace_id, key)
        size = segments.segment_sizes(conn, principal.workspace_id).get(key, 0)
    return _shown(segment, size)


@router.patch("/{key}", summary="Change a segment")
def change_segment(
    request: Request, key: str, body: SegmentChangeRequest, principal: AdminKey
) -> dict[str, Any]:
    """A changed condition is checked, and the members are computed again."""
    changes = body.model_dump(exclude_none=True)
    engine = engine_of(request)
    segment = segments.update_segment(engine, principal.workspace_id, key, changes)
    with engine.connect() as conn:
        size = segments.segment_sizes(conn, principal.workspace_id).get(key, 0)
    return _shown(segment, size)


@router.delete("/{key}", status_code=204, summary="Delete a segment")
def delete_segment(request: Request, key: str, principal: AdminKey) -> Response:
    """Its members and history go with it; 409 while another segment refers to it."""
    segments.delete_segment(engine_of(request), principal.workspace_id, key)
    return Response(status_code=204)


@router.get("/{key}/members", summary="A page of a segment's members")
def get_members(
    request: Request,
    key: str,
    principal: AdminKey,
    limit: Annotated[int, Query(ge=1, le=segments.PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    """Members by profile id, with when they entered; ``next_cursor`` is null on the last page."""
    with engine_of(request).connect() as conn:
        page, following = segments.members_page(
            conn, principal.workspace_id, key, limit=limit, cursor=cursor
        )
    return {"members": page, "next_cursor": following}


@router.get("/{key}/history", summary="A page of a segment's membership history")
def get_history(
    request: Request,
    key: str,
    principal: AdminKey,
    limit: Annotated[int, Query(ge=1, le=segments.PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    profile: Annotated[str | None, Query(description="Only this profile id.")] = None,
) -> dict[str, Any]:
    """Every stay, newest first: ``entered_at`` and ``exited_at`` (null while still in)."""
    with engine_of(request).connect() as conn:
        page, following = segments.history_page(
            conn, principal.workspace_id, key, limit=limit, cursor=cursor, profile_id=profile
        )
    return {"history": page, "next_cursor": following}
