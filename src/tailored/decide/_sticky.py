"""Sticky assignment kept in the profile: the variant each person was first shown.

Every exposure (``Experience Viewed``) of an experiment records
``<experiment>__<bucket version>: [variant, first seen ms]`` in the profile state under
``decide``. The earliest exposure wins, so the part is the same whatever order events arrive
in, and profiles that merge keep each experiment's earliest assignment. Decisions read it
back, so a person keeps their variant when weights or coverage change, across devices once
identified, until ``bucket_version`` is raised. The keys are GrowthBook's sticky bucket keys.
"""

from __future__ import annotations

from typing import Any

from tailored.experiments.evaluation import sticky_experiment_key
from tailored.profiles import register_state_extension

#: The event every logged decision is recorded as.
EXPOSURE_EVENT = "Experience Viewed"
#: ``context.library.name`` of the exposure events decide writes (others are ignored).
LIBRARY = "tailored.decide"
STATE_KEY = "decide"


class StickyExtension:
    """Folds exposures into ``state["decide"]["sticky"]``."""

    key = STATE_KEY

    def apply(self, part: dict[str, Any], event: dict[str, Any], ts: int) -> None:
        """Remember the variant of an experiment exposure unless an earlier one is known."""
        if event.get("event") != EXPOSURE_EVENT:
            return
        props = event.get("properties") or {}
        experiment, variant = props.get("experiment"), props.get("variant")
        if not isinstance(experiment, str) or not isinstance(variant, str):
            return
        if props.get("reason") != "experiment":
            return
        version = props.get("bucket_version")
        key = sticky_experiment_key(experiment, version if isinstance(version, int) else 0)
        sticky = part.setdefault("sticky", {})
        known = sticky.get(key)
        if known is None or _earlier([variant, ts], known):
            sticky[key] = [variant, ts]

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        """Both profiles' assignments; for an experiment both saw, the earlier one."""
        sticky = dict(a.get("sticky", {}))
        for key, entry in b.get("sticky", {}).items():
            known = sticky.get(key)
            if known is None or _earlier(entry, known):
                sticky[key] = entry
        merged = {**a, **b}
        if sticky:
            merged["sticky"] = sticky
        return merged


def _earlier(entry: list[Any], than: list[Any]) -> bool:
    # Ties on time are broken by the variant key so that the result never depends on order.
    return (entry[1], entry[0]) < (than[1], than[0])


def install_sticky() -> None:
    """Keep sticky assignments in every profile's state."""
    register_state_extension(StickyExtension())
