"""``tailored db``: migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from tailored import storage

from ._context import console, load_settings, open_engine
from ._schema import full_metadata

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Create or migrate the database to the newest schema.

    Safe to run again: an up-to-date database is left as it is.

    Example: TAILORED_DATABASE_URL=postgresql+psycopg://app:pw@db/tailored tailored db upgrade
    """
    with open_engine(migrated=False) as engine:
        before = storage.current_revision(engine)
        storage.upgrade(engine)
        after = storage.current_revision(engine)
    if before == after:
        console.print(f"database already at the newest migration ({after})")
    else:
        console.print(f"database migrated from {before or 'empty'} to {after}")


@app.command("current")
def current() -> None:
    """Show the database's migration and the newest one this version ships.

    Example: tailored db current
    """
    with open_engine(migrated=False) as engine:
        revision = storage.current_revision(engine)
    head = storage.head_revision()
    state = "up to date" if revision == head else "needs `tailored db upgrade`"
    console.print(f"database at {revision or 'none'}; newest is {head}: {state}")


@app.command("revision", hidden=True)
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """Write a migration for table changes (for tailored's developers).

    Example: tailored db revision -m "add profiles"
    """
    with open_engine(load_settings()) as engine:
        storage.new_revision(engine, full_metadata(), message)
