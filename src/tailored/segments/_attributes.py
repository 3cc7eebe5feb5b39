"""The profile fields that plain attribute paths of a segment condition read.

``{"lifecycle_stage": "at_risk"}``, ``{"traits.plan": "pro"}``, ``{"rfm_segment": "champions"}``,
``{"total_revenue": {"$gte": 100}}``, ``{"consent.marketing": true}``: a segment condition's
attributes are the person's traits (under ``traits``), every computed trait at the top level
(times as ISO-8601 text), the RFM scores (``rfm_segment``, ``rfm.recency`` ...,
``probability_alive``) and consent by category.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from tailored.profiles import LifecycleConfig, computed_traits

from ._durations import DAY_MS
from ._operators import Subject

_LIFECYCLE = LifecycleConfig()


def profile_attributes(
    state: dict[str, Any],
    now: datetime,
    score: dict[str, Any] | None,
    keys: Collection[str] | None = None,
) -> dict[str, Any]:
    """The attributes a segment condition sees for one profile (computed traits limited to
    ``keys`` when given)."""
    computed = computed_traits(state, now, _LIFECYCLE, keys)
    out: dict[str, Any] = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in computed.items()
    }
    out["traits"] = {key: entry[0] for key, entry in state.get("traits", {}).items()}
    out["consent"] = {key: entry[0] for key, entry in state.get("consent", {}).items()}
    if score is not None:
        out["rfm"] = score["rfm"]
        out["rfm_segment"] = score["rfm_segment"]
        out["probability_alive"] = score["probability_alive"]
    return out


def note_lifecycle_changes(subject: Subject, stage: str | None) -> None:
    """Note on ``subject`` when its lifecycle stage (now ``stage``) may next change."""
    state = subject.state
    if "last" not in state:
        return
    config = _LIFECYCLE
    last, first = state["last"], state["first"]
    subject.until(int(last + config.active_within_days * DAY_MS) + 1)
    subject.until(int(last + config.dormant_after_days * DAY_MS) + 1)
    subject.until(int(first + config.new_within_days * DAY_MS) + 1)
    if stage == "reactivated":
        # A return is dated to the start of its day, so being recent ends at a midnight.
        subject.until((subject.now // DAY_MS + 1) * DAY_MS)
