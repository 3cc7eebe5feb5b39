"""Deferred exposures: a decide call answers once its exposures are durable in a queue, and a
process of its own ingests them in large batches.

Ingesting an exposure (identity, the profile's state, segment memberships, the decision log)
costs the same whether it happens before the answer or after, but it costs far less per call
in a batch of dozens of calls than in a group commit of the few calls a server has in flight
(0.6 to 0.9 against 1.9 ms of the interpreter per call of six exposures, measured). So on
SQLite the server writes each call's ``Experience Viewed`` events as one row of a queue and
answers; the applier (:mod:`tailored.decide._applier`) takes every row queued so far, ingests
them as one batch and deletes them.

The applier is a process, not a thread of the server, because ingestion is interpreter work:
in a thread it takes the GIL from the answers, while a process runs on another core. The
server rings it through a pipe when it queues rows, and it reports back how far it has
applied; a thread of the server supervises it (and starts another should it die).

The queue is a SQLite database of its own beside the main one (``shop.db-exposures``), so that
a call's write never waits on the main database's single writer (an ingest batch holds it for
tens of milliseconds). The rows of all calls that arrive in one turn of the event loop go in
one transaction, committed on the loop: a few tens of microseconds, less than handing it to a
thread. It has the main database's durability (``TAILORED_SQLITE_SYNCHRONOUS``): an answered
decision survives a crash of the process (NORMAL) or of the machine (FULL).

Applying is idempotent: each exposure's ``messageId`` is its ``decision_id``, and ingestion
drops an event whose id it already holds. Rows are deleted after the batch is committed, so a
crash between the two applies them again, harmlessly, when the server next starts.

Until its row is applied (tens of milliseconds to a second, by load), an exposure is not yet in
the event log, the profile or the decision log. :meth:`ExposureQueue.settle` waits for
everything queued so far: the server awaits it before answering any request that reads what
exposures produce (rewards, reports, profiles, privacy), so a client sees its own decisions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from tailored import storage
from tailored.core import Settings

from . import _applier

log = logging.getLogger(__name__)

#: Most queued calls ingested in one transaction.
BATCH_CALLS = 500

#: Queued calls not yet applied beyond which a new call waits for applying to catch up.
MAX_BACKLOG = 1000

#: Longest such a wait, in seconds (applying may be failing: calls then go on).
BACKLOG_WAIT_SECONDS = 5.0

#: Longest a stopping server waits for the applier to empty the queue, in seconds, before it
#: stops the applier and applies the rest itself.
STOP_SECONDS = 60.0


def queue_path(engine: Engine) -> str | None:
    """Where the queue of a SQLite database file lives; None for memory databases and other
    backends (their exposures are committed before the answer)."""
    database = storage.sqlite_file(engine)
    return None if database is None else f"{database}-exposures"


class ExposureQueue:
    """The queue of one SQLite database, and the process that applies it.

    :meth:`put` runs on an event loop (it commits there). :meth:`start` starts a thread that
    supervises the applier: it starts the process once there is something to apply (rows this
    process queued, or rows an earlier process left), hears how far it got, and starts another
    should it die.
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        path: str,
        *,
        batch_calls: int = BATCH_CALLS,
        max_backlog: int = MAX_BACKLOG,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.path = path
        self.batch_calls = batch_calls
        self.max_backlog = max_backlog
        synchronous, timeout = settings.sqlite_synchronous, settings.sqlite_busy_timeout_ms
        self._writer = _applier.connect(path, synchronous, timeout)
        self._reader = _applier.connect(path, synchronous, timeout)
        self._waiting: list[tuple[asyncio.Future[None], tuple[int, bytes, bytes]]] = []
        self._cond = threading.Condition()
        self._apply_lock = threading.Lock()
        self._written_through = 0
        """The last row id this process committed."""
        self._applied_through = 0
        """The row id through which the queue is applied, as last heard."""
        self._stop = False
        self._bell: Connection | None = None
        self._process: BaseProcess | None = None
        self._supervisor = threading.Thread(
            target=self._supervise, name="exposure-applier", daemon=True
        )
        self.applied_calls = 0
        """Queued calls applied so far, by the applier and by this process."""

    @property
    def applier_pid(self) -> int | None:
        """The applier process's id, once it runs."""
        return None if self._process is None else self._process.pid

    # -- the event loop's side ------------------------------------------------------------

    async def put(self, workspace_id: int, options: Mapping[str, Any], row: bytes) -> None:
        """Queue one call's exposures (a row of :func:`~tailored.decide._applier.encode`);
        return once they are committed to the queue.

        Raises:
            sqlite3.Error: the queue could not be written (the call must fail: nothing was
                logged).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._commit)
        self._waiting.append((future, (workspace_id, orjson.dumps(dict(options)), row)))
        await future
        if self._written_through - self._applied_through > self.max_backlog:
            # Applying falls behind: hold this call until it catches up halfway, so that the
            # lag stays bounded and a saturated server slows down instead of piling up work.
            await asyncio.to_thread(self._wait_backlog, self.max_backlog // 2)

    def _commit(self) -> None:
        """Commit the rows of every call that arrived in this turn of the loop."""
        batch, self._waiting = self._waiting, []
        conn = self._writer
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO exposure_queue (workspace_id, options, messages) VALUES (?, ?, ?)",
                    [row for _, row in batch],
                )
                last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except Exception as exc:
            log.error("exposures could not be queued: %s", exc)
            for future, _ in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        with self._cond:
            self._written_through = max(self._written_through, int(last))
            self._cond.notify_all()
        self._ring(_applier.RING)
        for future, _ in batch:
            if not future.done():
                future.set_result(None)

    def _ring(self, message: bytes) -> None:
        """Tell the applier there are new rows (:data:`~tailored.decide._applier.RING`) or
        that someone waits for them (``NOW``)."""
        bell = self._bell
        if bell is None:
            return  # not started yet: the supervisor starts it on the rows just written
        # The pipe may be full (the applier has plenty to wake for) or closed (the applier is
        # being replaced; the new one reads the queue as it starts).
        with contextlib.suppress(OSError):
            bell.send_bytes(message)

    async def settle(self) -> None:
        """Wait until every call this process has queued is applied."""
        if self._applied_through >= self._written_through:
            return
        await asyncio.to_thread(self.wait_applied)

    # -- applying -------------------------------------------------------------------------

    def start(self) -> ExposureQueue:
        """Start supervising the applier; returns self."""
        self._supervisor.start()
        return self

    def stop(self) -> None:
        """Have the applier empty the queue and exit, then apply what may still be queued, so
        that nothing waits for the next start."""
        with self._cond:
            self._stop = True
            bell = self._bell
            self._cond.notify_all()
        if bell is not None:
            _send_stop(bell)
        if self._supervisor.is_alive():
            self._supervisor.join(STOP_SECONDS)
        process = self._process
        if process is not None and process.is_alive():
            log.warning("the exposure applier did not finish in %s s; stopping it", STOP_SECONDS)
            process.terminate()
            self._supervisor.join()
        try:
            self.apply_all()
        finally:
            if bell is not None:
                bell.close()
            self._writer.close()
            self._reader.close()

    def _wait_backlog(self, backlog: int) -> None:
        self._ring(_applier.NOW)
        with self._cond:
            self._cond.wait_for(
                lambda: self._stop or self._written_through - self._applied_through <= backlog,
                BACKLOG_WAIT_SECONDS,
            )

    def wait_applied(self, timeout: float | None = None) -> bool:
        """Block until every call queued so far by this process is applied; False on timeout."""
        self._ring(_applier.NOW)
        with self._cond:
            target = self._written_through
            return self._cond.wait_for(lambda: self._applied_through >= target, timeout)

    def apply_all(self) -> int:
        """Apply every queued call, in this thread; returns how many."""
        total = 0
        while True:
            count = self.apply_batch()
            if not count:
                return total
            total += count

    def apply_batch(self) -> int:
        """Ingest up to :attr:`batch_calls` queued calls in this thread (see
        :func:`tailored.decide._applier.apply_batch`); returns how many were applied."""
        with self._apply_lock:
            count, through = _applier.apply_batch(self.engine, self._reader, self.batch_calls)
            self._applied(through, count)
            return count

    def _applied(self, through: int, count: int) -> None:
        with self._cond:
            self._applied_through = max(self._applied_through, through)
            self.applied_calls += count
            self._cond.notify_all()

    # -- the supervisor thread ------------------------------------------------------------

    def _supervise(self) -> None:
        # Start the fork server now: it imports ingestion (seconds), and the first call that
        # queues exposures should find it ready.
        _context()
        forkserver.ensure_running()
        if not self._queued():
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._written_through > 0)
                if self._stop:
                    return
        while True:
            process, reports = self._spawn()
            self._listen(reports)
            process.join()
            with self._cond:
                if self._stop:
                    return
                log.error(
                    "the exposure applier exited with code %s; starting another",
                    process.exitcode,
                )
                if self._cond.wait_for(self._stopping, _applier.POLL_SECONDS):
                    return

    def _queued(self) -> bool:
        """Whether the queue holds rows (left by an earlier process)."""
        row = self._reader.execute("SELECT EXISTS (SELECT 1 FROM exposure_queue)").fetchone()
        return bool(row[0])

    def _spawn(self) -> tuple[BaseProcess, Connection]:
        """Start an applier process; returns it and the end of the pipe it reports on."""
        context = _context()
        bell_out, bell_in = context.Pipe(duplex=False)
        reports_in, reports_out = context.Pipe(duplex=False)
        process = context.Process(
            target=_applier.main,
            args=(self.settings, self.path, self.batch_calls, bell_out, reports_out),
            name="tailored-exposure-applier",
            daemon=True,
        )
        process.start()
        bell_out.close()
        reports_out.close()
        # Ringing happens on the event loop: it must never block.
        os.set_blocking(bell_in.fileno(), False)
        with self._cond:
            old, self._bell, self._process = self._bell, bell_in, process
            stopping = self._stop
        if old is not None:
            old.close()
        if stopping:
            _send_stop(bell_in)
        return process, reports_in

    def _listen(self, reports: Connection) -> None:
        """Hear the applier's reports until it exits."""
        with reports:
            while True:
                try:
                    through, count = reports.recv()
                except (EOFError, OSError):
                    return
                self._applied(through, count)

    def _stopping(self) -> bool:
        return self._stop


def _context() -> multiprocessing.context.ForkServerContext:
    """Where appliers come from: a fork server that has imported ingestion once (seconds of
    imports), so that each applier starts in milliseconds and without the server's threads."""
    context = multiprocessing.get_context("forkserver")
    # The program's main module too (``tailored serve`` imports the whole CLI): each applier
    # would otherwise import it again as it starts.
    context.set_forkserver_preload(["__main__", _applier.__name__])
    return context


def _send_stop(bell: Connection) -> None:
    """Tell the applier to empty the queue and exit (waiting while its pipe is full)."""
    deadline = time.monotonic() + STOP_SECONDS
    while True:
        try:
            bell.send_bytes(_applier.STOP)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        except OSError:
            return  # the applier is gone
