"""One decision call: what each placement shows this person, and every flag's value.

The person is read once (profile state, segment memberships, scores); everything else is the
compiled configuration in memory. For each placement: the global holdout first, then consent,
then the experiences from the highest priority down, the first that is live, whose audience
matches and that gives a variant wins; otherwise the placement's default. Every answer says
why (``reason``) and how likely it was (``propensity``), and unless ``dry_run`` each decision
is logged as an ``Experience Viewed`` event before the answer is returned.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy.engine import Engine

from tailored import events as events_stage
from tailored.core import TailoredError, ValidationError, utcnow
from tailored.experiments import assignment
from tailored.profiles import find_profile
from tailored.recommend import recommend_for

from . import _applier
from ._bandit import attribute_path, bandit_hook, features_of
from ._compiled import (
    CompiledConfig,
    CompiledExperience,
    CompiledFlag,
    audience_matches,
    compiled_config,
)
from ._model import BanditSettings, Placement
from ._person import (
    DecideRequest,
    Person,
    has_consent,
    load_person,
    load_person_at_once,
    request_attributes,
)
from ._queue import ExposureQueue
from ._sticky import EXPOSURE_EVENT, LIBRARY, STATE_KEY
from ._writer import ExposureWriter, Written, exposure_writer

log = logging.getLogger("tailored.decide")
_DEFAULT_BANDIT = BanditSettings()

Reason = Literal[
    "rules", "experiment", "bandit", "recommendations", "holdout", "consent", "default"
]
FlagReason = Literal["default", "targeting", "rollout", "experiment", "prerequisite", "disabled"]


@dataclass(slots=True)
class Decision:
    """What one placement shows (not frozen: a frozen dataclass takes five times as long to
    build, and a call builds one per placement)."""

    placement: str
    decision_id: str
    reason: Reason
    propensity: float
    content: dict[str, Any]
    experience: str | None = None
    variant: str | None = None
    experiment: str | None = None
    bucket_version: int | None = None
    version: int | None = None
    features: list[float] | None = None

    def to_json(self) -> dict[str, Any]:
        """The decision as the API answers it."""
        out: dict[str, Any] = {
            "decision_id": self.decision_id,
            "experience": self.experience,
            "variant": self.variant,
            "content": self.content,
            "reason": self.reason,
            "propensity": self.propensity,
        }
        if self.experiment is not None:
            out["experiment"] = self.experiment
        return out


@dataclass(slots=True)
class FlagValue:
    """A flag's value for the person, and why (not frozen, like :class:`Decision`)."""

    key: str
    value: Any
    variant: str
    reason: FlagReason
    rule_id: str | None = None
    experiment: str | None = None
    decision_id: str | None = None
    propensity: float = 1.0
    bucket_version: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The flag as the API answers it."""
        out: dict[str, Any] = {"value": self.value, "variant": self.variant, "reason": self.reason}
        if self.rule_id is not None:
            out["rule_id"] = self.rule_id
        if self.experiment is not None:
            out["experiment"] = self.experiment
            out["decision_id"] = self.decision_id
        return out


@dataclass
class DecideResult:
    """The answer of one decide call."""

    profile_id: str | None
    decisions: dict[str, Decision]
    flags: dict[str, FlagValue]
    errors: list[dict[str, str]]
    held_out: bool
    consent: bool

    def to_json(self) -> dict[str, Any]:
        """The answer as the API gives it."""
        return {
            "profile_id": self.profile_id,
            "decisions": {k: d.to_json() for k, d in self.decisions.items()},
            "flags": {k: f.to_json() for k, f in self.flags.items()},
            "errors": self.errors,
        }


_random_hex: Iterator[str] = iter(())


def _random_part() -> str:
    """20 hexadecimal characters (80 bits) from the OS's random source, drawn 200 at a time:
    one system call per call of :func:`os.urandom` costs more than the rest of the id. A list
    iterator hands each part out once, whichever thread asks."""
    global _random_hex
    while True:
        try:
            return next(_random_hex)
        except StopIteration:
            pool = os.urandom(2000).hex()
            _random_hex = iter([pool[i : i + 20] for i in range(0, len(pool), 20)])


def _decision_id() -> str:
    """``dec_``, the time in epoch milliseconds (12 hex characters), then 80 random bits.

    Ids made later sort later, so the decisions and events indexes on them grow at one end: a
    batch of exposures writes a page or two of each rather than one page per decision.
    """
    return f"dec_{time.time_ns() // 1_000_000:012x}{_random_part()}"


class _Decider:
    """The state of one decide call."""

    def __init__(
        self,
        engine: Engine,
        workspace_id: int,
        config: CompiledConfig,
        request: DecideRequest,
        person: Person,
        now: datetime,
    ) -> None:
        self.engine = engine
        self.workspace_id = workspace_id
        self.config = config
        self.request = request
        self.person = person
        self.now = now
        self.hash_id = request.user_id or request.anonymous_id or ""
        self.attributes = request_attributes(request, person, now, self.hash_id, config.reads)
        self.consent = has_consent(person, request)
        holdout = config.settings.holdout
        self.held_out = holdout.percent > 0 and (
            (assignment.hash(holdout.seed, self.hash_id, 2) or 0.0) < holdout.percent / 100
        )
        self.errors: list[dict[str, str]] = []
        self._flags: dict[str, FlagValue] = {}
        self._evaluating: set[str] = set()
        self.sticky: Mapping[str, Any] = person.state.get(STATE_KEY, {}).get("sticky", {})

    # Placements ---------------------------------------------------------------------------

    def placement(self, key: str) -> Decision:
        placement = self.config.placements[key]
        if self.held_out:
            return self._default(placement, "holdout")
        blocked = False
        for experience in self.config.experiences.get(key, ()):
            model = experience.model
            if not model.live(self.now):
                continue
            if not self.consent and not self._experiment_without_consent(experience):
                blocked = True
                continue
            if not audience_matches(experience.audience, self.attributes, self.person.segments):
                continue
            decision = self._choose(placement, experience)
            if decision is not None:
                return decision
        return self._default(placement, "consent" if blocked else "default")

    def _experiment_without_consent(self, experience: CompiledExperience) -> bool:
        model = experience.model
        return (
            self.config.settings.consent.experiments_without_consent
            and model.allocation == "experiment"
            and model.audience is None
        )

    def _default(self, placement: Placement, reason: Reason) -> Decision:
        return Decision(placement.key, _decision_id(), reason, 1.0, dict(placement.default))

    def _choose(self, placement: Placement, experience: CompiledExperience) -> Decision | None:
        model = experience.model
        if model.allocation == "rules":
            for candidate, audience in experience.variants:
                if audience_matches(audience, self.attributes, self.person.segments):
                    return self._decision(placement, experience, candidate.key, "rules", 1.0)
            return None
        if model.allocation == "experiment":
            assert model.experiment is not None
            outcome = self._run_experiment(model.experiment)
            if outcome is None:
                return None
            variant, propensity, bucket_version = outcome
            return self._decision(
                placement, experience, variant, "experiment", propensity,
                experiment=model.experiment, bucket_version=bucket_version,
            )  # fmt: skip
        if model.allocation == "bandit":
            settings = model.bandit or _DEFAULT_BANDIT
            features = features_of(settings, self.attributes)
            choice = bandit_hook().choose(
                self.engine,
                self.workspace_id,
                model.key,
                settings,
                [v.key for v in model.variants],
                features,
            )
            return self._decision(
                placement, experience, choice.arm, "bandit", choice.propensity,
                version=choice.version, features=features,
            )  # fmt: skip
        return self._recommendations(placement, experience)

    def _decision(
        self,
        placement: Placement,
        experience: CompiledExperience,
        variant: str,
        reason: Reason,
        propensity: float,
        **extra: Any,
    ) -> Decision:
        content = dict(experience.variant_by_key[variant].content)
        return Decision(
            placement.key, _decision_id(), reason, propensity, content,
            experience=experience.model.key, variant=variant, **extra,
        )  # fmt: skip

    def _recommendations(
        self, placement: Placement, experience: CompiledExperience
    ) -> Decision | None:
        slot = experience.model.recommendations
        assert slot is not None or experience.model.allocation == "recommendations"
        strategy, k, item = "for_you", 4, None
        if slot is not None:
            strategy, k = slot.strategy, slot.k
            if slot.item_from:
                found = attribute_path(self.attributes, slot.item_from)
                item = found if isinstance(found, str) else None
        try:
            recs = recommend_for(
                self.engine, self.workspace_id, self.person.profile_id or self.hash_id,
                strategy, item, k, now=self.now,
            )  # fmt: skip
        except TailoredError as exc:
            self.errors.append({"loc": f"placements.{placement.key}", "message": exc.message})
            return None
        only = experience.model.variants[0].key
        decision = self._decision(placement, experience, only, "recommendations", 1.0)
        listed = recs.as_dict()
        decision.content["items"] = listed["items"]
        decision.content["recommendation_id"] = listed["recommendation_id"]
        return decision

    def _run_experiment(self, key: str) -> tuple[str, float, int] | None:
        """The person's variant in a running experiment, its probability and bucket version;
        None when they do not take part."""
        compiled = self.config.experiments[key]
        variant = compiled.assign(self.hash_id, self.sticky)
        if variant is None:
            return None
        return variant, compiled.propensity[variant], compiled.model.bucket_version

    # Flags --------------------------------------------------------------------------------

    def flag(self, key: str) -> FlagValue:
        known = self._flags.get(key)
        if known is not None:
            return known
        if key in self._evaluating:  # refused when saved; guards stored data all the same
            return FlagValue(key, None, "default", "prerequisite")
        self._evaluating.add(key)
        try:
            value = self._evaluate_flag(self.config.flags[key])
        finally:
            self._evaluating.discard(key)
        self._flags[key] = value
        return value

    def _evaluate_flag(self, flag: CompiledFlag) -> FlagValue:
        model = flag.model
        if not model.enabled:
            return FlagValue(model.key, model.default, "default", "disabled")
        for pre in model.prerequisites:
            if pre.flag not in self.config.flags or self.flag(pre.flag).value != pre.value:
                return FlagValue(model.key, model.default, "default", "prerequisite")
        for rule in flag.rules:
            if not audience_matches(rule.audience, self.attributes, self.person.segments):
                continue
            if rule.experiment is not None:
                if self.held_out or not (
                    self.consent or self.config.settings.consent.experiments_without_consent
                ):
                    continue
                outcome = self._run_experiment(rule.experiment)
                if outcome is None:
                    continue
                variant, propensity, bucket_version = outcome
                decision_id = _decision_id()
                return FlagValue(
                    model.key, (rule.values or {})[variant], variant, "experiment",
                    rule.id, rule.experiment, decision_id, propensity, bucket_version,
                )  # fmt: skip
            if rule.rollout is not None:
                n = assignment.hash(model.key, self.hash_id, 2) or 0.0
                if n >= rule.rollout:
                    continue
                return FlagValue(model.key, rule.value, rule.id, "rollout", rule.id)
            return FlagValue(model.key, rule.value, rule.id, "targeting", rule.id)
        return FlagValue(model.key, model.default, "default", "default")


def decide_for(
    engine: Engine,
    workspace_id: int,
    config: CompiledConfig,
    request: DecideRequest,
    person: Person,
    now: datetime,
) -> DecideResult:
    """Decide for a person already loaded (:func:`load_person`), logging nothing.

    Only recommendation slots touch the database; everything else is computed in memory.
    """
    decider = _Decider(engine, workspace_id, config, request, person, now)
    decisions: dict[str, Decision] = {}
    wanted = request.placements if request.placements is not None else tuple(config.placements)
    for n, key in enumerate(wanted):
        if key not in config.placements:
            decider.errors.append(
                {"loc": f"placements[{n}]", "message": f"unknown placement {key!r}"}
            )
            continue
        decisions[key] = decider.placement(key)
    flags: dict[str, FlagValue] = {}
    wanted_flags = request.flags if request.flags is not None else config.flag_keys
    for n, key in enumerate(wanted_flags):
        if key not in config.flags:
            decider.errors.append({"loc": f"flags[{n}]", "message": f"unknown flag {key!r}"})
            continue
        flags[key] = decider.flag(key)
    return DecideResult(
        person.profile_id, decisions, flags, decider.errors, decider.held_out, decider.consent
    )


def decide(
    engine: Engine,
    workspace_id: int,
    request: DecideRequest,
    *,
    now: datetime | None = None,
    ingest_options: Mapping[str, Any] | None = None,
) -> DecideResult:
    """Decide every requested placement and flag for one person; log the exposures.

    Raises:
        ValidationError: neither ``user_id`` nor ``anonymous_id`` is given.
    """
    result, pending = _decided(engine, workspace_id, request, now, ingest_options)
    if pending is not None:
        _logged(engine, workspace_id, request, result, pending.writer.write(pending.messages))
    return result


async def decide_async(
    engine: Engine,
    workspace_id: int,
    request: DecideRequest,
    *,
    now: datetime | None = None,
    ingest_options: Mapping[str, Any] | None = None,
    queue: ExposureQueue | None = None,
) -> DecideResult:
    """:func:`decide` for an event loop: the decision is made in the calling thread (a read
    of the person and work in memory, a fraction of a millisecond); only the commit of the
    exposures is awaited, shared with the calls made meanwhile.

    With a ``queue`` the exposures are committed to it and ingested after the answer (see
    :mod:`tailored.decide._queue`); ``profile_id`` is then None for a person not yet known.
    """
    result, pending = _decided(engine, workspace_id, request, now, ingest_options)
    if pending is None:
        return result
    if queue is None:
        written = await pending.writer.write_async(pending.messages)
        _logged(engine, workspace_id, request, result, written)
        return result
    messages = pending.messages
    limit = pending.writer.options.get("max_event_bytes", events_stage.MAX_EVENT_BYTES)
    row = _applier.encode(messages)
    # The row holds every message (the first with the context they share), so each fits
    # when it does.
    if len(row) > limit and any(len(orjson.dumps(m)) > limit for m in messages):
        # Rare: let ingestion word the refusal, and queue the rest.
        options = {**pending.writer.options, "where": "exposures"}
        _, rejected = events_stage.validate_messages(messages, utcnow(), **options)
        refused = {r.index for r in rejected}
        written = Written(len(messages) - len(refused), [r.message for r in rejected])
        _logged(engine, workspace_id, request, result, written)
        messages = [m for i, m in enumerate(messages) if i not in refused]
        row = _applier.encode(messages)
    if messages:
        await queue.put(workspace_id, pending.writer.options, row)
    return result


@dataclass(frozen=True)
class _Pending:
    """The exposures of a decision, and the writer that will commit them."""

    writer: ExposureWriter
    messages: list[dict[str, Any]]


def _decided(
    engine: Engine,
    workspace_id: int,
    request: DecideRequest,
    now: datetime | None,
    ingest_options: Mapping[str, Any] | None,
) -> tuple[DecideResult, _Pending | None]:
    if not (request.user_id or request.anonymous_id):
        raise ValidationError(
            "userId or anonymousId is required: decisions are made for a person",
            [{"loc": "userId", "message": "give userId, anonymousId or both"}],
        )
    for name, value in (("userId", request.user_id), ("anonymousId", request.anonymous_id)):
        if value is not None and value.strip().lower() in events_stage.JUNK_IDS:
            raise ValidationError(
                f"{name} {value!r} is a placeholder, not a person's id",
                [{"loc": name, "message": "send the real id, or leave it out"}],
            )
    now = now or utcnow()
    ids = [i for i in (request.user_id, request.anonymous_id) if i]
    found = load_person_at_once(engine, workspace_id, ids)
    if found is None:
        with engine.connect() as conn:
            config = compiled_config(conn, workspace_id)
            found = load_person(conn, workspace_id, ids, config)
    person, config = found
    result = decide_for(engine, workspace_id, config, request, person, now)
    if request.dry_run:
        return result, None
    messages = exposure_messages(request, result, now)
    if not messages:
        return result, None
    options = dict(ingest_options or {})
    # What differs between requests goes into the events, so that calls share commits.
    request_ip = options.pop("request_ip", None)
    if request_ip or request.gpc:
        context = dict(messages[0]["context"])
        if request_ip and "ip" not in context:
            context["ip"] = request_ip
        if request.gpc:
            context["gpc"] = True
        for message in messages:
            message["context"] = context
    return result, _Pending(exposure_writer(engine, workspace_id, options), messages)


def _logged(
    engine: Engine,
    workspace_id: int,
    request: DecideRequest,
    result: DecideResult,
    written: Written,
) -> None:
    for reason in written.rejected:
        # Only the request's own context can make an exposure invalid (an oversized context).
        result.errors.append({"loc": "context", "message": reason})
        log.warning("exposure not logged: %s", reason)
    if written.accepted and result.profile_id is None:  # the exposure made the person a profile
        with engine.connect() as conn:
            result.profile_id = find_profile(
                conn, workspace_id, request.user_id or request.anonymous_id or ""
            )


def exposure_messages(
    request: DecideRequest, result: DecideResult, now: datetime
) -> list[dict[str, Any]]:
    """The ``Experience Viewed`` events that record a decide call's decisions.

    Decisions without consent are not recorded; flags are recorded when an experiment set them.
    """
    base: dict[str, Any] = {"type": "track", "event": EXPOSURE_EVENT, "timestamp": now.isoformat()}
    if request.user_id:
        base["userId"] = request.user_id
    if request.anonymous_id:
        base["anonymousId"] = request.anonymous_id
    context = {k: v for k, v in request.context.items() if k != "library"}
    context["library"] = {"name": LIBRARY}
    messages = []
    for decision in result.decisions.values():
        if decision.reason == "consent":
            continue
        props: dict[str, Any] = {
            "decision_id": decision.decision_id,
            "placement": decision.placement,
            "experience": decision.experience,
            "variant": decision.variant,
            "reason": decision.reason,
            "propensity": decision.propensity,
        }
        for name in ("experiment", "bucket_version", "version", "features"):
            value = getattr(decision, name)
            if value is not None:
                props[name] = value
        messages.append({**base, "messageId": decision.decision_id, "properties": props,
                         "context": context})  # fmt: skip
    for flag in result.flags.values():
        if flag.decision_id is None:
            continue
        props = {
            "decision_id": flag.decision_id,
            "flag": flag.key,
            "experiment": flag.experiment,
            "variant": flag.variant,
            "reason": flag.reason,
            "propensity": flag.propensity,
            "bucket_version": flag.bucket_version,
        }
        messages.append({**base, "messageId": flag.decision_id, "properties": props,
                         "context": context})  # fmt: skip
    return messages
