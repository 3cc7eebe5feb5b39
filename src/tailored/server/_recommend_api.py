"""The catalog (admin key) and recommendations (server key)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import pydantic
from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tailored import recommend, storage
from tailored.core import NotFound, ValidationError

from ._auth import AdminKey, ServerKey
from ._state import engine_of

router = APIRouter(prefix="/v1", tags=["recommendations"])


def _invalid(exc: pydantic.ValidationError, prefix: str) -> ValidationError:
    details = [
        {"loc": ".".join([prefix, *(str(p) for p in e["loc"])]), "message": e["msg"]}
        for e in exc.errors()
    ]
    return ValidationError(f"invalid {prefix}: {details[0]['message']}", details)


class ItemBatch(BaseModel):
    """Items to insert or update by ``item_id``."""

    model_config = ConfigDict(extra="forbid")

    items: list[recommend.Item] = Field(min_length=1, max_length=1000, description="1 to 1000.")


class RecommendationRequest(BaseModel):
    """A recommendation request with the full set of business rules."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(None, description="Profile id, userId or anonymousId.")
    strategy: recommend.Strategy = Field("for_you", description="What to recommend.")
    item: str | None = Field(None, description="The item of similar / bought_together.")
    k: int = Field(10, ge=1, le=100, description="How many items.")
    rules: recommend.Rules = Field(default_factory=recommend.Rules, description="Rules.")


@router.put("/items/{item_id}", summary="Insert or replace a catalog item (admin)")
def put_item(
    request: Request,
    item_id: str,
    principal: AdminKey,
    body: Annotated[dict[str, Any], Body(description="The item's fields (see Item).")],
) -> dict[str, Any]:
    """Fields left out take their defaults; ``item_id`` in the body must match the path."""
    if body.get("item_id", item_id) != item_id:
        raise ValidationError("body.item_id differs from the item id in the path")
    try:
        item = recommend.Item.model_validate({**body, "item_id": item_id})
    except pydantic.ValidationError as exc:
        raise _invalid(exc, "body") from exc
    with storage.write_transaction(engine_of(request)) as conn:
        recommend.upsert_items(conn, principal.workspace_id, [item])
        row = recommend.get_item(conn, principal.workspace_id, item_id)
    assert row is not None
    return recommend.item_document(row)


@router.post("/items", summary="Insert or update up to 1000 catalog items (admin)")
def post_items(request: Request, body: ItemBatch, principal: AdminKey) -> dict[str, Any]:
    """Each item is matched by ``item_id``: new ones are inserted, known ones replaced."""
    with storage.write_transaction(engine_of(request)) as conn:
        written = recommend.upsert_items(conn, principal.workspace_id, body.items)
    return {"upserted": written}


@router.get("/items", summary="A page of catalog items by id (admin)")
def list_items(
    request: Request,
    principal: AdminKey,
    limit: Annotated[int, Query(ge=1, le=recommend.ITEMS_PAGE_MAX)] = 100,
    after: Annotated[str | None, Query(description="next_after of the previous page")] = None,
) -> dict[str, Any]:
    """Pass ``next_after`` back as ``after`` for the next page; it is null on the last."""
    with engine_of(request).connect() as conn:
        page, following = recommend.list_items(
            conn, principal.workspace_id, limit=limit, after=after
        )
    return {"items": page, "next_after": following}


@router.get("/items/{item_id}", summary="One catalog item (admin)")
def get_item(request: Request, item_id: str, principal: AdminKey) -> dict[str, Any]:
    """404 if the catalog has no such item."""
    with engine_of(request).connect() as conn:
        row = recommend.get_item(conn, principal.workspace_id, item_id)
    if row is None:
        raise NotFound(f"no item {item_id!r} in this workspace's catalog")
    return recommend.item_document(row)


@router.delete("/items/{item_id}", summary="Remove a catalog item (admin)")
def delete_item(request: Request, item_id: str, principal: AdminKey) -> dict[str, Any]:
    """Trained models still know the item until the next training; rules leave out items
    that are not in stock, so mark an item ``in_stock: false`` to hide it at once."""
    with storage.write_transaction(engine_of(request)) as conn:
        recommend.delete_item(conn, principal.workspace_id, item_id)
    return {"deleted": item_id}


def _filter(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"query.filter is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValidationError("query.filter must be a JSON object (a condition)")
    return value


@router.get("/recommendations", summary="Recommendations for a person or an item (server)")
def get_recommendations(
    request: Request,
    principal: ServerKey,
    strategy: recommend.Strategy = "for_you",
    user: Annotated[str | None, Query(description="Profile id, userId or anonymousId")] = None,
    item: Annotated[str | None, Query(description="For similar and bought_together")] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    filter_: Annotated[
        str | None, Query(alias="filter", description="A condition over item attributes")
    ] = None,
    exclude_purchased: bool = True,
    exclude_seen: bool = True,
    in_stock_only: bool = True,
    max_impressions: Annotated[int | None, Query(ge=1)] = None,
    max_per_category: Annotated[int | None, Query(ge=1)] = None,
    diversity: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> dict[str, Any]:
    """Every answer has a ``recommendation_id``: send it with the ``Recommendations
    Viewed`` event (``item_ids``) and on clicks and orders to attribute them. Boosts, buries
    and pins need ``POST /v1/recommendations``."""
    rules = recommend.Rules(
        exclude_purchased=exclude_purchased,
        exclude_seen=exclude_seen,
        in_stock_only=in_stock_only,
        filter=_filter(filter_),
        max_impressions=max_impressions,
        max_per_category=max_per_category,
        diversity=diversity,
    )
    found = recommend.recommend_for(
        engine_of(request), principal.workspace_id, user, strategy, item, k, rules
    )
    return found.as_dict()


@router.post("/recommendations", summary="Recommendations with every business rule (server)")
def post_recommendations(
    request: Request, body: RecommendationRequest, principal: ServerKey
) -> dict[str, Any]:
    """As ``GET /v1/recommendations``, with rules in the body (boost, bury, pinned, ...)."""
    found = recommend.recommend_for(
        engine_of(request),
        principal.workspace_id,
        body.user,
        body.strategy,
        body.item,
        body.k,
        body.rules,
    )
    return found.as_dict()


@router.get("/recommendations/models", summary="Stored model versions (admin)")
def list_models(request: Request, principal: AdminKey) -> dict[str, Any]:
    """Newest first, with holdout metrics; the newest active one is served."""
    with engine_of(request).connect() as conn:
        versions = recommend.list_versions(conn, principal.workspace_id)
    return {"models": [v.as_dict() for v in versions]}
