"""``tailored train`` and ``tailored recommend``: train, roll back, evaluate offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from tailored import recommend, storage
from tailored.core import ValidationError

from ._context import console, open_engine, print_json, progress
from ._keys import WorkspaceOption

app = typer.Typer(help="Recommendations: model versions and offline evaluation.")


def train(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    config: Annotated[
        Path | None,
        typer.Option(help="A JSON file with training settings (see docs/recommendations.md)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Train the workspace's recommendation model on its event log and store a new version.

    Servers pick the new version up on their next request. `tailored worker` retrains every
    6 hours.

    Example: tailored train --workspace default
    """
    settings = recommend.TrainingConfig()
    if config is not None:
        settings = recommend.TrainingConfig.model_validate_json(config.read_text())
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        with progress() as bar:
            task = bar.add_task("training", total=len(recommend.TRAINING_STEPS))

            def step(name: str) -> None:
                done = recommend.TRAINING_STEPS.index(name)
                bar.update(task, completed=done, description=name)

            run = recommend.train_workspace(engine, ws.id, settings, on_step=step)
            bar.update(task, completed=len(recommend.TRAINING_STEPS), description="trained")
    if as_json:
        print_json({**run.version.as_dict(), "learned_items": run.learned_items})
        return
    m = run.metrics
    console.print(
        f"model version {run.version.version}: {m['users']:,} people, {m['items']:,} items, "
        f"{m['events']:,} interactions, {m['orders']:,} orders"
    )
    if "ndcg@20" in m:
        console.print(
            f"holdout NDCG@20 {m['ndcg@20']:.4f} (popularity {m['popularity_ndcg@20']:.4f}) "
            f"on {m['holdout_users']:,} people"
        )
    if run.learned_items:
        console.print(f"added {run.learned_items:,} items named in events to the catalog")


@app.command("versions")
def versions(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List stored model versions, newest first; the newest active one is served.

    Example: tailored recommend versions
    """
    with open_engine() as engine, engine.connect() as conn:
        ws = storage.get_workspace(conn, workspace)
        found = recommend.list_versions(conn, ws.id)
    if as_json:
        print_json({"models": [v.as_dict() for v in found]})
        return
    table = Table("version", "active", "created", "NDCG@20", "popularity NDCG@20")
    for v in found:
        table.add_row(
            str(v.version),
            "yes" if v.active else "no",
            v.created_at.isoformat(timespec="seconds"),
            str(v.metrics.get("ndcg@20", "")),
            str(v.metrics.get("popularity_ndcg@20", "")),
        )
    console.print(table)


@app.command("rollback")
def rollback(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    to: Annotated[
        int | None, typer.Option(help="The version to serve (default: the one before).")
    ] = None,
) -> None:
    """Serve an earlier model version again (newer versions are deactivated).

    Example: tailored recommend rollback --to 3
    """
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        with storage.write_transaction(engine) as conn:
            served = recommend.rollback(conn, ws.id, to)
    console.print(f"serving model version {served.version} in workspace {workspace!r}")


def _column(value: str | None) -> str | int | None:
    """A column given by name, or by 0-based number."""
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _required(value: str) -> str | int:
    return int(value) if value.isdigit() else value


def _cutoffs(text: str) -> list[int]:
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError(f"--k must be comma-separated numbers, not {text!r}") from exc
    if not ks or min(ks) < 1:
        raise ValidationError(f"--k must be positive cutoffs, not {text!r}")
    return ks


def _print_table(rows: list[dict[str, Any]], ks: list[int]) -> None:
    metrics = [f"{m}@{k}" for k in ks for m in ("ndcg", "recall", "map")]
    table = Table(*metrics, "coverage@" + str(max(ks)), "fit s")
    widest = max(len(row["model"]) for row in rows)
    table.columns.insert(0, Column("model", no_wrap=True, min_width=widest))
    for row in rows:
        table.add_row(
            row["model"],
            *(f"{row[m]:.4f}" for m in metrics),
            f"{row[f'coverage@{max(ks)}']:.3f}",
            f"{row['fit_seconds']:.2f}",
        )
    console.print(table)


@app.command("evaluate")
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Interactions: CSV, TSV, Parquet or text.")],
    protocol: Annotated[
        str, typer.Option(help="random, temporal or leave-last-out (see the docs).")
    ] = "random",
    k: Annotated[str, typer.Option("--k", help="Cutoffs, comma-separated.")] = "10,20",
    user_col: Annotated[str, typer.Option(help="User column: name or 0-based number.")] = (
        "user_id"
    ),
    item_col: Annotated[str, typer.Option(help="Item column: name or number.")] = "item_id",
    time_col: Annotated[str | None, typer.Option(help="Time column, if any.")] = None,
    weight_col: Annotated[str | None, typer.Option(help="Strength column, if any.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Only these models, comma-separated (e.g. als,ease).")
    ] = None,
    tune: Annotated[
        bool, typer.Option(help="Choose settings on a validation split of the training set.")
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line and model.")
    ] = False,
) -> None:
    """Compare recommendation models offline on a file; popularity is always shown.

    Columns are named (files with a header) or numbered from 0 (whitespace or tab separated
    files without one, such as MovieLens u.data).

    Example: tailored recommend evaluate --data u.data --user-col 0 --item-col 1 --time-col 3
    --protocol temporal --k 10,20
    """
    if protocol not in recommend.PROTOCOLS:
        raise ValidationError(f"unknown protocol {protocol!r}: random, temporal or leave-last-out")
    ks = _cutoffs(k)
    with console.status(f"reading {data}"):
        interactions = recommend.read_interactions(
            data,
            user=_required(user_col),
            item=_required(item_col),
            time=_column(time_col),
            weight=_column(weight_col),
        )
    candidates = recommend.default_candidates(timestamps=interactions.times is not None)
    if models is not None:
        wanted = {m.strip() for m in models.split(",")}
        candidates = [c for c in candidates if c.name in wanted or c.name == "popularity"]
    with console.status(f"evaluating {len(candidates)} models ({protocol})"):
        rows = recommend.evaluate_models(
            interactions,
            protocol,
            candidates,
            ks=ks,
            tune=tune,
        )
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, default=str))
        return
    users, items = interactions.shape
    console.print(
        f"{interactions.n_events:,} interactions, {users:,} users, {items:,} items; "
        f"protocol {protocol}"
    )
    _print_table(rows, ks)
