"""The ``tailored`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from tailored import __version__
from tailored.core import TailoredError

from . import (
    _apply,
    _bandits,
    _db,
    _experiments,
    _import,
    _keys,
    _profiles,
    _recommend,
    _segments,
    _workspaces,
)
from ._context import errors
from ._demo import demo
from ._serve import serve, worker

app = typer.Typer(
    name="tailored",
    help="tailored: a self-hosted personalization engine. Start with `tailored demo`.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(_db.app, name="db")
app.add_typer(_import.app, name="import")
app.add_typer(_profiles.app, name="profiles")
app.add_typer(_segments.app, name="segments")
app.add_typer(_keys.app, name="keys")
app.add_typer(_workspaces.app, name="workspaces")
app.add_typer(_recommend.app, name="recommend")
app.add_typer(_bandits.app, name="bandits")
app.add_typer(_experiments.app, name="experiments")
app.command()(serve)
app.command()(worker)
app.command()(demo)
app.command()(_recommend.train)
app.command()(_apply.apply)
app.command()(_apply.export)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tailored {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Configure with TAILORED_* environment variables or ./tailored.toml (see the README)."""
    del version


def main() -> None:
    """Run the CLI; tailored's own errors become one red line and exit code 1."""
    try:
        app(standalone_mode=True)
    except TailoredError as exc:
        errors.print(f"[red]error:[/] {exc.message}")
        raise SystemExit(1) from exc
