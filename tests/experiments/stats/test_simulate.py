"""The simulation claims: peeking, CUPED, SRM and power, with a modest number of runs."""

from __future__ import annotations

import pytest

from tailored.core import ValidationError
from tailored.experiments.stats import SCENARIOS, simulate


def _by_method(rows: list[dict[str, float | int | str]]) -> dict[str, dict[str, float | int | str]]:
    return {str(row["method"]): row for row in rows}


def test_scenarios_are_listed() -> None:
    assert SCENARIOS == ("aa_peeking", "cuped", "power", "srm")


def test_aa_peeking_sequential_holds_alpha_while_daily_peeking_inflates_it() -> None:
    rows = _by_method(simulate("aa_peeking", sims=800, seed=1))
    assert set(rows) == {"sequential", "fixed_horizon_peeking", "fixed_horizon_final"}
    for row in rows.values():
        assert row["scenario"] == "aa_peeking" and row["sims"] == 800
    assert rows["sequential"]["looks"] == rows["fixed_horizon_peeking"]["looks"] == 28
    # Binomial sd over 800 runs: 0.8 points at 5%, 1.6 points at 27%.
    assert rows["sequential"]["false_positive_rate"] <= 0.05
    assert 0.18 <= rows["fixed_horizon_peeking"]["false_positive_rate"] <= 0.36
    assert 0.025 <= rows["fixed_horizon_final"]["false_positive_rate"] <= 0.075


def test_cuped_reduces_variance_by_about_rho_squared() -> None:
    rows = _by_method(simulate("cuped", sims=1000, seed=0))
    cuped, raw = rows["cuped"], rows["unadjusted"]
    assert cuped["rho"] == 0.6
    # rho^2 = 0.36; the across-run estimate has an sd of about 2.4 points over 1,000 runs.
    assert cuped["variance_reduction"] >= 0.30
    assert abs(float(cuped["variance_reduction"]) - 0.36) <= 0.07
    assert abs(float(cuped["estimated_variance_reduction"]) - 0.36) <= 0.02
    assert cuped["std_error"] < raw["std_error"]
    assert cuped["false_positive_rate"] <= 0.075 and raw["false_positive_rate"] <= 0.075


def test_srm_flags_a_half_point_skew_and_rarely_cries_wolf() -> None:
    (row,) = simulate("srm", sims=1000, seed=0)
    assert row["users"] == 200_000 and row["threshold"] == 0.001
    assert row["power"] >= 0.8  # about 0.88 in theory
    assert row["alarm_rate"] <= 0.001
    # The false-alarm claim with enough runs to see the rate itself: 20 expected alarms.
    (many,) = simulate("srm", sims=20_000, seed=1)
    assert 0.0003 <= many["alarm_rate"] <= 0.002


def test_sample_size_delivers_its_power() -> None:
    (row,) = simulate("power", sims=2000, seed=0)
    assert row["target_power"] == 0.8
    assert abs(float(row["power"]) - 0.8) <= 0.03  # sd 0.9 points


def test_reproducible_by_seed() -> None:
    assert simulate("aa_peeking", sims=50, seed=3) == simulate("aa_peeking", sims=50, seed=3)
    assert simulate("cuped", sims=20, seed=3) != simulate("cuped", sims=20, seed=4)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scenario": "nope"}, "scenario"),
        ({"scenario": "srm", "sims": 0}, "sims"),
        ({"scenario": "srm", "seed": -1}, "seed"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        simulate(**kwargs)  # type: ignore[arg-type]
