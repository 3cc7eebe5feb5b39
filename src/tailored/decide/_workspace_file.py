"""A workspace's configuration as one YAML file: read it, plan the change, apply it, export it.

The file holds ``settings`` (one mapping) and lists of ``segments``, ``placements``,
``experiments``, ``experiences`` and ``flags``. Every problem is reported with the file, the
line and the path of the field (``workspace.yaml:14: experiences[0].variants[1].key: ...``):
the YAML is composed into nodes first, and each node keeps the line it starts on.
"""

from __future__ import annotations

import graphlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from tailored import segments, storage
from tailored.conditions import validate
from tailored.core import Conflict, ValidationError

from ._compiled import invalidate
from ._model import KINDS, Settings
from ._store import (
    DecideObject,
    Snapshot,
    _loc,
    _message,
    check_snapshot,
    delete_objects,
    load_snapshot,
    parse,
    save_objects,
    to_body,
)
from ._yaml_text import Problem, compose, dump, format_problem, line_of

__all__ = [
    "SECTIONS",
    "Change",
    "FieldChange",
    "Plan",
    "SegmentSpec",
    "WorkspaceFile",
    "apply_plan",
    "export_workspace",
    "format_problem",
    "load_workspace_file",
    "plan",
]

#: The file's sections, in the order they are exported, with the kind each one holds.
SECTIONS: dict[str, str] = {
    "settings": "settings",
    "segments": "segment",
    "placements": "placement",
    "metrics": "metric",
    "experiments": "experiment",
    "experiences": "experience",
    "flags": "flag",
}
_SECTION_OF = {kind: section for section, kind in SECTIONS.items()}
Action = Literal["create", "update", "unchanged", "delete"]


class SegmentSpec(BaseModel):
    """A saved segment as a workspace file holds it (built-in segments are not exported)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    """Lower-case letters, digits, ``-`` and ``_``; up to 100 characters."""
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    condition: dict[str, Any]
    """A condition of the condition language (``$event``, ``$sequence``, ``$segment``...)."""

    def body(self) -> dict[str, Any]:
        """The segment as exported: the description left out when empty."""
        return _segment_body(self.key, self.name, self.description, self.condition)


@dataclass(frozen=True)
class WorkspaceFile:
    """A read and validated workspace file; objects keep the file's order."""

    path: str
    settings: Settings | None
    """The decide settings; None when the file has no ``settings`` section."""
    segments: tuple[SegmentSpec, ...]
    objects: dict[str, tuple[DecideObject, ...]]
    """Placements, experiments, flags and experiences by kind (settings are apart)."""
    root: yaml.Node | None = field(repr=False, default=None)

    def problem(self, loc: str, message: str) -> Problem:
        """A problem at ``loc``, with the line of that field or of its nearest parent."""
        line = line_of(self.root, loc)
        return Problem(self.path, line, None, loc, message)

    def reference_problem(self, detail: Mapping[str, Any]) -> Problem:
        """A problem found by key (``experiences.hero.placement``) placed at its file line."""
        loc = str(detail.get("loc", ""))
        section, _, rest = loc.partition(".")
        kind = SECTIONS.get(section)
        if kind is None or kind == "settings":
            return self.problem(loc, str(detail["message"]))
        keys = [obj.key for obj in self._of(kind)]
        matches = [k for k in keys if rest == k or rest.startswith(f"{k}.")]
        if not matches:
            message = f"{detail['message']} (in a stored {kind} this file does not hold)"
            return Problem(self.path, None, None, loc, message)
        key = max(matches, key=len)
        return self.problem(f"{section}[{keys.index(key)}]{rest[len(key) :]}", detail["message"])

    def _of(self, kind: str) -> tuple[SegmentSpec, ...] | tuple[DecideObject, ...]:
        return self.segments if kind == "segment" else self.objects.get(kind, ())


