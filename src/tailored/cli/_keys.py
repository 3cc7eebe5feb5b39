"""``tailored keys``: API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tailored import storage
from tailored.storage import DEFAULT_WORKSPACE

from ._context import console, load_settings, open_engine, print_json

app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)

WorkspaceOption = Annotated[
    str, typer.Option("--workspace", "-w", help="Workspace name.", show_default=True)
]


@app.command("create")
def create(
    scope: Annotated[
        storage.Scope,
        typer.Option(
            help="write: send events (public); server: decisions, recommendations, "
            "profile reads; admin: configuration, erasure, keys."
        ),
    ],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'web site'.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create an API key. Its secret is printed once and never stored.

    Example: tailored keys create --scope server --name backend --json
    """
    settings = load_settings()
    with open_engine(settings) as engine, engine.begin() as conn:
        ws = storage.get_workspace(conn, workspace)
        created = storage.create_key(
            conn, ws.id, scope, name, settings.secret_key.get_secret_value()
        )
    if as_json:
        print_json({**created.key.as_dict(), "key": created.secret})
        return
    console.print(f"created {scope} key {created.key.id} in workspace {workspace!r}:")
    console.print(f"\n  {created.secret}\n", style="bold", highlight=False)
    console.print("Store it now: it is not shown again.")


@app.command("list")
def list_(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Only this workspace.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List API keys (never their secrets).

    Example: tailored keys list --workspace default
    """
    with open_engine() as engine, engine.connect() as conn:
        ws_id = storage.get_workspace(conn, workspace).id if workspace else None
        keys = storage.list_keys(conn, ws_id)
    if as_json:
        print_json({"keys": [k.as_dict() for k in keys]})
        return
    table = Table("id", "workspace", "scope", "name", "prefix", "created", "revoked")
    for k in keys:
        table.add_row(
            k.id,
            k.workspace,
            k.scope,
            k.name,
            k.prefix + "...",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key; requests with it get 401 from then on.

    Example: tailored keys revoke key_0a1b2c3d4e5f
    """
    with open_engine() as engine, engine.begin() as conn:
        key = storage.revoke_key(conn, key_id)
    console.print(f"revoked {key.id} ({key.scope} key {key.name!r} of workspace {key.workspace!r})")
