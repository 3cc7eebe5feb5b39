"""The OpenFeature Remote Evaluation Protocol (OFREP) over tailored's flags (server key).

Any OpenFeature SDK with an OFREP provider reads tailored's flags with no tailored-specific
client: ``POST /ofrep/v1/evaluate/flags/{key}`` evaluates one flag (server-side providers),
``POST /ofrep/v1/evaluate/flags`` every flag of the workspace, with an ``ETag`` and ``304``
when nothing changed (client-side providers polling). Both run the decide engine, exactly as
``POST /v1/decide`` with ``placements: []`` would, exposures of experiment-driven flags
included.

How OFREP meets tailored:

- The key is a ``server`` key, sent as ``Authorization: Bearer <key>`` (or Basic, as on every
  endpoint) or as OFREP's ``X-API-Key`` header.
- ``context.targetingKey`` is the person's ``userId``; the other fields of ``context`` are
  attributes for targeting conditions (they win over the profile's). tailored decides every
  flag for a person (rollouts and experiments hash their id, segments are theirs), so the
  targeting key is always required: without it the answer is 400 ``TARGETING_KEY_MISSING``.
- Reasons: ``default`` and ``prerequisite`` (unmet, so the default) become ``DEFAULT``,
  ``targeting`` ``TARGETING_MATCH``, ``rollout`` and ``experiment`` ``SPLIT``, ``disabled``
  ``DISABLED``. ``variant`` is the rule id, the experiment's variant, or ``default``.
- ``metadata`` holds tailored's own ``reason``, the ``rule_id``, and for experiment rules the
  ``experiment`` and the exposure's ``decision_id`` (send it with conversions).
- Errors have OFREP's shape ``{"key", "errorCode", "errorDetails"}``: 404 ``FLAG_NOT_FOUND``,
  400 ``PARSE_ERROR`` (the body is not JSON), ``INVALID_CONTEXT`` (the body or ``context`` is
  not an object, a bad ``targetingKey``) or ``TARGETING_KEY_MISSING``. Authentication
  failures (401, 403), for which OFREP defines no body, keep tailored's uniform error format.
- Values are sent as stored: a ``number`` flag configured as ``3`` is a JSON integer, ``3.5``
  or ``3.0`` a JSON float; SDKs that tell integers from floats check the type themselves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from tailored import decide

from ._auth import Principal, authenticate, presented_key
from ._responses import FastJSONResponse
from ._state import state_of

router = APIRouter(prefix="/ofrep/v1", tags=["openfeature"])

#: OpenFeature's reason for each of tailored's flag reasons.
REASONS: dict[str, str] = {
    "default": "DEFAULT",
    "targeting": "TARGETING_MATCH",
    "rollout": "SPLIT",
    "experiment": "SPLIT",
    "prerequisite": "DEFAULT",
    "disabled": "DISABLED",
}

_MAX_TARGETING_KEY = 200  # as userId in POST /v1/decide


def _principal(request: Request) -> Principal:
    """A server key from ``Authorization`` or, as OFREP's ``ApiKeyAuth`` sends it,
    ``X-API-Key``."""
    secret = presented_key(request) or request.headers.get("x-api-key", "").strip() or None
    return authenticate(request, secret, "server")


OfrepKey = Annotated[Principal, Depends(_principal)]


class OfrepFailure(Exception):
    """An evaluation refused with an OFREP error code."""

    def __init__(self, status_code: int, error_code: str, details: str) -> None:
        super().__init__(details)
        self.status_code = status_code
        self.error_code = error_code
        self.details = details

    def response(self, key: str | None = None) -> FastJSONResponse:
        """The OFREP error document (with the flag's ``key`` for single evaluations)."""
        body: dict[str, Any] = {} if key is None else {"key": key}
        body |= {"errorCode": self.error_code, "errorDetails": self.details}
        return FastJSONResponse(body, status_code=self.status_code)


@dataclass(frozen=True)
class EvaluationContext:
    """An OFREP request's context: the targeting key (if any) and the other attributes."""

    targeting_key: str | None
    attributes: dict[str, Any]

    def person(self) -> str:
        """The targeting key, which every evaluation needs.

        Raises:
            OfrepFailure: 400 ``TARGETING_KEY_MISSING`` when it is absent or empty.
        """
        if not self.targeting_key:
            raise OfrepFailure(
                400,
                "TARGETING_KEY_MISSING",
                "context.targetingKey is required: tailored evaluates flags for a person "
                "(their userId)",
            )
        return self.targeting_key


def parse_context(raw: bytes) -> EvaluationContext:
    """The context of an OFREP request body ``{"context": {...}}``; an empty body is ``{}``.

    Raises:
        OfrepFailure: 400 ``PARSE_ERROR`` for a body that is not JSON, ``INVALID_CONTEXT``
            for a body or context that is not an object or a ``targetingKey`` that is not a
            string of at most 200 characters.
    """
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise OfrepFailure(400, "PARSE_ERROR", f"malformed JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise OfrepFailure(400, "INVALID_CONTEXT", 'the body must be an object: {"context": {}}')
    context = body.get("context")
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise OfrepFailure(400, "INVALID_CONTEXT", "context must be an object")
    targeting_key = context.get("targetingKey")
    if targeting_key is not None and not isinstance(targeting_key, str):
        raise OfrepFailure(400, "INVALID_CONTEXT", "context.targetingKey must be a string")
    if targeting_key is not None and len(targeting_key) > _MAX_TARGETING_KEY:
        raise OfrepFailure(
            400,
            "INVALID_CONTEXT",
            f"context.targetingKey is longer than {_MAX_TARGETING_KEY} characters",
        )
    attributes = {k: v for k, v in context.items() if k != "targetingKey"}
    return EvaluationContext(targeting_key, attributes)


def evaluation(flag: decide.FlagValue) -> dict[str, Any]:
    """One flag's OFREP evaluation: ``key``, ``value``, ``reason``, ``variant``, ``metadata``.

    A ``None`` value (only from a prerequisite cycle in stored data) is left out, which OFREP
    reads as "use the code default".
    """
    metadata: dict[str, str | float | bool] = {"reason": flag.reason}
    if flag.rule_id is not None:
        metadata["rule_id"] = flag.rule_id
    if flag.experiment is not None and flag.decision_id is not None:
        metadata["experiment"] = flag.experiment
        metadata["decision_id"] = flag.decision_id
    out: dict[str, Any] = {"key": flag.key}
    if flag.value is not None:
        out["value"] = flag.value
    out |= {"reason": REASONS[flag.reason], "variant": flag.variant, "metadata": metadata}
    return out


def bulk_etag(config_etag: str, flags: list[dict[str, Any]]) -> str:
    """A strong ETag for a bulk answer: the configuration's etag and the evaluations.

    Decision ids are left out: they are new on every call, and would keep a client polling an
    experiment-driven flag from ever getting a 304.
    """
    stable = [
        {**f, "metadata": {k: v for k, v in f["metadata"].items() if k != "decision_id"}}
        for f in flags
    ]
    digest = hashlib.sha256(orjson.dumps([config_etag, stable], option=orjson.OPT_SORT_KEYS))
    return f'"{digest.hexdigest()[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header (a list of tags, or ``*``) names ``etag``."""
    if not if_none_match:
        return False
    ours = etag.strip('"')
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/").strip('"') == ours:
            return True
    return False


def _decide(
    request: Request,
    workspace_id: int,
    person: str,
    attributes: dict[str, Any],
    flags: tuple[str, ...] | None,
) -> decide.DecideResult:
    state = state_of(request)
    settings = state.settings
    return decide.decide(
        state.engine,
        workspace_id,
        decide.DecideRequest(
            user_id=person,
            context={},
            placements=(),
            flags=flags,
            attributes=attributes,
            dry_run=False,
            gpc=request.headers.get("sec-gpc", "").strip() == "1",
        ),
        ingest_options={
            "max_event_bytes": settings.ingest_max_event_bytes,
            "request_ip": request.client.host if request.client else None,
            "ip_mode": settings.ip_mode,
        },
    )


def _config(request: Request, workspace_id: int) -> decide.CompiledConfig:
    with state_of(request).engine.connect() as conn:
        return decide.compiled_config(conn, workspace_id)


def _evaluate_one(
    request: Request, workspace_id: int, key: str, context: EvaluationContext
) -> FastJSONResponse:
    not_found = OfrepFailure(404, "FLAG_NOT_FOUND", f"no flag {key!r} in this workspace")
    if key not in _config(request, workspace_id).flags:
        raise not_found
    result = _decide(request, workspace_id, context.person(), context.attributes, (key,))
    flag = result.flags.get(key)
    if flag is None:  # deleted in between
        raise not_found
    return FastJSONResponse(evaluation(flag))


def _evaluate_all(
    request: Request, workspace_id: int, context: EvaluationContext
) -> FastJSONResponse | Response:
    person = context.person()
    # Read before deciding: a change in between then only costs the client one more 200,
    # where reading after could label the old answer with the new configuration's etag.
    config_etag = _config(request, workspace_id).etag
    result = _decide(request, workspace_id, person, context.attributes, None)
    flags = [evaluation(flag) for flag in result.flags.values()]
    etag = bulk_etag(config_etag, flags)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"etag": etag})
    return FastJSONResponse({"flags": flags}, headers={"etag": etag})


