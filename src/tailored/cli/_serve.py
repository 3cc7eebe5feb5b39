"""``tailored serve`` and ``tailored worker``: the two long-running processes."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
import uvicorn

from tailored import storage
from tailored.server import configure_logging

from ._context import console, load_settings, open_engine

HostOption = Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for all.")]
PortOption = Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)]


def run_server(host: str, port: int, workers: int = 1) -> None:
    """Serve the app configured from the environment until interrupted."""
    uvicorn.run(
        "tailored.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        server_header=False,
    )


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.", min=1)] = 1,
    migrate: Annotated[
        bool, typer.Option(help="Migrate the database first (turn off when scaled out).")
    ] = True,
) -> None:
    """Serve the HTTP API.

    Example: TAILORED_DATABASE_URL=sqlite:///./shop.db tailored serve --port 8080 --workers 2
    """
    settings = load_settings()
    configure_logging(settings)
    if migrate:
        with open_engine(settings, migrated=False) as engine:
            storage.upgrade(engine)
    console.print(f"tailored serving on http://{host}:{port} (docs at /docs)")
    run_server(host, port, workers)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run the jobs that are due, then exit.")
    ] = False,
) -> None:
    """Run background jobs (segment windows, training, sends, retention) from the job queue.

    Several workers may run against PostgreSQL; with SQLite run one.

    Example: tailored worker
    """
    settings = load_settings()
    configure_logging(settings)
    with open_engine(settings) as engine:
        if once:
            storage.schedule_due(engine)
            wid = storage.worker_id()
            count = 0
            while storage.run_once(engine, settings, wid) is not None:
                count += 1
            console.print(f"ran {count} job(s)")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        storage.run_worker(engine, settings, stop)