def load_workspace_file(path: str | Path) -> WorkspaceFile:
    """Read, parse and validate a workspace file; nothing is looked up in a database.

    Raises:
        ValidationError: Every problem found, one item of ``details`` each with ``file``,
            ``line``, ``column``, ``loc`` and ``message`` (see :func:`format_problem`).
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {name}: {exc}") from None
    root, data, problems = compose(name, text)
    if root is None and problems:  # a syntax error: there is nothing more to check
        raise _error(name, problems)
    wf = WorkspaceFile(name, None, (), {}, root)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _error(name, [wf.problem("", "the file must be a mapping of sections")])
    for section in data:
        if section not in SECTIONS:
            allowed = ", ".join(SECTIONS)
            problems.append(wf.problem(str(section), f"unknown section; use {allowed}"))
    settings = _settings(wf, data, problems)
    specs = tuple(_read(wf, data, "segments", problems))
    objects: dict[str, tuple[DecideObject, ...]] = {
        kind: tuple(cast(DecideObject, o) for o in _read(wf, data, _SECTION_OF[kind], problems))
        for kind in KINDS
        if kind != "settings"
    }
    if problems:
        raise _error(name, problems)
    return WorkspaceFile(name, settings, cast(tuple[SegmentSpec, ...], specs), objects, root)


def _settings(wf: WorkspaceFile, data: dict[Any, Any], problems: list[Problem]) -> Settings | None:
    if "settings" not in data:
        return None
    body = {} if data["settings"] is None else data["settings"]
    try:
        return cast(Settings, parse("settings", body, where="settings"))
    except ValidationError as exc:
        problems.extend(wf.problem(d["loc"], d["message"]) for d in exc.details)
        return None


def _read(
    wf: WorkspaceFile, data: dict[Any, Any], section: str, problems: list[Problem]
) -> list[SegmentSpec | DecideObject]:
    items = data.get(section) or []
    if not isinstance(items, list):
        problems.append(wf.problem(section, "must be a list of objects"))
        return []
    found: list[SegmentSpec | DecideObject] = []
    first: dict[str, int] = {}
    for n, item in enumerate(items):
        where = f"{section}[{n}]"
        key = item.get("key") if isinstance(item, dict) else None
        if isinstance(key, str) and key in first:
            message = f"duplicate key {key!r}: {section}[{first[key]}] has it too"
            problems.append(wf.problem(f"{where}.key", message))
            continue
        if isinstance(key, str):
            first[key] = n
        try:
            found.append(_parse(SECTIONS[section], item, where))
        except ValidationError as exc:
            problems.extend(wf.problem(d["loc"], d["message"]) for d in exc.details)
    return found


def _parse(kind: str, body: Any, where: str) -> SegmentSpec | DecideObject:
    if kind != "segment":
        return parse(kind, body, where=where)
    try:
        spec = SegmentSpec.model_validate(body)
    except pydantic.ValidationError as exc:
        details = [{"loc": _loc(where, e["loc"]), "message": _message(e)} for e in exc.errors()]
        raise ValidationError(f"invalid segment at {where}", details) from None
    problems = [p.as_detail() for p in validate(spec.condition)]
    for problem in problems:
        problem["loc"] = f"{where}.condition{problem['loc'][1:]}"
    if problems:
        raise ValidationError(f"invalid segment condition at {where}", problems)
    return spec


def _error(path: str, problems: list[Problem]) -> ValidationError:
    problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    return ValidationError(f"{path}: {count}", [p.as_detail() for p in problems])


_DEFAULT = object()


@dataclass(frozen=True)
class FieldChange:
    """One top-level field an update changes; a field left out takes its default."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {_short(self.old)} -> {_short(self.new)}"


def _short(value: Any, width: int = 60) -> str:
    if value is _DEFAULT:
        return "(default)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class Change:
    """What applying the file does to one object."""

    kind: str
    """``segment`` or a decide kind."""
    key: str
    action: Action
    fields: tuple[FieldChange, ...] = ()
    """For ``update``: the top-level fields that change."""


@dataclass(frozen=True)
class Plan:
    """Every change applying a file makes, checked against the whole workspace after it."""

    file: WorkspaceFile
    changes: tuple[Change, ...]
    """In the file's section order, deletions last."""
    segment_writes: tuple[tuple[Action, SegmentSpec], ...]
    """Creations and updates, each segment after those it refers to."""
    saves: tuple[DecideObject, ...]
    deletions: tuple[tuple[str, str], ...]
    """``(kind, key)`` in the order they are deleted: what refers to others first."""

    def counts(self) -> Counter[str]:
        """How many objects each action touches."""
        return Counter(change.action for change in self.changes)

    @property
    def empty(self) -> bool:
        """Whether applying changes nothing."""
        return all(change.action == "unchanged" for change in self.changes)


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    names = [*new, *(k for k in old if k not in new)]
    return tuple(
        FieldChange(name, old.get(name, _DEFAULT), new.get(name, _DEFAULT))
        for name in names
        if old.get(name, _DEFAULT) != new.get(name, _DEFAULT)
    )


