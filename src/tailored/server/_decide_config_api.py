"""Decide configuration (admin key): placements, experiences, experiments, flags, settings.

Each kind has the same five routes: list, create (409 if the key exists), read, replace or
create (``PUT``), delete (409 while something refers to it). Bodies are checked field by field
and against the rest of the workspace; errors name the field (``loc``).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Request, Response

from tailored import decide
from tailored.core import NotFound, ValidationError

from ._auth import AdminKey
from ._state import engine_of

router = APIRouter()

_PLURALS = {
    "placement": "placements",
    "experience": "experiences",
    "experiment": "experiments",
    "flag": "flags",
    "metric": "metrics",
}


def _routes(kind: str, plural: str) -> None:
    tag: list[str | Enum] = [plural]
    path = f"/v1/{plural}"

    @router.get(path, tags=tag, summary=f"Every {kind}", name=f"list_{plural}")
    def list_all(request: Request, principal: AdminKey) -> dict[str, Any]:
        return {plural: decide.listing(engine_of(request), principal.workspace_id, kind)}

    @router.post(path, tags=tag, status_code=201, summary=f"Create a {kind}", name=f"create_{kind}")
    def create(request: Request, principal: AdminKey, body: dict[str, Any]) -> dict[str, Any]:
        saved, _ = decide.save(
            engine_of(request), principal.workspace_id, kind, body, create_only=True
        )
        return saved

    @router.get(path + "/{key}", tags=tag, summary=f"One {kind}", name=f"get_{kind}")
    def read(request: Request, key: str, principal: AdminKey) -> dict[str, Any]:
        return decide.get(engine_of(request), principal.workspace_id, kind, key)

    @router.put(
        path + "/{key}", tags=tag, summary=f"Replace (or create) a {kind}", name=f"put_{kind}"
    )
    def replace(
        request: Request,
        key: str,
        response: Response,
        principal: AdminKey,
        body: dict[str, Any],
    ) -> dict[str, Any]:
        body = {**body, "key": body.get("key", key)}
        if body["key"] != key:
            raise ValidationError(
                f"key {body['key']!r} in the body differs from {key!r} in the path",
                [{"loc": "key", "message": "must match the path"}],
            )
        saved, outcome = decide.save(engine_of(request), principal.workspace_id, kind, body)
        if outcome == "created":
            response.status_code = 201
        return saved

    @router.delete(
        path + "/{key}",
        tags=tag,
        status_code=204,
        summary=f"Delete a {kind}",
        name=f"delete_{kind}",
    )
    def remove(request: Request, key: str, principal: AdminKey) -> Response:
        decide.delete(engine_of(request), principal.workspace_id, kind, key)
        return Response(status_code=204)


for _kind, _plural in _PLURALS.items():
    _routes(_kind, _plural)


@router.get("/v1/decide/settings", tags=["settings"], summary="Holdout, consent, attribution")
def get_settings(request: Request, principal: AdminKey) -> dict[str, Any]:
    """The workspace's decide settings (defaults until saved)."""
    try:
        return decide.get(engine_of(request), principal.workspace_id, "settings", "decide")
    except NotFound:
        return decide.to_body(decide.Settings())


@router.put("/v1/decide/settings", tags=["settings"], summary="Change the decide settings")
def put_settings(request: Request, principal: AdminKey, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the settings: `holdout` {percent, seed}, `consent`
    {experiments_without_consent}, `attribution` {window_hours, events}."""
    saved, _ = decide.save(
        engine_of(request), principal.workspace_id, "settings", {**body, "key": "decide"}
    )
    return saved
