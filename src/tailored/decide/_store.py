"""Storing decide objects: validated on the way in, checked against each other, versioned.

Every write checks the whole workspace after the change (an experience's placement and
experiment exist, an experiment's variants match its experiences', prerequisites form no
cycle, experiments of a layer do not overlap, audiences name saved segments) so that what is
stored can always be compiled and decided with.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pydantic
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Conflict, NotFound, ValidationError, utcnow
from tailored.segments import segments as segments_table

from ._bandit import new_policy
from ._model import (
    KINDS,
    MODELS,
    Audience,
    BanditSettings,
    Experience,
    Experiment,
    Flag,
    Kind,
    Metric,
    Placement,
    Settings,
    check_key,
)
from ._tables import decide_objects

DecideObject = Placement | Experience | Experiment | Flag | Metric | Settings


def parse(kind: str, body: Any, *, where: str = "") -> DecideObject:
    """``body`` validated as a ``kind``; errors name each bad field (prefixed by ``where``).

    Raises:
        ValidationError: an unknown kind or an invalid body; ``details`` holds ``loc`` and
            ``message`` per problem.
    """
    model = MODELS.get(cast(Kind, kind))
    if model is None:
        raise ValidationError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    try:
        return cast(DecideObject, model.model_validate(body))
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(err["loc"]) for err in errors]
        details = [
            {"loc": _loc(where, err["loc"]), "message": _message(err)}
            for err in errors
            if not _repeats_an_item_error(err, locs)
        ]
        first = details[0]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise ValidationError(
            f"invalid {kind} at {first['loc'] or '(top)'}: {first['message']}{more}", details
        ) from None


def _loc(where: str, loc: Iterable[Any]) -> str:
    path = where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _repeats_an_item_error(err: Mapping[str, Any], locs: list[tuple[Any, ...]]) -> bool:
    """Whether ``err`` is pydantic's "at least N items after validation" for a list one of
    whose items already has its own error."""
    loc = tuple(err["loc"])
    return err["type"] == "too_short" and any(o != loc and o[: len(loc)] == loc for o in locs)


def _message(err: Mapping[str, Any]) -> str:
    if err.get("type") == "string_pattern_mismatch":
        return (
            "must be 1-100 lower-case letters, digits, '_', '-' or '.', starting with a "
            f"letter or digit (not {err.get('input')!r})"
        )
    message = str(err.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def to_body(obj: DecideObject) -> dict[str, Any]:
    """The object as stored and exported: JSON, defaults left out."""
    return obj.model_dump(mode="json", exclude_defaults=True) | {"key": obj.key}


@dataclass
class Snapshot:
    """Every decide object of a workspace, by kind and key, plus the saved segments' keys."""

    objects: dict[str, dict[str, DecideObject]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    segment_keys: set[str] = field(default_factory=set)

    @property
    def settings(self) -> Settings:
        """The workspace's settings (defaults when none were saved)."""
        return cast(Settings, self.objects["settings"].get("decide", Settings()))

    def of(self, kind: str) -> dict[str, Any]:
        """The objects of one kind by key."""
        return self.objects[kind]

    def copy(self) -> Snapshot:
        """A copy whose dicts can change without touching this one."""
        return Snapshot({k: dict(v) for k, v in self.objects.items()}, set(self.segment_keys))


def load_snapshot(conn: Connection, workspace_id: int) -> Snapshot:
    """Every stored object of the workspace (validated again: the models are the truth)."""
    snap = Snapshot()
    rows = conn.execute(
        sa.select(decide_objects.c.kind, decide_objects.c.key, decide_objects.c.body).where(
            decide_objects.c.workspace_id == workspace_id
        )
    )
    for kind, key, body in rows:
        if kind in snap.objects:
            snap.objects[kind][key] = parse(kind, body)
    snap.segment_keys = set(
        conn.execute(
            sa.select(segments_table.c.key).where(segments_table.c.workspace_id == workspace_id)
        ).scalars()
    )
    return snap


def check_snapshot(snap: Snapshot) -> list[dict[str, str]]:
    """Every broken reference between the objects, as ``{"loc", "message"}`` items."""
    problems: list[dict[str, str]] = []

    def problem(loc: str, message: str) -> None:
        problems.append({"loc": loc, "message": message})

    placements = snap.of("placement")
    experiments: dict[str, Experiment] = snap.of("experiment")
    flags: dict[str, Flag] = snap.of("flag")
    for key, exp in snap.of("experience").items():
        loc = f"experiences.{key}"
        if exp.placement not in placements:
            problem(f"{loc}.placement", f"no placement {exp.placement!r}")
        if exp.experiment is not None:
            test = experiments.get(exp.experiment)
            if test is None:
                problem(f"{loc}.experiment", f"no experiment {exp.experiment!r}")
            else:
                want = [v.key for v in test.variants]
                have = [v.key for v in exp.variants]
                if sorted(want) != sorted(have):
                    problem(
                        f"{loc}.variants",
                        f"variants {have} must be the experiment's variants {want}",
                    )
        if exp.allocation == "bandit":
            try:
                new_policy(exp.bandit or BanditSettings())
            except ValidationError as exc:
                problem(f"{loc}.bandit", exc.message)
        _audience_problems(exp.audience, f"{loc}.audience", snap, problem)
        for n, variant in enumerate(exp.variants):
            _audience_problems(variant.audience, f"{loc}.variants[{n}].audience", snap, problem)
    for key, flag in flags.items():
        loc = f"flags.{key}"
        for n, pre in enumerate(flag.prerequisites):
            if pre.flag not in flags:
                problem(f"{loc}.prerequisites[{n}].flag", f"no flag {pre.flag!r}")
        for n, rule in enumerate(flag.rules):
            _audience_problems(rule.audience, f"{loc}.rules[{n}].audience", snap, problem)
            if rule.experiment is None:
                continue
            test = experiments.get(rule.experiment)
            if test is None:
                problem(f"{loc}.rules[{n}].experiment", f"no experiment {rule.experiment!r}")
                continue
            want = sorted(v.key for v in test.variants)
            if sorted(rule.values or {}) != want:
                problem(f"{loc}.rules[{n}].values", f"needs one value for each of {want}")
    metrics: dict[str, Metric] = snap.of("metric")
    for key, test in experiments.items():
        for n, name in enumerate(test.metrics):
            if name not in metrics:
                problem(f"experiments.{key}.metrics[{n}]", f"no metric {name!r}")
    for key, metric in metrics.items():
        for part in ("numerator", "denominator"):
            ref = getattr(metric, part)
            if ref is None:
                continue
            other = metrics.get(ref)
            if other is None:
                problem(f"metrics.{key}.{part}", f"no metric {ref!r}")
            elif other.type not in ("count", "sum"):
                problem(
                    f"metrics.{key}.{part}", f"{ref!r} is a {other.type} metric; use a count or sum"
                )
    cycle = _prerequisite_cycle(flags)
    if cycle:
        problem(
            f"flags.{cycle[0]}.prerequisites", f"prerequisites form a cycle: {' -> '.join(cycle)}"
        )
    problems.extend(_layer_overlaps(experiments))
    return problems


def _audience_problems(audience: Audience | None, loc: str, snap: Snapshot, problem: Any) -> None:
    if audience is not None and audience.segment and audience.segment not in snap.segment_keys:
        problem(f"{loc}.segment", f"no segment {audience.segment!r}")


def _prerequisite_cycle(flags: Mapping[str, Flag]) -> list[str]:
    """A cycle of prerequisites as ``[a, b, a]``, or an empty list."""
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> list[str]:
        if key in path:
            return [*path[path.index(key) :], key]
        if key in done or key not in flags:
            return []
        for pre in flags[key].prerequisites:
            found = visit(pre.flag, [*path, key])
            if found:
                return found
        done.add(key)
        return []

    for key in sorted(flags):
        found = visit(key, [])
        if found:
            return found
    return []


def _layer_overlaps(experiments: Mapping[str, Experiment]) -> list[dict[str, str]]:
    by_layer: dict[str, list[tuple[float, float, str]]] = {}
    for key, exp in experiments.items():
        if exp.layer is not None and exp.status == "running":
            by_layer.setdefault(exp.layer.key, []).append((*exp.layer.range, key))
    problems = []
    for layer, ranges in by_layer.items():
        ranges.sort()
        for (_, end, a), (start, _, b) in itertools.pairwise(ranges):
            if start < end:
                problems.append(
                    {
                        "loc": f"experiments.{b}.layer.range",
                        "message": f"overlaps experiment {a!r} in layer {layer!r}",
                    }
                )
    return problems


def raise_for(problems: list[dict[str, str]]) -> None:
    """Refuse the change when the workspace would have broken references."""
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(f"{first['loc']}: {first['message']}{more}", problems)


def _where(workspace_id: int, kind: str, key: str) -> Any:
    return sa.and_(
        decide_objects.c.workspace_id == workspace_id,
        decide_objects.c.kind == kind,
        decide_objects.c.key == key,
    )


def get_object(conn: Connection, workspace_id: int, kind: str, key: str) -> dict[str, Any]:
    """One stored object with its ``version``, ``created_at`` and ``updated_at``.

    Raises:
        NotFound: the workspace has no such object.
    """
    row = (
        conn.execute(sa.select(decide_objects).where(_where(workspace_id, kind, key)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no {kind} {key!r} in this workspace")
    return _shown(row)


def _shown(row: Any) -> dict[str, Any]:
    return {
        **row["body"],
        "version": row["version"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def list_objects(conn: Connection, workspace_id: int, kind: str) -> list[dict[str, Any]]:
    """Every stored object of one kind, by key."""
    rows = conn.execute(
        sa.select(decide_objects)
        .where(decide_objects.c.workspace_id == workspace_id, decide_objects.c.kind == kind)
        .order_by(decide_objects.c.key)
    ).mappings()
    return [_shown(row) for row in rows]


def save_objects(
    conn: Connection,
    workspace_id: int,
    changes: Iterable[DecideObject],
    *,
    create_only: bool = False,
) -> list[str]:
    """Create or replace objects, after checking the workspace they leave; returns what
    happened to each (``created``, ``updated``, ``unchanged``).

    Raises:
        Conflict: ``create_only`` and an object of that kind and key exists.
        ValidationError: the change would break a reference.
    """
    changes = list(changes)
    snap = load_snapshot(conn, workspace_id)
    after = snap.copy()
    for obj in changes:
        kind = kind_of(obj)
        if create_only and obj.key in snap.of(kind):
            raise Conflict(
                f"{kind} {obj.key!r} already exists; PUT /v1/{kind}s/{obj.key} to change it"
            )
        after.objects[kind][obj.key] = obj
    raise_for(check_snapshot(after))
    now = utcnow()
    outcomes = []
    for obj in changes:
        kind = kind_of(obj)
        body = to_body(obj)
        old = snap.of(kind).get(obj.key)
        if old is None:
            conn.execute(
                decide_objects.insert().values(
                    workspace_id=workspace_id,
                    kind=kind,
                    key=obj.key,
                    body=body,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            outcomes.append("created")
        elif to_body(old) == body:
            outcomes.append("unchanged")
        else:
            conn.execute(
                decide_objects.update()
                .where(_where(workspace_id, kind, obj.key))
                .values(body=body, version=decide_objects.c.version + 1, updated_at=now)
            )
            outcomes.append("updated")
    return outcomes


def delete_objects(conn: Connection, workspace_id: int, kind: str, keys: Iterable[str]) -> None:
    """Delete objects nothing else refers to.

    Raises:
        NotFound: one of them does not exist.
        Conflict: another object still refers to one of them.
    """
    keys = list(keys)
    snap = load_snapshot(conn, workspace_id)
    after = snap.copy()
    for key in keys:
        if key not in snap.of(kind):
            raise NotFound(f"no {kind} {key!r} in this workspace")
        del after.objects[kind][key]
    problems = check_snapshot(after)
    if problems:
        users = sorted({p["loc"].split(".")[0] + "." + p["loc"].split(".")[1] for p in problems})
        raise Conflict(
            f"{kind} {', '.join(map(repr, keys))} is still used by {', '.join(users)}; "
            "change those first",
            problems,
        )
    for key in keys:
        conn.execute(decide_objects.delete().where(_where(workspace_id, kind, key)))


def kind_of(obj: DecideObject) -> Kind:
    """The kind of a decide object."""
    for kind, model in MODELS.items():
        if type(obj) is model:
            return kind
    raise TypeError(f"not a decide object: {obj!r}")


def check_path_key(kind: str, key: str) -> None:
    """Refuse a key in a URL that no object could have."""
    if kind == "settings":
        if key != "decide":
            raise NotFound("settings are kept under the key 'decide'")
        return
    check_key(key, f"{kind} key")
