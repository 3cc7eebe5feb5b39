"""Segments: who is in which audience, kept current as events arrive and as time passes.

A segment is a named condition of the condition language (:mod:`tailored.conditions`) over a
person's profile fields and behaviour:

- ``{"lifecycle_stage": "at_risk"}``, ``{"traits.plan": "pro"}``,
  ``{"rfm_segment": {"$in": ["champions", "loyal"]}}``: profile fields, computed traits,
  RFM scores and consent (see :func:`profile_attributes`);
- ``{"$event": {"name": "Product Viewed", "where": {...}, "within": "7d",
  "count": {"$gte": 3}}}``: event counts in a window (``within``, ``between``, or all of
  history), did-not-do (``"count": 0``), and ``sum``/``avg``/``min``/``max``/``first``/
  ``last`` of a property;
- ``{"$sequence": {"steps": [{"name": "Product Added"}, {"name": "Order Completed"}],
  "within": "24h"}}``: an ordered sequence in time (``"completed": false`` for abandonment);
- ``{"$segment": "key"}``: another segment (cycles are refused).

Memberships are evaluated from the profile state, never from the event log, inside the
ingest transaction; the worker re-evaluates profiles whose windows lapse. Each change is
published as ``Segment Entered`` / ``Segment Exited`` (:func:`on_segment_change`) and kept
in a history table.
"""

from __future__ import annotations

from ._attributes import profile_attributes
from ._batch import Progress, RecomputeResult, backfill, recompute
from ._builtin import (
    builtin_segments,
    demo_segments,
    install_builtin_segments,
    install_demo_segments,
)
from ._bus import (
    ENTERED,
    EXITED,
    ChangeSubscriber,
    SegmentChange,
    on_segment_change,
    remove_segment_subscriber,
)
from ._definitions import (
    CompiledWorkspace,
    Needs,
    check_condition,
    compile_workspace,
    needs_of,
)
from ._discover import Cluster, DiscoverConfig, Discovery, discover
from ._durations import parse_duration
from ._features import FeatureSet, FeatureSpec, tracking
from ._manage import (
    Preview,
    create_segment,
    create_segments,
    delete_segment,
    preview,
    update_segment,
)
from ._membership import Evaluation, evaluate
from ._operators import Subject, install_operators
from ._pages import PAGE_MAX, history_page, members_page
from ._privacy import install_privacy
from ._queries import AGGREGATES
from ._realtime import SWEEP_JOB, install_realtime, sweep
from ._store import Segment, compiled_workspace, get_segment, list_segments, segment_sizes
from ._tables import due, history, members, segments

__all__ = [
    "AGGREGATES",
    "ENTERED",
    "EXITED",
    "PAGE_MAX",
    "SWEEP_JOB",
    "ChangeSubscriber",
    "Cluster",
    "CompiledWorkspace",
    "DiscoverConfig",
    "Discovery",
    "Evaluation",
    "FeatureSet",
    "FeatureSpec",
    "Needs",
    "Preview",
    "Progress",
    "RecomputeResult",
    "Segment",
    "SegmentChange",
    "Subject",
    "backfill",
    "builtin_segments",
    "check_condition",
    "compile_workspace",
    "compiled_workspace",
    "create_segment",
    "create_segments",
    "delete_segment",
    "demo_segments",
    "discover",
    "due",
    "evaluate",
    "get_segment",
    "history",
    "history_page",
    "install_builtin_segments",
    "install_demo_segments",
    "list_segments",
    "members",
    "members_page",
    "needs_of",
    "on_segment_change",
    "parse_duration",
    "preview",
    "profile_attributes",
    "recompute",
    "remove_segment_subscriber",
    "segment_sizes",
    "segments",
    "sweep",
    "tracking",
    "update_segment",
]

install_operators()
install_realtime()
install_privacy()
