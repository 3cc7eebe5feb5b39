"""``tailored bandits``: simulate policies, and evaluate them off-policy on logged decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tailored import bandits, decide, storage
from tailored.core import ValidationError

from ._context import console, open_engine, print_json
from ._keys import WorkspaceOption
from ._regret_plot import regret_svg

app = typer.Typer(help="Bandits: simulation and off-policy evaluation.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


def _lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print_json(row)


@app.command("simulate")
def simulate(
    rounds: Annotated[int, typer.Option(help="Rounds per environment.", min=100)] = 100_000,
    seed: Annotated[int, typer.Option(help="Seeds environments, rewards and policies.")] = 0,
    batch_size: Annotated[
        int, typer.Option(help="Rounds decided between two policy updates.", min=1)
    ] = 100,
    as_json: JsonOption = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Also write the cumulative regret curves to this SVG file.",
            dir_okay=False,
            writable=True,
        ),
    ] = None,
) -> None:
    """Cumulative regret of every policy in stationary, drifting and contextual environments
    with known arm rewards, next to uniform allocation and an A/B test that ships its winner.

    Example: tailored bandits simulate --rounds 100000 --json --plot regret.svg
    """
    traces: dict[tuple[str, str], list[tuple[int, float]]] | None = {} if plot else None
    with console.status(f"simulating {rounds:,} rounds in 3 environments"):
        rows = bandits.simulate(rounds, seed, batch_size=batch_size, traces=traces)
    if plot is not None and traces is not None:
        plot.write_text(regret_svg(traces))
        console.print(f"wrote {plot}", highlight=False)
    if as_json:
        _lines(rows)
        return
    table = Table("environment", "policy", "cumulative regret", "vs uniform")
    for row in rows:
        table.add_row(row["environment"], row["policy"], f"{row['cumulative_regret']:,.0f}",
                      f"{row['regret_vs_uniform']:.3f}")  # fmt: skip
    console.print(table)


def _target(spec: str, logged: bandits.LoggedFeedback) -> np.ndarray[Any, Any]:
    n, k = len(logged), logged.n_arms
    if spec == "uniform":
        return np.full((n, k), 1.0 / k)
    if spec.startswith("arm:") and spec[4:] in logged.arms:
        target = np.zeros((n, k))
        target[:, logged.arms.index(spec[4:])] = 1.0
        return target
    raise ValidationError(
        f"unknown target policy {spec!r}: use 'uniform' or 'arm:<variant>' with a variant of "
        f"{list(logged.arms)}"
    )


@app.command("evaluate")
def evaluate(
    obd: Annotated[
        Path | None,
        typer.Option(
            help="An Open Bandit Dataset directory (random/, bts/, prior_bts.yaml).",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    campaign: Annotated[
        list[str] | None, typer.Option(help="OBD campaigns: all, men, women (repeatable).")
    ] = None,
    experience: Annotated[
        str | None, typer.Option(help="A bandit experience whose logged decisions to read.")
    ] = None,
    target: Annotated[
        str, typer.Option(help="Policy to evaluate on the experience: uniform or arm:<variant>.")
    ] = "uniform",
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Estimate a policy's value from logged decisions and their propensities: inverse
    propensity scoring, self-normalized IPS, the direct method and doubly robust, with 95%
    bootstrap intervals and the effective sample size.

    With --obd: the Open Bandit Dataset's Bernoulli Thompson policy, rebuilt from its priors,
    evaluated on the uniform random logs and set next to its own logged click rate.
    With --experience: a target policy evaluated on that experience's rewarded decisions.

    Example: tailored bandits evaluate --obd ../shared/data/obd --campaign men --json
    """
    if (obd is None) == (experience is None):
        raise ValidationError("give either --obd DIR or --experience KEY")
    if obd is not None:
        with console.status("rebuilding the Thompson policy and bootstrapping"):
            rows = bandits.obd_comparison(obd, campaigns=campaign or bandits.OBD_CAMPAIGNS)
    else:
        assert experience is not None
        with open_engine() as engine:
            with engine.connect() as conn:
                ws = storage.get_workspace(conn, workspace)
            logged = decide.logged_feedback(engine, ws.id, experience)
        estimates = bandits.evaluate(logged, _target(target, logged))
        logged_row = bandits.logged_value(logged)
        rows = [
            {"experience": experience, "policy": target, **e.as_dict()} for e in estimates.values()
        ]
        rows.append({"experience": experience, "policy": "logged", **logged_row.as_dict()})
    if as_json:
        _lines(rows)
        return
    first = "campaign" if obd is not None else "experience"
    table = Table(first, "policy", "logs", "estimator", "value", "95% interval", "ESS", "rows")
    for row in rows:
        low, high = row.get("lower"), row.get("upper")
        interval = "" if low is None or high is None else f"[{low:.4f}, {high:.4f}]"
        table.add_row(
            str(row[first]), str(row["policy"]), str(row.get("logs", "decisions")),
            str(row["estimator"]), f"{row['value']:.4f}", interval,
            f"{row['effective_sample_size']:,.0f}", f"{row['rounds']:,}",
        )  # fmt: skip
    console.print(table)
