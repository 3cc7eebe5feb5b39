"""Privacy (admin key): export, erasure, consent and suppression of a person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tailored import events, privacy, profiles
from tailored.core import utcnow

from ._auth import AdminKey
from ._state import engine_of, settled_exposures

router = APIRouter(prefix="/v1", tags=["privacy"], dependencies=[Depends(settled_exposures)])


@router.get("/profiles/{ident}/export", summary="Everything stored about a person (admin)")
def export(request: Request, ident: str, principal: AdminKey) -> dict[str, Any]:
    """The person's profile(s), identities and events, from every stage that stores any."""
    with engine_of(request).connect() as conn:
        who = privacy.find_person(conn, principal.workspace_id, ident)
        return privacy.export_person(conn, who)


@router.delete("/profiles/{ident}", summary="Erase a person (admin)")
def erase(
    request: Request,
    ident: str,
    principal: AdminKey,
    suppress: Annotated[
        bool, Query(description="Also drop their future events at collection.")
    ] = False,
) -> dict[str, Any]:
    """Delete every row about the person in every stage, in one transaction."""
    with engine_of(request).begin() as conn:
        who = privacy.find_person(conn, principal.workspace_id, ident)
        return privacy.erase_person(conn, who, suppress=suppress)


class ConsentRequest(BaseModel):
    """Consent choices to record."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, bool] = Field(
        min_length=1,
        description="e.g. {'analytics': true, 'personalization': false, 'marketing': false}",
    )
    source: str = Field("api", max_length=100, description="Where the choice was made.")


@router.put("/profiles/{ident}/consent", summary="Record a person's consent choices (admin)")
def consent(
    request: Request, ident: str, body: ConsentRequest, principal: AdminKey
) -> dict[str, Any]:
    """Each category is stored with the time and source; later choices win."""
    with engine_of(request).begin() as conn:
        profile_id = profiles.find_profile(conn, principal.workspace_id, ident)
        stored = profiles.set_consent(conn, profile_id, body.categories, body.source, utcnow())
    return {
        "profile_id": profile_id,
        "consent": {c: {"granted": g, "source": s} for c, (g, _, s) in stored.items()},
    }


class SuppressionRequest(BaseModel):
    """A person to suppress, by userId or anonymousId."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    user_id: str | None = Field(None, alias="userId", min_length=1, max_length=255)
    anonymous_id: str | None = Field(None, alias="anonymousId", min_length=1, max_length=255)
    reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_id(self) -> SuppressionRequest:
        if (self.user_id is None) == (self.anonymous_id is None):
            raise ValueError("give exactly one of userId and anonymousId")
        return self


@router.post("/privacy/suppressions", status_code=201, summary="Suppress a person (admin)")
def add_suppression(
    request: Request, body: SuppressionRequest, principal: AdminKey
) -> dict[str, Any]:
    """From now on their events are dropped at collection and counted; nothing is stored.

    Only a digest of the id is kept.
    """
    kind: events.IdKind = "user" if body.user_id else "anonymous"
    value = body.user_id or body.anonymous_id or ""
    with engine_of(request).begin() as conn:
        created = events.suppress(conn, principal.workspace_id, kind, value, body.reason)
    return {"suppressed": True, "already": not created, "kind": kind}
