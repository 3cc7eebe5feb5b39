"""What every command shares: settings, the engine, printing, and turning errors into messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import Engine

from tailored import storage
from tailored.core import Settings, TailoredError

console = Console()
errors = Console(stderr=True)


def load_settings() -> Settings:
    """Settings from the environment and ``tailored.toml``, or exit with what is wrong."""
    try:
        return Settings().check()
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            errors.print(f"[red]error:[/] setting {where}: {error['msg']}")
        raise typer.Exit(2) from exc
    except TailoredError as exc:
        errors.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(2) from exc


@contextmanager
def open_engine(settings: Settings | None = None, *, migrated: bool = True) -> Iterator[Engine]:
    """An engine on the configured database; if ``migrated``, refuse an unmigrated one."""
    settings = settings or load_settings()
    engine = storage.create_engine(settings)
    try:
        if migrated and not storage.is_up_to_date(engine):
            errors.print(
                "[red]error:[/] the database at "
                f"{settings.database_url} is not migrated: run `tailored db upgrade` first"
            )
            raise typer.Exit(2)
        yield engine
    finally:
        engine.dispose()


def print_json(value: Any) -> None:
    """One JSON document on standard output (for scripts)."""
    typer.echo(json.dumps(value, default=str))


def progress() -> Progress:
    """A progress bar for long work."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    )
