"""``tailored segments``: recompute, list, install the built-ins, discover clusters."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from tailored import segments, storage

from ._context import console, open_engine, print_json, progress
from ._keys import WorkspaceOption

app = typer.Typer(help="Segments: recompute, built-ins, discovery.", no_args_is_help=True)


@app.command("list")
def list_segments(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The workspace's segments and their sizes.

    Example: tailored segments list --workspace default
    """
    with open_engine() as engine, engine.connect() as conn:
        ws = storage.get_workspace(conn, workspace)
        sizes = segments.segment_sizes(conn, ws.id)
        found = segments.list_segments(conn, ws.id)
    if as_json:
        print_json({"segments": [{**s.as_json(), "size": sizes.get(s.key, 0)} for s in found]})
        return
    table = Table("key", "name", "members")
    for segment in found:
        table.add_row(segment.key, segment.name, f"{sizes.get(segment.key, 0):,}")
    console.print(table)


@app.command("recompute")
def recompute(
    key: Annotated[str, typer.Argument(help="The segment to recompute.")],
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
) -> None:
    """Rebuild a segment's features from the event log and recompute its members.

    The other segments of the workspace are brought up to date on the way.

    Example: tailored segments recompute cart-abandoners
    """
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
            segment = segments.get_segment(conn, ws.id, key)
            compiled = segments.compiled_workspace(conn, ws.id)
        needed = next(s for s in compiled.segments if s.key == key).needs.features
        with progress() as bar:
            task = bar.add_task(f"rebuilding features of {key}", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            segments.backfill(engine, ws.id, list(needed), advance)
            bar.update(task, description=f"recomputing {key}", completed=0)
            result = segments.recompute(engine, ws.id, progress=advance)
        with engine.connect() as conn:
            size = segments.segment_sizes(conn, ws.id).get(segment.key, 0)
    console.print(
        f"{key}: {size:,} members; {result.profiles:,} profiles evaluated, "
        f"{result.entered:,} entered and {result.exited:,} exited a segment"
    )


@app.command("install-builtins")
def install_builtins(workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE) -> None:
    """Create the built-in segments (lifecycle, RFM, high value, cart abandoners).

    Example: tailored segments install-builtins
    """
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        with console.status("creating and computing the built-in segments"):
            created = segments.install_builtin_segments(engine, ws.id)
    console.print(f"created {len(created)} segment(s): {', '.join(created) or 'none'}")


@app.command("discover")
def discover(
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    max_k: Annotated[int, typer.Option("--max-k", help="The most clusters tried.")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Cluster profiles on their behaviour (KMeans, k by silhouette) and describe each
    cluster with a condition you can save as a segment.

    Example: tailored segments discover --max-k 8
    """
    config = segments.DiscoverConfig(max_k=max_k)
    with open_engine() as engine:
        with engine.connect() as conn:
            ws = storage.get_workspace(conn, workspace)
        with console.status("clustering profiles"):
            found = segments.discover(engine, ws.id, config)
    if as_json:
        clusters = [c.__dict__ for c in found.clusters]
        print_json({"k": found.k, "silhouette": found.silhouette, "clusters": clusters})
        return
    console.print(
        f"{found.k} clusters of {found.profiles:,} profiles (silhouette {found.silhouette:.3f})"
    )
    for number, cluster in enumerate(found.clusters, start=1):
        console.print(
            f"\n[bold]{number}. {cluster.description}[/] "
            f"({cluster.size:,} profiles, {cluster.share:.0%})"
        )
        console.print(f"   condition: {json.dumps(cluster.condition)}", markup=False)
