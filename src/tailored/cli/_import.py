"""``tailored import``: bring data in from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

import tailored.profiles  # noqa: F401  (subscribes profile updates to ingestion)
from tailored import events, storage
from tailored.demo import load_items, load_messages, read_online_retail

from ._context import console, open_engine, progress
from ._keys import WorkspaceOption

app = typer.Typer(help="Import data from files.", no_args_is_help=True)

DataFile = Annotated[Path, typer.Argument(help="A .jsonl, .csv or .parquet file.", dir_okay=False)]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="jsonl, csv or parquet (default: by extension).")
]


def _workspace(engine: Engine, name: str) -> storage.Workspace:
    with engine.connect() as conn:
        return storage.get_workspace(conn, name)


@app.command("online-retail")
def online_retail(
    path: Annotated[
        Path, typer.Argument(help="online_retail.parquet (UCI Online Retail).", dir_okay=False)
    ],
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
) -> None:
    """Import the UCI Online Retail data set: orders, refunds, customers and products.

    Invoices become `Order Completed` events with line items (cancellations become
    `Order Refunded`), customers become profiles with their country, stock codes become
    catalog items. Importing the same file twice stores nothing twice.

    Example: tailored import online-retail ../shared/data/online-retail/online_retail.parquet
    """
    with console.status(f"reading {path}"):
        data = read_online_retail(path)
    with open_engine() as engine:
        ws = _workspace(engine, workspace)
        with progress() as bar:
            task = bar.add_task("catalog items", total=len(data.items))
            load_items(engine, ws.id, data.items, on_progress=lambda n: bar.advance(task, n))
            task = bar.add_task("orders and customers", total=len(data.messages))
            result = load_messages(
                engine, ws.id, data.messages, on_progress=lambda n: bar.advance(task, n)
            )
    console.print(
        f"read {data.rows:,} rows: stored {result.stored:,} events "
        f"({result.duplicates:,} already there), {len(data.items):,} catalog items"
    )
    for reason, count in data.skipped.most_common():
        console.print(f"  left out {count:,}: {reason}")
    for index, reason in result.rejected[:20]:
        console.print(f"  rejected message {index}: {reason}")


@app.command("events")
def events_(
    path: DataFile,
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    fmt: FormatOption = None,
    batch: Annotated[int, typer.Option(help="Events per transaction.", min=1, max=100_000)] = 5000,
) -> None:
    """Import Segment-shaped events, validated and processed exactly as the HTTP API does.

    JSONL has one message per line; CSV and Parquet have one per row, with dotted columns
    for nested fields (properties.revenue, context.page.url). Rows without a messageId get one
    derived from their content, so importing a file twice stores nothing twice.

    Example: tailored import events exports/2024-05.jsonl --workspace default
    """
    kind = events.detect_format(path, fmt)
    total = events.count_rows(path, kind) if path.is_file() else None
    with open_engine() as engine:
        ws = _workspace(engine, workspace)
        with progress() as bar:
            task = bar.add_task(f"importing {path.name}", total=total)
            summary = events.import_file(
                engine, ws.id, path, kind, batch=batch, on_progress=lambda n: bar.advance(task, n)
            )
    console.print(
        f"read {summary.read:,} messages: stored {summary.stored:,}, "
        f"{summary.duplicates:,} already there, {summary.suppressed:,} suppressed, "
        f"{summary.rejected:,} rejected"
    )
    for reason, count in summary.reasons.most_common(10):
        console.print(f"  {count:,} rejected: {reason}")
    for line, reason in summary.examples[:10]:
        console.print(f"  line {line}: {reason}")


@app.command("items")
def items_(
    path: DataFile,
    workspace: WorkspaceOption = storage.DEFAULT_WORKSPACE,
    fmt: FormatOption = None,
) -> None:
    """Import catalog items: inserted, or replaced when the item_id is known.

    JSONL has one item object per line (as PUT /v1/items takes it); CSV and Parquet have one
    column per field, categories and tags split on '|', other columns kept as properties.

    Example: tailored import items catalog.csv --workspace default
    """
    from tailored import recommend

    found, refused = recommend.read_items(path, fmt)
    with open_engine() as engine:
        ws = _workspace(engine, workspace)
        with progress() as bar:
            task = bar.add_task(f"importing {path.name}", total=len(found))
            load_items(engine, ws.id, found, on_progress=lambda n: bar.advance(task, n))
    console.print(f"stored {len(found):,} items, refused {len(refused):,}")
    for line, reason in refused[:10]:
        console.print(f"  line {line}: {reason}")
