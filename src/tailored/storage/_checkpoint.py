"""SQLite WAL checkpoints in a background thread, off the path of the writes.

In WAL mode a commit that leaves the log longer than ``wal_autocheckpoint`` pages copies the
log into the database file and syncs it before it returns. With the default of 10,000 pages
that is a copy of about 40 MB: every caller waiting on that commit (a group commit of
exposures, an ingest batch) waits tens of milliseconds, which made the slowest 1% of decide
calls ten times slower than the median.

A server runs a :class:`Checkpointer`: a thread that checkpoints every ``interval`` seconds in
PASSIVE mode, which never waits on readers or writers (a writer keeps appending to the log
while the copy runs). The log then stays a few thousand pages long and commits do not pay for
it; the automatic checkpoint stays, as the safety net for any process without this thread.

The interval trades the two: every checkpoint copies each page written since the last one, so
checkpointing much more often than the automatic threshold would copies hot pages (a busy
profile, the right edge of an index) again and again. Once a second keeps about the automatic
cadence under heavy ingestion (collection measured the same with and without the thread) and
still takes the copy off the commits.
"""

from __future__ import annotations

import logging
import threading
from typing import NamedTuple

from sqlalchemy.engine import Engine

from ._engine import sqlite_driver

log = logging.getLogger(__name__)


class Checkpoint(NamedTuple):
    """What one ``PRAGMA wal_checkpoint(PASSIVE)`` reported."""

    busy: bool
    log_pages: int
    """Pages in the log."""
    checkpointed: int
    """Pages of the log now in the database file."""


def checkpoint(engine: Engine) -> Checkpoint:
    """Copy what it can of the log into the database file, waiting for no one."""
    with engine.connect() as conn:
        # Outside any transaction, as the pragma needs.
        pragma = sqlite_driver(conn).execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, pages, done = pragma.fetchone()
    return Checkpoint(bool(busy), int(pages), int(done))


class Checkpointer:
    """A daemon thread checkpointing ``engine``'s database every ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self.runs = 0
        """Checkpoints run so far."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread, after a checkpoint in progress ends."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                checkpoint(self.engine)
            except Exception:  # the next round tries again; commits still checkpoint if need be
                log.warning("SQLite checkpoint failed", exc_info=True)
            self.runs += 1
