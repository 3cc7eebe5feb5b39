"""Collection: Segment's HTTP tracking API (``/v1/track``, ``/v1/batch``, ...).

The write key may come as a Bearer token, as the HTTP Basic username, or as ``writeKey`` in
the body (Segment's libraries use the last two). Bodies may be gzip-compressed.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from tailored import events
from tailored.core import (
    BadRequest,
    PayloadTooLarge,
    RateLimited,
    TailoredError,
    ValidationError,
    utcnow,
)

from ._auth import Principal, authenticate, presented_key
from ._errors import error_response
from ._state import settled_exposures, state_of

router = APIRouter(prefix="/v1", tags=["collection"], dependencies=[Depends(settled_exposures)])


class InvalidEvents(ValidationError):
    """Nothing in the request could be accepted (Segment's API answers 400 for this)."""

    code = "invalid_events"
    status_code = 400


def _gunzip(raw: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"Content-Encoding is gzip but the body is not valid gzip: {exc}") from exc
    if len(data) > limit:
        raise PayloadTooLarge(f"request body larger than {limit} bytes once decompressed")
    if not decompressor.eof:
        raise BadRequest("Content-Encoding is gzip but the body is truncated")
    return data


async def read_json_body(request: Request, limit: int) -> Any:
    """The request's JSON body, gzip undone, within ``limit`` bytes; 400/413 otherwise."""
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, limit)
    elif encoding not in ("", "identity"):
        raise BadRequest(f"unsupported Content-Encoding {encoding!r}; send gzip or nothing")
    if len(raw) > limit:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; the limit is {limit}")
    if not raw.strip():
        raise BadRequest("empty body: send a JSON object")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON body: {exc}") from exc


def _messages(body: Any, kind: str | None, max_batch: int) -> list[Any]:
    if not isinstance(body, dict):
        raise InvalidEvents(
            "body: must be a JSON object", [{"loc": "body", "message": "must be a JSON object"}]
        )
    if kind is not None:
        return [body]
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise InvalidEvents(
            "batch: must be a list of messages",
            [{"loc": "batch", "message": "required: a list of messages"}],
        )
    if len(batch) > max_batch:
        raise PayloadTooLarge(f"batch has {len(batch)} events; the limit is {max_batch}")
    return batch


def _accept(request: Request, body: Any, kind: str | None) -> dict[str, Any]:
    state = state_of(request)
    settings = state.settings
    secret = presented_key(request)
    if secret is None and isinstance(body, dict) and isinstance(body.get("writeKey"), str):
        secret = body["writeKey"]
    principal: Principal = authenticate(request, secret, "write")
    wait = state.rate_limiter.acquire(principal.key.id)
    if wait:
        raise RateLimited(f"too many requests for key {principal.key.id}; retry in {wait}s", wait)
    messages = _messages(body, kind, settings.ingest_max_batch)
    result = events.ingest(
        state.engine,
        principal.workspace_id,
        messages,
        utcnow(),
        kind=kind,
        sent_at=body.get("sentAt"),
        max_event_bytes=settings.ingest_max_event_bytes,
        where="batch" if kind is None else "",
        request_ip=request.client.host if request.client else None,
        ip_mode=settings.ip_mode,
        gpc=request.headers.get("sec-gpc", "").strip() == "1",
    )
    rejected = [r.as_dict() for r in result.rejected]
    if result.rejected and not (result.accepted or result.duplicates):
        first = result.rejected[0]
        raise InvalidEvents(
            f"{first.loc}: {first.message}"
            + (f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""),
            rejected,
        )
    return {
        "success": True,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "suppressed": result.suppressed,
        "rejected": rejected,
    }


async def _collect(request: Request, kind: str | None) -> Any:
    try:
        body = await read_json_body(request, state_of(request).settings.ingest_max_request_bytes)
        return await run_in_threadpool(_accept, request, body, kind)
    except TailoredError as exc:
        # Segment's and RudderStack's libraries read `code` and `message` at the top level.
        response = error_response(exc)
        document = orjson.loads(response.body)
        response.body = orjson.dumps({"success": False, **document["error"], **document})
        response.headers["content-length"] = str(len(response.body))
        return response


_EXAMPLES: dict[str, dict[str, Any]] = {
    "track": {"userId": "u-42", "event": "Order Completed", "properties": {"revenue": 42.5}},
    "identify": {"userId": "u-42", "anonymousId": "a-1", "traits": {"email": "ada@example.com"}},
    "page": {"anonymousId": "a-1", "name": "Home", "properties": {"url": "https://shop.example/"}},
    "screen": {"anonymousId": "a-1", "name": "Cart"},
    "group": {"userId": "u-42", "groupId": "acme", "traits": {"industry": "retail"}},
    "alias": {"userId": "u-42", "previousId": "a-1"},
    "batch": {"batch": [{"type": "track", "userId": "u-42", "event": "Product Viewed"}]},
}


def _body(kind: str) -> dict[str, Any]:
    """An OpenAPI request body (the endpoints read the raw body to accept gzip)."""
    content = {"schema": {"type": "object"}, "example": _EXAMPLES[kind]}
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


_DOC = (
    "Accepted once committed: 200 `{success, accepted, duplicates, rejected}`. "
    "Key as Bearer, Basic username, or `writeKey` in the body. Errors carry `code` and "
    "`message` at the top level as well as in `error`, for Segment's libraries."
)


@router.post(
    "/track",
    openapi_extra=_body("track"),
    summary="Record an action (Segment track)",
    description=_DOC,
)
async def track(request: Request) -> Any:
    """A track call: `event`, `properties`, `userId` or `anonymousId`."""
    return await _collect(request, "track")


@router.post(
    "/identify", summary="Tie a person to their traits (Segment identify)", description=_DOC
)
async def identify(request: Request) -> Any:
    """An identify call: `userId` and/or `anonymousId`, `traits`."""
    return await _collect(request, "identify")


@router.post(
    "/page",
    openapi_extra=_body("page"),
    summary="Record a page view (Segment page)",
    description=_DOC,
)
async def page(request: Request) -> Any:
    """A page call: `name`, `properties` (url, path, referrer, title)."""
    return await _collect(request, "page")


@router.post(
    "/screen",
    openapi_extra=_body("screen"),
    summary="Record an app screen view (Segment screen)",
    description=_DOC,
)
async def screen(request: Request) -> Any:
    """A screen call: `name`, `properties`."""
    return await _collect(request, "screen")


@router.post(
    "/group",
    openapi_extra=_body("group"),
    summary="Tie a person to a company (Segment group)",
    description=_DOC,
)
async def group(request: Request) -> Any:
    """A group call: `groupId`, `traits`."""
    return await _collect(request, "group")


@router.post(
    "/alias",
    openapi_extra=_body("alias"),
    summary="Merge two identities (Segment alias)",
    description=_DOC,
)
async def alias(request: Request) -> Any:
    """An alias call: `previousId` and `userId`."""
    return await _collect(request, "alias")


@router.post(
    "/batch",
    openapi_extra=_body("batch"),
    summary="Several calls at once (Segment batch)",
    description=_DOC + " Good events are accepted even when others are rejected.",
)
async def batch(request: Request) -> Any:
    """`{"batch": [{"type": "track", ...}, ...], "sentAt": ...}`."""
    return await _collect(request, None)
