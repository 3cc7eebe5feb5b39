"""Applying queued exposures: one batch at a time, in the applier process or in the server.

:func:`apply_batch` ingests the oldest queued calls and deletes their rows. :func:`main` is
the applier process: it applies batches until the queue is empty, reports how far it got, and
sleeps until the server rings (new rows) or a poll interval passes.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from tailored import events, storage
from tailored.core import Settings, settle_heap, utcnow

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS exposure_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL,
    options BLOB NOT NULL,
    messages BLOB NOT NULL
)
"""

#: Seconds an idle applier waits before it looks at the queue again (rows written by another
#: process ring no bell), and between retries when applying fails (the rows stay queued).
POLL_SECONDS = 1.0

#: Seconds an applier woken by new rows waits for more before it applies them: a batch of
#: dozens of calls costs half as much per call as one of a few (the per-batch work: a
#: transaction, reading the people's profiles, segment rules), and no one waits for it.
GATHER_SECONDS = 0.05

#: What the server sends on the bell: new rows, someone waits for them, finish and exit.
RING, NOW, STOP = b"", b"now", b"stop"


def connect(path: str, synchronous: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection to the queue database, creating its table if need be."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    conn.execute(SCHEMA)
    return conn


def apply_batch(engine: Engine, queue: sqlite3.Connection, limit: int) -> tuple[int, int]:
    """Ingest up to ``limit`` queued calls (one transaction per workspace), then delete their
    rows.

    Returns how many calls were applied and the row id through which everything is applied:
    the last row of the batch, or, when the queue was empty, the last id it ever gave.
    """
    queue.execute("BEGIN")  # one snapshot for both reads
    try:
        given = queue.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'exposure_queue'"
        ).fetchone()
        rows = queue.execute(
            "SELECT id, workspace_id, options, messages FROM exposure_queue ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
    finally:
        queue.execute("COMMIT")
    if not rows:
        return 0, int(given[0]) if given else 0
    for (workspace_id, options), messages in _grouped(rows).items():
        outcome = events.ingest(
            engine, workspace_id, messages, utcnow(), where="exposures", **orjson.loads(options)
        )
        for rejection in outcome.rejected:
            log.warning("exposure not logged: %s", rejection.message)
    last = int(rows[-1][0])
    queue.execute("DELETE FROM exposure_queue WHERE id <= ?", (last,))
    return len(rows), last


def encode(messages: Sequence[dict[str, Any]]) -> bytes:
    """A call's messages as one queue row. The context they share is written once, in the
    first message: the others leave it out."""
    if not messages:
        return b"[]"
    shared = messages[0].get("context")
    if shared is None:
        return orjson.dumps(list(messages))
    rest = [
        {k: v for k, v in m.items() if k != "context"} if m.get("context") is shared else m
        for m in messages[1:]
    ]
    return orjson.dumps([messages[0], *rest])


def decode(blob: bytes) -> list[Any]:
    """The messages of a queue row, those without a context sharing the first one's (one
    object: ingestion parses it once)."""
    messages: list[Any] = orjson.loads(blob)
    shared = messages[0].get("context") if messages else None
    if shared is not None:
        for message in messages[1:]:
            if "context" not in message:
                message["context"] = shared
    return messages


def _grouped(rows: list[tuple[int, int, bytes, bytes]]) -> dict[tuple[int, bytes], list[Any]]:
    """The queued calls' messages by workspace and ingest options, in queue order."""
    groups: dict[tuple[int, bytes], list[Any]] = {}
    for _, workspace_id, options, blob in rows:
        groups.setdefault((workspace_id, options), []).extend(decode(blob))
    return groups


def main(settings: Settings, path: str, limit: int, bell: Connection, reports: Connection) -> None:
    """The applier process: apply the queue at ``path`` into ``settings``' database.

    After each batch it sends ``(applied through row id, calls applied)`` on ``reports``. It
    exits once it has emptied the queue after :data:`STOP` arrives on ``bell``, or after the
    server is gone (the bell's other end closed).
    """
    # Ctrl-C reaches the whole process group; the server decides when this process stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = storage.create_engine(settings)
    queue = connect(path, settings.sqlite_synchronous, settings.sqlite_busy_timeout_ms)
    settle_heap()
    stopping = False
    try:
        while True:
            try:
                while True:
                    count, through = apply_batch(engine, queue, limit)
                    _report(reports, through, count)
                    # A full batch: more is waiting. Otherwise gather again (unless stopping).
                    if not count or (count < limit and not stopping):
                        break
            except Exception:
                log.error("queued exposures could not be applied; retrying", exc_info=True)
                if stopping:
                    return  # the server applies what is left as it stops
                time.sleep(POLL_SECONDS)  # not at every ring: the cause (a full disk) lasts
            if stopping:
                return
            stopping = _wait(bell)
    finally:
        queue.close()
        engine.dispose()


def _report(reports: Connection, through: int, count: int) -> None:
    with contextlib.suppress(OSError):  # the server is gone: go on until the queue is empty
        reports.send((through, count))


def _wait(bell: Connection) -> bool:
    """Sleep until the server rings, then gather what comes in the next
    :data:`GATHER_SECONDS` (or until someone waits); whether to stop."""
    try:
        if not bell.poll(POLL_SECONDS):
            return False
        deadline = time.monotonic() + GATHER_SECONDS
        while True:
            while bell.poll(0):
                message = bell.recv_bytes()
                if message == STOP:
                    return True
                if message == NOW:
                    return False
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not bell.poll(remaining):
                return False
    except (EOFError, OSError):
        return True
