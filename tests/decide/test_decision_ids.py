"""Decision ids: unique, and later ones sort later (the indexes on them grow at one end)."""

from __future__ import annotations

import re
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
