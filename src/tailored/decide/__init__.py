"""Deciding what each person sees: placements, experiences, experiments, flags, holdout.

- The model (:mod:`._model`): :class:`Placement` (a slot with default content),
  :class:`Experience` (what a placement shows an audience; its variant chosen by ``rules``,
  an ``experiment``, a ``bandit`` or filled with ``recommendations``), :class:`Experiment`
  (weights, coverage, a mutually exclusive layer, sticky assignment), :class:`Flag` (typed
  values, targeting, rollouts, prerequisites) and :class:`Settings` (global holdout, consent,
  attribution). :func:`save`, :func:`delete`, :func:`get`, :func:`listing` store them.
- :func:`decide` answers one call: each placement's content with its ``reason`` and
  ``propensity``, every flag's value, exposures logged as ``Experience Viewed`` events.
- The decision log (``decisions``), each person's first exposure to each experiment
  (``first_exposures``, what experiment results read) and attribution of later conversions
  (``decision_attributions``) are kept by an ingest subscriber.
- Bandit experiences ask a :class:`BanditHook` (:func:`set_bandit_hook`); rewards
  (:func:`reward_decision`) are stored and learned, and policies' states kept in
  ``bandit_states``.
- Configuration as code: :func:`load_workspace_file`, :func:`plan`, :func:`apply_plan`,
  :func:`export_workspace` (``tailored apply`` / ``tailored export``).
- GrowthBook's own feature format runs on :class:`FeatureEvaluator` (conformance-tested).

Example:
    >>> from tailored.experiments.evaluation import ExperimentContext
    >>> flags = FeatureEvaluator({"new-checkout": {"defaultValue": False, "rules": [
    ...     {"condition": {"country": "DE"}, "force": True}]}})
    >>> flags.evaluate("new-checkout", ExperimentContext(attributes={"country": "DE"})).on
    True
"""

from __future__ import annotations

from . import _log, _privacy, _rewards, _sticky
from ._bandit import BanditChoice, BanditHook, LocalBandits, bandit_hook, set_bandit_hook
from ._bandit_report import bandit_results
from ._compiled import CompiledConfig, compiled_config, invalidate
from ._definitions import BanditContext, ContextualBandit, FeatureDefinition, FeatureRule
from ._engine import (
    DecideResult,
    Decision,
    FlagValue,
    decide,
    decide_async,
    decide_for,
    exposure_messages,
)
from ._exposures import record_first_exposures
from ._features import FeatureEvaluator, FeatureResult, FeatureSource, evaluate_feature
from ._manage import delete, get, listing, save, save_many
from ._model import (
    KINDS,
    Audience,
    Experience,
    Experiment,
    Flag,
    Kind,
    Metric,
    Placement,
    Settings,
)
from ._offpolicy import logged_feedback
from ._person import DecideRequest, Person, load_person, load_person_at_once
from ._queue import ExposureQueue, queue_path
from ._results import CSV_COLUMNS, HOLDOUT_GROUPS, experiment_results, holdout_results
from ._rewards import Reward, default_rewards, reward_decision
from ._sticky import EXPOSURE_EVENT
from ._store import DecideObject, Snapshot, check_snapshot, load_snapshot, parse, to_body
from ._tables import (
    attributions,
    bandit_states,
    decide_objects,
    decisions,
    first_exposures,
    rewards,
)
from ._workspace_file import (
    Plan,
    WorkspaceFile,
    apply_plan,
    export_workspace,
    format_problem,
    load_workspace_file,
    plan,
)

__all__ = [
    "CSV_COLUMNS",
    "EXPOSURE_EVENT",
    "HOLDOUT_GROUPS",
    "KINDS",
    "Audience",
    "BanditChoice",
    "BanditContext",
    "BanditHook",
    "CompiledConfig",
    "ContextualBandit",
    "DecideObject",
    "DecideRequest",
    "DecideResult",
    "Decision",
    "Experience",
    "Experiment",
    "ExposureQueue",
    "FeatureDefinition",
    "FeatureEvaluator",
    "FeatureResult",
    "FeatureRule",
    "FeatureSource",
    "Flag",
    "FlagValue",
    "Kind",
    "LocalBandits",
    "Metric",
    "Person",
    "Placement",
    "Plan",
    "Reward",
    "Settings",
    "Snapshot",
    "WorkspaceFile",
    "apply_plan",
    "attributions",
    "bandit_hook",
    "bandit_results",
    "bandit_states",
    "check_snapshot",
    "compiled_config",
    "decide",
    "decide_async",
    "decide_for",
    "decide_objects",
    "decisions",
    "default_rewards",
    "delete",
    "evaluate_feature",
    "experiment_results",
    "export_workspace",
    "exposure_messages",
    "first_exposures",
    "format_problem",
    "get",
    "holdout_results",
    "invalidate",
    "listing",
    "load_person",
    "load_person_at_once",
    "load_snapshot",
    "load_workspace_file",
    "logged_feedback",
    "parse",
    "plan",
    "queue_path",
    "record_first_exposures",
    "reward_decision",
    "rewards",
    "save",
    "save_many",
    "set_bandit_hook",
    "to_body",
]

_sticky.install_sticky()
_log.install_log()
_privacy.install_privacy()
_rewards.install_rewards()
