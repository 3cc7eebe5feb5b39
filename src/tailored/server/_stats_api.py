"""Planning experiments (server key): users needed, or the smallest detectable effect."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tailored.experiments import stats

from ._auth import ServerKey
from ._state import settled_exposures

router = APIRouter(tags=["statistics"], dependencies=[Depends(settled_exposures)])


class SizeRequest(BaseModel):
    """A planned test: a conversion rate (`baseline`) or a mean's spread (`std`), and either
    the `effect` to detect or the `users` per control arm available."""

    model_config = ConfigDict(extra="forbid")

    baseline: float | None = Field(None, gt=0.0, lt=1.0, description="Control conversion rate.")
    std: float | None = Field(None, gt=0.0, description="Standard deviation per person.")
    effect: float | None = Field(None, description="Lift to detect (absolute, or relative).")
    relative: bool = Field(False, description="Read `effect` as relative to `baseline`.")
    users: float | None = Field(None, gt=0.0, description="Users per control arm available.")
    alpha: float = Field(0.05, gt=0.0, lt=1.0)
    power: float = Field(0.8, gt=0.0, lt=1.0)
    ratio: float = Field(1.0, gt=0.0, description="Treatment users per control user.")

    @model_validator(mode="after")
    def _one_question(self) -> SizeRequest:
        if (self.baseline is None) == (self.std is None):
            raise ValueError("give `baseline` (a conversion rate) or `std` (a mean's spread)")
        if (self.effect is None) == (self.users is None):
            raise ValueError("give `effect` (to get users) or `users` (to get the effect)")
        if self.relative and self.baseline is None:
            raise ValueError("`relative` needs `baseline`")
        return self


@router.post("/v1/stats/sample-size", summary="Users needed per arm, or the detectable effect")
def sample_size(body: SizeRequest, principal: ServerKey) -> dict[str, Any]:
    """For a two-sided test at `alpha` with `power`: the users per arm that detect `effect`,
    or the smallest effect detected with `users` in control (also relative for a rate)."""
    del principal
    design = {"alpha": body.alpha, "power": body.power, "ratio": body.ratio}
    if body.effect is not None:
        if body.baseline is not None:
            need = stats.sample_size_conversion(
                body.baseline, body.effect, relative=body.relative, **design
            )
        else:
            assert body.std is not None
            need = stats.sample_size_mean(body.std, body.effect, **design)
        return {"control": need.control, "treatment": need.treatment, "total": need.total}
    assert body.users is not None
    if body.baseline is not None:
        mde = stats.mde_conversion(body.baseline, body.users, **design)
        return {"mde": mde, "mde_relative": mde / body.baseline}
    assert body.std is not None
    return {"mde": stats.mde_mean(body.std, body.users, **design)}
