"""``tailored experiments``: evidence for the statistics, and planning a test's size."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tailored.core import ValidationError
from tailored.experiments import stats

from ._context import console, print_json

app = typer.Typer(help="Experiments: statistics checks and sample sizes.", no_args_is_help=True)


@app.command("simulate")
def simulate(
    scenario: Annotated[
        list[str] | None,
        typer.Option(help=f"Scenarios to run (repeatable): {', '.join(stats.SCENARIOS)}."),
    ] = None,
    sims: Annotated[
        int | None, typer.Option(help="Simulated experiments per scenario.", min=1)
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same figures.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Check the statistics on simulated data: the sequential test's false-positive rate under
    daily peeking against the naive test's, CUPED's variance reduction, power, and the sample
    ratio mismatch check's alarms.

    Example: tailored experiments simulate --json
    """
    rows: list[stats.SimulationRow] = []
    for name in scenario or stats.SCENARIOS:
        with console.status(f"simulating {name}"):
            rows += stats.simulate(name, sims, seed)
    if as_json:
        for row in rows:
            print_json(row)
        return
    table = Table("scenario", "method", "sims", "figures")
    for row in rows:
        figures = ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in row.items()
            if k not in ("scenario", "method", "sims")
        )
        table.add_row(str(row["scenario"]), str(row["method"]), str(row["sims"]), figures)
    console.print(table)


@app.command("size")
def size(
    baseline: Annotated[
        float | None, typer.Option(help="Control conversion rate (conversion metrics).")
    ] = None,
    std: Annotated[
        float | None, typer.Option(help="Standard deviation per person (mean metrics).")
    ] = None,
    effect: Annotated[
        float | None, typer.Option(help="Lift to detect; with --relative, a fraction of it.")
    ] = None,
    relative: Annotated[
        bool, typer.Option("--relative", help="Read --effect as relative to the baseline.")
    ] = False,
    users: Annotated[
        float | None,
        typer.Option(help="Users per control arm you have: prints the detectable effect."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Chance of detecting a real effect.")] = 0.8,
    ratio: Annotated[float, typer.Option(help="Treatment users per control user.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Users needed per arm to detect an effect (give --effect), or the smallest effect
    detectable with the users you have (give --users); for a conversion rate (--baseline) or
    a mean (--std).

    Example: tailored experiments size --baseline 0.04 --effect 0.1 --relative
    """
    if (baseline is None) == (std is None):
        raise ValidationError("give --baseline (a conversion rate) or --std (a mean's spread)")
    if (effect is None) == (users is None):
        raise ValidationError("give --effect (to get users) or --users (to get the effect)")
    out: dict[str, float | int | str | None] = {
        "metric": "conversion" if baseline is not None else "mean",
        "alpha": alpha, "power": power, "ratio": ratio,
    }  # fmt: skip
    if effect is not None:
        if baseline is not None:
            need = stats.sample_size_conversion(
                baseline, effect, alpha=alpha, power=power, ratio=ratio, relative=relative
            )
        else:
            assert std is not None
            if relative:
                raise ValidationError("--relative needs --baseline")
            need = stats.sample_size_mean(std, effect, alpha=alpha, power=power, ratio=ratio)
        out |= {"effect": effect, "relative": relative, "control": need.control,
                "treatment": need.treatment, "total": need.total}  # fmt: skip
    else:
        assert users is not None
        if baseline is not None:
            mde = stats.mde_conversion(baseline, users, alpha=alpha, power=power, ratio=ratio)
            out |= {"users_control": users, "mde": mde, "mde_relative": mde / baseline}
        else:
            assert std is not None
            mde = stats.mde_mean(std, users, alpha=alpha, power=power, ratio=ratio)
            out |= {"users_control": users, "mde": mde}
    if as_json:
        print_json(out)
        return
    if "total" in out:
        console.print(
            f"{out['control']:,} users in control and {out['treatment']:,} in treatment "
            f"({out['total']:,} in all) detect that effect {power:.0%} of the time at "
            f"alpha {alpha:g}."
        )
    else:
        relative_text = (
            f" ({out['mde_relative']:.1%} of the baseline)" if "mde_relative" in out else ""
        )
        console.print(
            f"With {users:,.0f} users in control the smallest effect detected {power:.0%} of "
            f"the time is {out['mde']:.4g}{relative_text}."
        )