_REQUEST_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "context": {
                            "type": "object",
                            "description": "targetingKey (the person's userId, required) and "
                            "attributes for targeting conditions.",
                            "properties": {"targetingKey": {"type": "string"}},
                        }
                    },
                },
                "example": {"context": {"targetingKey": "user-42", "plan": "pro"}},
            }
        }
    }
}


@router.post(
    "/evaluate/flags/{key}",
    summary="OFREP: evaluate one flag for a person",
    response_model=None,
    openapi_extra=_REQUEST_BODY,
    responses={
        200: {"description": "`{key, value, reason, variant, metadata}`"},
        400: {"description": "PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING"},
        404: {"description": "FLAG_NOT_FOUND"},
    },
)
async def evaluate_flag(request: Request, key: str, principal: OfrepKey) -> Response:
    """The flag's `value`, `reason` (OpenFeature's), `variant` and `metadata` (tailored's
    `reason`, `rule_id`, `experiment`, `decision_id`). An exposure is logged when an
    experiment set the value."""
    try:
        context = parse_context(await request.body())
        return await run_in_threadpool(_evaluate_one, request, principal.workspace_id, key, context)
    except OfrepFailure as failure:
        return failure.response(key)


@router.post(
    "/evaluate/flags",
    summary="OFREP: evaluate every flag for a person",
    response_model=None,
    openapi_extra=_REQUEST_BODY,
    responses={
        200: {"description": "`{flags: [{key, value, reason, variant, metadata}, ...]}`"},
        304: {"description": "Unchanged since the ETag given in If-None-Match"},
        400: {"description": "PARSE_ERROR, INVALID_CONTEXT or TARGETING_KEY_MISSING"},
    },
)
async def evaluate_flags(request: Request, principal: OfrepKey) -> Response:
    """`{"flags": [...]}`, one evaluation per flag of the workspace, with an `ETag` that
    changes with the configuration or the answer; `If-None-Match` with that ETag gives 304
    and no body. Exposures of experiment-driven flags are logged on every call."""
    try:
        context = parse_context(await request.body())
        return await run_in_threadpool(_evaluate_all, request, principal.workspace_id, context)
    except OfrepFailure as failure:
        return failure.response()