def _change(kind: str, key: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Change:
    if old is None:
        return Change(kind, key, "create")
    fields = _diff(old, new)
    return Change(kind, key, "update", fields) if fields else Change(kind, key, "unchanged")


def plan(engine: Engine, workspace_id: int, wf: WorkspaceFile, prune: bool = False) -> Plan:
    """What applying ``wf`` would change, checked as a whole; nothing is written.

    With ``prune``, stored objects the file does not hold are deleted (built-in segments are
    kept; stored settings go back to the defaults when the file has no ``settings``).

    Raises:
        ValidationError: A segment condition or a reference between objects would be broken
            (``details`` as for :func:`load_workspace_file`).
    """
    with engine.connect() as conn:
        snap = load_snapshot(conn, workspace_id)
        stored = {s.key: s for s in segments.list_segments(conn, workspace_id)}
    problems: list[Problem] = []
    changes, writes, kept = _plan_segments(wf, stored, prune, problems)
    after = snap.copy()
    after.segment_keys = kept
    saves: list[DecideObject] = []
    for kind in ("settings", *(k for k in SECTIONS.values() if k in wf.objects)):
        file_objects = wf.objects.get(kind, ()) if kind != "settings" else (wf.settings,)
        for obj in file_objects:
            if obj is None:
                continue
            old = snap.of(kind).get(obj.key)
            changes.append(
                _change(kind, obj.key, None if old is None else to_body(old), to_body(obj))
            )
            if changes[-1].action != "unchanged":
                saves.append(obj)
            after.objects[kind][obj.key] = obj
    deletions = _decide_deletions(snap, wf, prune) + [("segment", k) for k in _doomed(stored, kept)]
    for kind, key in deletions:
        after.objects.get(kind, {}).pop(key, None)
        changes.append(Change(kind, key, "delete"))
    problems.extend(wf.reference_problem(d) for d in check_snapshot(after))
    if problems:
        raise _error(wf.path, problems)
    return Plan(wf, tuple(changes), tuple(writes), tuple(saves), tuple(deletions))


def _plan_segments(
    wf: WorkspaceFile,
    stored: Mapping[str, segments.Segment],
    prune: bool,
    problems: list[Problem],
) -> tuple[list[Change], list[tuple[Action, SegmentSpec]], set[str]]:
    """The segments' changes, their writes in reference order, and the keys kept."""
    mine = {spec.key: spec for spec in wf.segments}
    final = {k: s.condition for k, s in stored.items() if not prune or s.builtin or k in mine}
    final |= {key: spec.condition for key, spec in mine.items()}
    changes, order = [], graphlib.TopologicalSorter[str]()
    for n, spec in enumerate(wf.segments):
        others = {k: c for k, c in final.items() if k != spec.key}
        try:
            needs = segments.check_condition(spec.key, spec.condition, others)
        except ValidationError as exc:
            for d in exc.details:
                loc = f"segments[{n}]." + str(d["loc"]).removeprefix("body.")
                problems.append(wf.problem(loc, d["message"]))
            continue
        order.add(spec.key, *(ref for ref, _ in needs.refs if ref in mine))
        old = stored.get(spec.key)
        old_body = None if old is None else _stored_body(old)
        changes.append(_change("segment", spec.key, old_body, spec.body()))
    for key, condition in final.items():
        if key not in mine:
            for ref, _ in segments.needs_of(condition).refs:
                if ref not in final:
                    message = f"stored segment {key!r} refers to {ref!r}, which --prune deletes"
                    problems.append(Problem(wf.path, None, None, "segments", message))
    if problems:
        return changes, [], set(final)
    actions = {c.key: c.action for c in changes}
    writes = [(actions[k], mine[k]) for k in order.static_order() if actions[k] != "unchanged"]
    return changes, writes, set(final)


def _segment_body(key: str, name: str, description: str, condition: Any) -> dict[str, Any]:
    described = {"description": description} if description else {}
    return {"key": key, "name": name, **described, "condition": condition}


def _stored_body(segment: segments.Segment) -> dict[str, Any]:
    return _segment_body(segment.key, segment.name, segment.description, segment.condition)


def _doomed(stored: Mapping[str, segments.Segment], kept: set[str]) -> list[str]:
    """Stored segments not kept, each before the segments it refers to."""
    order = graphlib.TopologicalSorter[str]()
    for key, segment in stored.items():
        if key not in kept:
            refs = (ref for ref, _ in segments.needs_of(segment.condition).refs)
            order.add(key, *(ref for ref in refs if ref not in kept))
    return list(reversed(list(order.static_order())))


def _decide_deletions(snap: Snapshot, wf: WorkspaceFile, prune: bool) -> list[tuple[str, str]]:
    if not prune:
        return []
    deletions: list[tuple[str, str]] = []
    for kind in reversed(KINDS):
        if kind == "settings":
            keys = {"decide"} if wf.settings is not None else set()
        else:
            keys = {obj.key for obj in wf.objects.get(kind, ())}
        deletions += [(kind, key) for key in sorted(snap.of(kind)) if key not in keys]
    return deletions


def apply_plan(
    engine: Engine,
    workspace_id: int,
    plan: Plan,
    progress: segments.Progress | None = None,
) -> None:
    """Make the planned changes: segments one by one (each computed at once), then every
    decide object in one transaction, then the segments to delete.

    Raises:
        ValidationError: The workspace changed since the plan and a reference would break.
    """
    for action, spec in plan.segment_writes:
        if action == "create":
            segments.create_segment(
                engine, workspace_id, spec.key, spec.name, spec.condition,
                description=spec.description, progress=progress,
            )  # fmt: skip
        else:
            changed = {c.field: getattr(spec, c.field) for c in _fields(plan, spec.key)}
            segments.update_segment(engine, workspace_id, spec.key, changed, progress=progress)
    decide_deletions = [(kind, key) for kind, key in plan.deletions if kind != "segment"]
    if plan.saves or decide_deletions:
        try:
            with storage.write_transaction(engine) as conn:
                # Experiences first: nothing refers to them, and a pruned one may still use a
                # placement or experiment the file changes.
                doomed = _by_kind(decide_deletions)
                if "experience" in doomed:
                    delete_objects(conn, workspace_id, "experience", doomed.pop("experience"))
                save_objects(conn, workspace_id, plan.saves)
                for kind, keys in doomed.items():
                    delete_objects(conn, workspace_id, kind, keys)
                invalidate(conn, workspace_id)
        except (ValidationError, Conflict) as exc:
            problems = [plan.file.reference_problem(d) for d in exc.details]
            raise _error(plan.file.path, problems) from None
    for kind, key in plan.deletions:
        if kind == "segment":
            segments.delete_segment(engine, workspace_id, key)


def _by_kind(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Keys grouped by kind, kinds in the order they first appear."""
    grouped: dict[str, list[str]] = {}
    for kind, key in pairs:
        grouped.setdefault(kind, []).append(key)
    return grouped


def _fields(plan: Plan, key: str) -> tuple[FieldChange, ...]:
    for change in plan.changes:
        if change.kind == "segment" and change.key == key:
            return change.fields
    return ()


def export_workspace(engine: Engine, workspace_id: int) -> str:
    """The workspace's configuration as a YAML file that :func:`load_workspace_file` reads.

    Sections come in a fixed order and objects by key, so two exports of the same
    configuration are the same text. Built-in segments are left out.
    """
    with engine.connect() as conn:
        snap = load_snapshot(conn, workspace_id)
        found = [s for s in segments.list_segments(conn, workspace_id) if not s.builtin]
    doc: dict[str, Any] = {}
    if "decide" in snap.of("settings"):
        doc["settings"] = {k: v for k, v in to_body(snap.settings).items() if k != "key"}
    if found:
        doc["segments"] = [_stored_body(s) for s in found]
    for section, kind in SECTIONS.items():
        objects = snap.of(kind) if kind not in ("settings", "segment") else {}
        if objects:
            doc[section] = [{"key": key, **to_body(objects[key])} for key in sorted(objects)]
    header = "# tailored workspace configuration: `tailored apply` reads this file back.\n"
    if not doc:
        return header + "{}\n"
    return header + dump(doc)
