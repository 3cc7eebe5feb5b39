"""One error format for every 4xx and 5xx: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from tailored.core import RateLimited, TailoredError, Unauthorized

from ._responses import FastJSONResponse

log = logging.getLogger("tailored.server")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The uniform error document."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(error: TailoredError, request_id: str | None = None) -> FastJSONResponse:
    """The HTTP answer for one of tailored's errors."""
    headers = {"x-request-id": request_id} if request_id else {}
    if isinstance(error, Unauthorized):
        headers["www-authenticate"] = 'Bearer realm="tailored"'
    if isinstance(error, RateLimited):
        headers["retry-after"] = str(error.retry_after)
    return FastJSONResponse(
        error_body(error.code, error.message, error.details),
        status_code=error.status_code,
        headers=headers,
    )


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": _loc(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI, *, debug: bool) -> None:
    """Map tailored's errors, HTTP errors, validation errors and crashes to the uniform format."""

    @app.exception_handler(TailoredError)
    async def _tailored(_: Request, exc: TailoredError) -> FastJSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> FastJSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return FastJSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> FastJSONResponse:
        details = _validation_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            where = next(d for d in details if d["type"] == "json_invalid")
            return FastJSONResponse(
                error_body("bad_request", f"malformed JSON body: {where['message']}", details),
                status_code=400,
            )
        first = details[0] if details else {"loc": "", "message": "invalid request"}
        message = f"{first['loc']}: {first['message']}" if first["loc"] else first["message"]
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        return FastJSONResponse(error_body("validation_error", message, details), status_code=422)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.ProgrammingError)
    async def _database(request: Request, exc: Exception) -> FastJSONResponse:
        text = str(exc).lower()
        missing = "no such table" in text or ("relation" in text and "does not exist" in text)
        log.error("database error in %s %s: %s", request.method, request.url.path, exc)
        message = (
            "the database is not migrated: run `tailored db upgrade`"
            if missing
            else "the database is unavailable; try again shortly"
        )
        return FastJSONResponse(
            error_body("service_unavailable", message),
            status_code=503,
            headers={"retry-after": "5"},
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> FastJSONResponse:
        rid = getattr(request.state, "request_id", "-")
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        message = f"internal error; quote request id {rid} when reporting it"
        if debug:
            message += f": {type(exc).__name__}: {exc}"
        return FastJSONResponse(
            error_body("internal_error", message), status_code=500, headers={"x-request-id": rid}
        )
