"""Customer profiles: the pure analytics of a person's history.

- Lifecycle stage (new, active, at risk, dormant, reactivated) from first, last and returning
  activity: :func:`lifecycle_stage`, :func:`track_activity`, :func:`latest_return`,
  :class:`LifecycleConfig`.
- RFM scores 1-5 by population quintiles and the named RFM segments: :func:`rfm_scores`,
  :func:`rfm_segment`, :class:`RFMSegment`.
- Probability alive and expected purchases from the BG/NBD model fitted by maximum
  likelihood: :func:`fit_bgnbd`, :func:`probability_alive`, :func:`expected_purchases`.

Invalid input raises ``tailored.core.ValidationError`` naming the offending argument.
"""

from __future__ import annotations

from tailored import events as _events

from ._bgnbd import (
    BGNBDConfig,
    BGNBDFit,
    BGNBDParams,
    bgnbd_log_likelihood,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
)
from ._extensions import (
    StateExtension,
    StateListener,
    add_state_listener,
    register_state_extension,
    state_extensions,
)
from ._identity import ANONYMOUS, USER, Resolution, resolve_batch
from ._lifecycle import (
    LIFECYCLE_STAGES,
    Activity,
    LifecycleConfig,
    LifecycleStage,
    latest_return,
    lifecycle_stage,
    track_activity,
)
from ._privacy import person, set_consent
from ._read import (
    FIELD_EVENTS,
    PAGE_MAX,
    SCORE_FIELDS,
    computed_traits,
    find_profile,
    profile_document,
    profile_events,
)
from ._rfm import (
    RFMProfile,
    RFMScores,
    RFMSegment,
    fm_score,
    quintile_scores,
    rfm_scores,
    rfm_segment,
)
from ._scores import ScoreRun, compute_scores, score_of, scores
from ._state import State, apply_event, merge_states, top_categories
from ._store import ProfileUpdater, load_states
from ._tables import identities, profiles

__all__ = [
    "ANONYMOUS",
    "FIELD_EVENTS",
    "LIFECYCLE_STAGES",
    "PAGE_MAX",
    "SCORE_FIELDS",
    "USER",
    "Activity",
    "BGNBDConfig",
    "BGNBDFit",
    "BGNBDParams",
    "LifecycleConfig",
    "LifecycleStage",
    "ProfileUpdater",
    "RFMProfile",
    "RFMScores",
    "RFMSegment",
    "Resolution",
    "ScoreRun",
    "State",
    "StateExtension",
    "StateListener",
    "add_state_listener",
    "apply_event",
    "bgnbd_log_likelihood",
    "compute_scores",
    "computed_traits",
    "expected_purchases",
    "find_profile",
    "fit_bgnbd",
    "fm_score",
    "identities",
    "latest_return",
    "lifecycle_stage",
    "load_states",
    "merge_states",
    "person",
    "probability_alive",
    "profile_document",
    "profile_events",
    "profiles",
    "quintile_scores",
    "register_state_extension",
    "resolve_batch",
    "rfm_scores",
    "rfm_segment",
    "score_of",
    "scores",
    "set_consent",
    "state_extensions",
    "top_categories",
    "track_activity",
]

_events.subscribe(ProfileUpdater())
