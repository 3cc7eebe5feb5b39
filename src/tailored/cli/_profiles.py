"""``tailored profiles``: batch work on customer profiles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tailored import profiles, storage

from ._context import console, open_engine, print_json
from ._keys import WorkspaceOption

app = typer.Typer(help="Customer profiles: batch scores.", no_args_is_help=True)


@app.command("rfm")
def rfm(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score every buyer: RFM 1-5 per dimension, the named RFM segment, and the probability
    they are still a customer (BG/NBD fitted on the workspace's orders).

    `tailored worker` does this once a day; the scores show on each profile.

    Example: tailored profiles rfm --workspace default
    """
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        with console.status("scoring buyers"):
            run = profiles.compute_scores(engine, ws.id)
    if as_json:
        print_json(
            {"buyers": run.buyers, "segments": run.segments, "bgnbd": run.bgnbd, "note": run.note}
        )
        return
    console.print(f"scored {run.buyers:,} buyers in workspace {workspace!r}")
    if run.segments:
        table = Table("RFM segment", "buyers", "share")
        for segment, count in run.segments.items():
            table.add_row(segment, f"{count:,}", f"{count / run.buyers:.1%}")
        console.print(table)
    if run.bgnbd:
        params = ", ".join(f"{k}={v:.4g}" for k, v in run.bgnbd.items())
        console.print(f"BG/NBD fitted on order histories: {params}")
    if run.note:
        console.print(run.note)
