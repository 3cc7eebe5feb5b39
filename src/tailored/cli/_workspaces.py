"""``tailored workspaces``: tenants of one deployment."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tailored import storage

from ._context import console, open_engine, print_json

app = typer.Typer(help="Workspaces: separate sites, brands or environments.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits, - and _.")],
) -> None:
    """Create a workspace. Its data and keys never meet another workspace's.

    Example: tailored workspaces create staging
    """
    with open_engine() as engine, engine.begin() as conn:
        ws = storage.create_workspace(conn, name)
    console.print(
        f"created workspace {ws.name!r}; add keys with "
        f"`tailored keys create --workspace {ws.name} --scope admin --name ops`"
    )


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List workspaces.

    Example: tailored workspaces list
    """
    with open_engine() as engine, engine.connect() as conn:
        spaces = storage.list_workspaces(conn)
    if as_json:
        print_json(
            {
                "workspaces": [
                    {"id": w.id, "name": w.name, "created_at": w.created_at} for w in spaces
                ]
            }
        )
        return
    table = Table("id", "name", "created")
    for w in spaces:
        table.add_row(str(w.id), w.name, f"{w.created_at:%Y-%m-%d %H:%M}")
    console.print(table)
