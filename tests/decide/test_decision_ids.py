"""Decision ids: unique, and later ones sort later (the indexes on them grow at one end)."""

from __future__ import annotations

import re
import threading
import time

from tailored.decide._engine import _decision_id


def test_ids_are_unique_and_sort_by_the_time_they_were_made():
    first = [_decision_id() for _ in range(2000)]
    time.sleep(0.002)
    later = [_decision_id() for _ in range(2000)]
    assert len(set(first + later)) == 4000
    assert all(re.fullmatch(r"dec_[0-9a-f]{32}", i) for i in first + later)
    assert max(first) < min(later)
    millis = int(later[0][4:16], 16)
    assert abs(millis - time.time() * 1000) < 60_000


def test_threads_drawing_ids_at_once_never_get_the_same_random_part():
    # The random parts come from a shared pool refilled 200 at a time: threads that drain it
    # together must each get parts of their own.
    made: list[list[str]] = [[] for _ in range(8)]

    def draw(n: int) -> None:
        made[n] = [_decision_id()[16:] for _ in range(5000)]

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    parts = [p for ids in made for p in ids]
    assert len(parts) == 40_000
    assert len(set(parts)) == 40_000
    assert all(re.fullmatch(r"[0-9a-f]{20}", p) for p in parts)
