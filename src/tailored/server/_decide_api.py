"""One decision call (server key): placements' content and flags for one person."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tailored import decide, storage

from ._auth import ServerKey, authenticate, presented_key
from ._responses import FastJSONResponse
from ._state import engine_of, settled_exposures, state_of

router = APIRouter(tags=["decide"])


class DecideBody(BaseModel):
    """Who, in what context, and which placements and flags to decide."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    user_id: str | None = Field(None, alias="userId", min_length=1, max_length=200)
    anonymous_id: str | None = Field(None, alias="anonymousId", min_length=1, max_length=200)
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="Segment-style context: page {url, referrer}, userAgent, locale, campaign, "
        "consent, gpc.",
    )
    placements: list[str] | None = Field(
        None, max_length=100, description="Placements to decide; all when omitted."
    )
    flags: list[str] | None = Field(
        None, max_length=500, description="Flags to evaluate; all when omitted, none with []."
    )
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Extra attributes for targeting conditions."
    )
    dry_run: bool = Field(False, description="Decide without logging exposures.")


@router.post(
    "/v1/decide",
    summary="What this person sees: placements and flags (server key)",
    response_model=dict[str, Any],
)
async def decide_call(request: Request, body: DecideBody) -> FastJSONResponse:
    """Each placement's experience, variant, content, `decision_id`, `reason` (`rules`,
    `experiment`, `bandit`, `recommendations`, `holdout`, `consent`, `default`) and
    `propensity`, and every flag's value. Exposures are durable before the answer unless
    `dry_run` (on SQLite queued, and ingested right after); unknown placements or flags are
    listed in `errors` and the rest decided."""
    # On SQLite the decision runs on the event loop: reading the person is a local look-up of
    # tens of microseconds, and handing the call to a thread costs more than that when many
    # calls compete for the interpreter; only the commit of the exposures is awaited (see
    # decide_async and the exposure queue). On PostgreSQL the read waits on the network, so
    # the whole call (the key check included, in one hand-over) goes to the thread pool.
    secret = presented_key(request)
    if storage.is_sqlite(engine_of(request)):
        principal = authenticate(request, secret, "server")
        call, options = _call(request, body)
        state = state_of(request)
        result = await decide.decide_async(
            state.engine, principal.workspace_id, call, ingest_options=options,
            queue=state.exposures,
        )  # fmt: skip
        # Rendered here: the answer is plain JSON already, and FastAPI's check of a returned
        # dict against the response model walks all of it again.
        return FastJSONResponse(result.to_json())
    answer = await run_in_threadpool(_decide_in_thread, request, body, secret)
    return FastJSONResponse(answer)


def _decide_in_thread(request: Request, body: DecideBody, secret: str | None) -> dict[str, Any]:
    principal = authenticate(request, secret, "server")
    call, options = _call(request, body)
    result = decide.decide(engine_of(request), principal.workspace_id, call, ingest_options=options)
    return result.to_json()


def _call(request: Request, body: DecideBody) -> tuple[decide.DecideRequest, dict[str, Any]]:
    """The decide request and ingest options of this HTTP request."""
    settings = state_of(request).settings
    call = decide.DecideRequest(
        user_id=body.user_id,
        anonymous_id=body.anonymous_id,
        context=body.context,
        placements=None if body.placements is None else tuple(body.placements),
        flags=None if body.flags is None else tuple(body.flags),
        attributes=body.attributes,
        dry_run=body.dry_run,
        gpc=request.headers.get("sec-gpc", "").strip() == "1",
    )
    options = {
        "max_event_bytes": settings.ingest_max_event_bytes,
        "request_ip": request.client.host if request.client else None,
        "ip_mode": settings.ip_mode,
    }
    return call, options


class RewardBody(BaseModel):
    """The reward of one decision."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=-1.0, le=1.0, description="The outcome, in [-1, 1] (1: converted).")


@router.post(
    "/v1/decisions/{decision_id}/reward",
    summary="Reward a logged decision (server key)",
    dependencies=[Depends(settled_exposures)],
)
def reward(
    request: Request, decision_id: str, body: RewardBody, principal: ServerKey
) -> dict[str, Any]:
    """Stores the reward; a bandit decision's policy learns it at once. Refused after the
    workspace's deadline (48 h by default, 422) and, by default, the second time (409)."""
    rewarded = decide.reward_decision(
        engine_of(request), principal.workspace_id, decision_id, body.value
    )
    return rewarded.to_json()


FormatQuery = Annotated[Literal["json", "csv"], Query(description="json or csv")]
AlphaQuery = Annotated[float, Query(gt=0.0, lt=0.5, description="Significance level.")]
CorrectionQuery = Annotated[
    Literal["benjamini-hochberg", "holm", "bonferroni"],
    Query(description="Adjustment of p-values across metrics and variants."),
]


@router.get(
    "/v1/experiments/{key}/results",
    dependencies=[Depends(settled_exposures)],
    summary="Results per variant and metric, with a recommendation (server key)",
    response_model=None,
)
def results(
    request: Request,
    key: str,
    principal: ServerKey,
    format: FormatQuery = "json",
    alpha: AlphaQuery = 0.05,
    correction: CorrectionQuery = "benjamini-hochberg",
) -> dict[str, Any] | Response:
    """Users per variant; per metric and variant the mean, absolute and relative lift with
    intervals, p-value (raw and adjusted across comparisons), always-valid p-value and
    interval, chance to beat control; SRM; a recommendation (`ship`, `keep_running`, `stop`,
    `check_setup`) and the primary metric's cumulative lift per day. `format=csv` gives the
    per-metric rows as CSV."""
    found = decide.experiment_results(
        engine_of(request), principal.workspace_id, key, alpha=alpha, correction=correction
    )
    return found if format == "json" else _csv(found, key)


@router.get(
    "/v1/holdout/results",
    dependencies=[Depends(settled_exposures)],
    summary="The total lift of personalization: holdout against everyone else (server key)",
    response_model=None,
)
def holdout(
    request: Request,
    principal: ServerKey,
    metrics: Annotated[str, Query(description="Metric keys, comma-separated.")],
    format: FormatQuery = "json",
    alpha: AlphaQuery = 0.05,
    correction: CorrectionQuery = "benjamini-hochberg",
) -> dict[str, Any] | Response:
    """The global holdout (the control) against the personalized, on the metrics named, from
    each person's first decision: the same figures as an experiment's results."""
    keys = [m.strip() for m in metrics.split(",") if m.strip()]
    found = decide.holdout_results(
        engine_of(request), principal.workspace_id, keys, alpha=alpha, correction=correction
    )
    return found if format == "json" else _csv(found, "holdout")


@router.get(
    "/v1/bandits/{key}/results",
    dependencies=[Depends(settled_exposures)],
    summary="A bandit experience's allocation, reward per arm and regret (server key)",
)
def bandit_results(
    request: Request,
    key: str,
    principal: ServerKey,
    alpha: AlphaQuery = 0.05,
    days: Annotated[int, Query(ge=1, le=365, description="Days of timeline.")] = 30,
) -> dict[str, Any]:
    """For bandit experience `key`: per arm the decisions, share, rewards and mean reward with
    its interval; the estimated regret against the best arm in hindsight next to a uniform
    split's; per day the allocation, mean propensities and cumulative regret."""
    return decide.bandit_results(
        engine_of(request), principal.workspace_id, key, alpha=alpha, days=days
    )


def _csv(found: dict[str, Any], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=decide.CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(found["metrics"])
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-results.csv"'},
    )
