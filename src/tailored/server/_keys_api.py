"""``/v1/whoami`` for any key, and key management for admin keys (within their workspace)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tailored import storage
from tailored.core import NotFound

from ._auth import AdminKey, WriteKey
from ._state import engine_of, settings_of, state_of

router = APIRouter(prefix="/v1", tags=["keys"])


class KeyRequest(BaseModel):
    """A key to create in the caller's workspace."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What the key is for.")
    scope: storage.Scope = Field(description="write, server or admin.")


@router.get("/whoami", summary="The calling key: its id, scope and workspace")
def whoami(principal: WriteKey) -> dict[str, Any]:
    """Any valid key may ask."""
    return principal.key.as_dict()


@router.get("/keys", summary="The keys of this workspace (admin)")
def list_keys(request: Request, principal: AdminKey) -> dict[str, Any]:
    """Every key of the caller's workspace, without secrets."""
    with engine_of(request).connect() as conn:
        keys = storage.list_keys(conn, principal.workspace_id)
    return {"keys": [k.as_dict() for k in keys]}


@router.post("/keys", status_code=201, summary="Create a key in this workspace (admin)")
def create_key(request: Request, body: KeyRequest, principal: AdminKey) -> dict[str, Any]:
    """The secret is in this answer only; it is stored as a keyed hash."""
    pepper = settings_of(request).secret_key.get_secret_value()
    with engine_of(request).begin() as conn:
        created = storage.create_key(conn, principal.workspace_id, body.scope, body.name, pepper)
    return {**created.key.as_dict(), "key": created.secret}


@router.delete("/keys/{key_id}", summary="Revoke a key of this workspace (admin)")
def revoke_key(request: Request, key_id: str, principal: AdminKey) -> dict[str, Any]:
    """Takes effect on the next request that presents the key."""
    with engine_of(request).begin() as conn:
        key = storage.get_key(conn, key_id)
        if key.workspace_id != principal.workspace_id:
            raise NotFound(f"no API key with id {key_id!r} in this workspace")
        revoked = storage.revoke_key(conn, key_id).as_dict()
    state_of(request).keys.forget(key_id)
    return revoked
