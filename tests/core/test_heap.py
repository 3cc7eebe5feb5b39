from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from tailored.core import settle_heap
from tailored.core._heap import THRESHOLDS
from tailored.server import app_from_environment
from tests.fixtures.databases import SECRET


class _Node:
    partner: _Node | None = None


@pytest.fixture
def collector() -> Iterator[None]:
    """The test process's collector as it was, whatever the test did to it."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_settle_heap_freezes_what_is_alive_and_collects_the_young_less_often() -> None:
    kept = [{"n": n} for n in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == THRESHOLDS
    assert THRESHOLDS[0] > 700, "young objects are collected less often than by default"


@pytest.mark.usefixtures("collector")
def test_cycles_made_after_settling_are_still_collected() -> None:
    settle_heap()
    a, b = _Node(), _Node()
    a.partner, b.partner = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


@pytest.mark.usefixtures("collector")
def test_the_server_process_app_settles_the_heap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite:///{tmp_path}/app.db")
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    gc.unfreeze()
    app_from_environment()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == THRESHOLDS
