"""``tailored apply`` and ``tailored export``: a workspace's configuration as a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.text import Text

from tailored import storage
from tailored.core import ValidationError
from tailored.decide import (
    Plan,
    apply_plan,
    export_workspace,
    format_problem,
    load_workspace_file,
    plan,
)

from ._context import console, errors, open_engine, progress
from ._keys import WorkspaceOption

_STYLES = {"create": "green", "update": "yellow", "unchanged": "dim", "delete": "red"}


def apply(
    path: Annotated[
        Path, typer.Argument(help="The workspace file (YAML).", dir_okay=False, exists=True)
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change and write nothing.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Delete stored objects the file does not hold (built-ins stay)."
        ),
    ] = False,
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
) -> None:
    """Make the workspace's segments, placements, experiments, experiences, flags and decide
    settings what the file says.

    Every object is listed as create, update (with the fields that change), unchanged or,
    with --prune, delete. The whole file is checked first; a problem is printed as
    file:line: field: message and nothing is written. Decide objects change in one transaction.

    Example: tailored apply workspace.yaml --dry-run
    """
    try:
        wf = load_workspace_file(path)
        with open_engine() as engine:
            with engine.connect() as conn:
                ws = storage.get_workspace(conn, workspace)
            found = plan(engine, ws.id, wf, prune)
            _show(found)
            if dry_run:
                _say(f"dry run: {_summary(found, done=False)}; nothing was written")
                return
            if not found.empty:
                with progress() as bar:
                    task = bar.add_task("computing segments", total=None, visible=False)

                    def advance(done: int, total: int) -> None:
                        bar.update(task, completed=done, total=total, visible=True)

                    apply_plan(engine, ws.id, found, advance)
    except ValidationError as exc:
        _fail(exc)
    _say(f"applied {path} to workspace {workspace}: {_summary(found, done=True)}")


def export(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (default: print).", dir_okay=False),
    ] = None,
) -> None:
    """Print the workspace's configuration as YAML that `tailored apply` reads back.

    Sections come as settings, segments, placements, experiments, experiences and flags,
    objects sorted by key; built-in segments are left out.

    Example: tailored export --workspace staging -o workspace.yaml
    """
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        text = export_workspace(engine, ws.id)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    _say(f"wrote the configuration of workspace {workspace} to {output}")


def _say(text: str) -> None:
    console.print(Text(text), soft_wrap=True)


def _show(found: Plan) -> None:
    for change in found.changes:
        line = Text("  ")
        line.append(f"{change.action:<10}", style=_STYLES[change.action])
        line.append(f" {change.kind:<11} {change.key}")
        console.print(line, soft_wrap=True)
        for field in change.fields:
            console.print(Text(f"               {field}"), soft_wrap=True)


def _summary(found: Plan, *, done: bool) -> str:
    counts = found.counts()
    words = (
        {"create": "created", "update": "updated", "unchanged": "unchanged", "delete": "deleted"}
        if done
        else {"create": "to create", "update": "to update", "unchanged": "unchanged",
              "delete": "to delete"}
    )  # fmt: skip
    return ", ".join(f"{counts[action]} {word}" for action, word in words.items())


def _fail(exc: ValidationError) -> NoReturn:
    located = [d for d in exc.details if "file" in d]
    for detail in located:
        errors.print(Text(format_problem(detail)), soft_wrap=True)
    errors.print(Text.assemble(("error: ", "red"), exc.message), soft_wrap=True)
    raise typer.Exit(1) from exc
