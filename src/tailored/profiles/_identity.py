"""The identity graph: which profile each event belongs to, and when two profiles merge.

Rules (documented in docs/profiles.md):

- ``identify`` (or any event with both ids) links an ``anonymousId`` to a ``userId``. An
  anonymous profile that meets a user id becomes that user's profile, or merges into it if the
  user already has one.
- A profile has at most one ``userId``. When a device already linked to one user shows up with
  another (a shared laptop), the two users are never merged: the device moves to the newer user,
  so its later events go there, and earlier events stay with the first user.
- ``alias`` (``previousId`` -> ``userId``) merges the previous id's profile into the user's.
  The surviving profile keeps ``userId``; the previous id still resolves to it.

Resolution happens for a whole batch in memory: the identities involved are loaded with one
query, and only what changed is written back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored import storage
from tailored.core import new_id, utcnow
from tailored.events import EventRow, events

from ._tables import identities, profiles

USER, ANONYMOUS = "user", "anonymous"
Key = tuple[str, str]


@dataclass
class Resolution:
    """What a batch did to the identity graph (written by :func:`write_resolution`)."""

    links: dict[Key, str] = field(default_factory=dict)
    owners: dict[str, str | None] = field(default_factory=dict)
    known_links: dict[Key, str] = field(default_factory=dict)
    new_profiles: dict[str, str | None] = field(default_factory=dict)
    claimed: dict[str, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)

    def final(self, profile_id: str) -> str:
        """The profile that ``profile_id`` ended up in after this batch's merges."""
        while profile_id in self.merged:
            profile_id = self.merged[profile_id]
        return profile_id


def _links_of(kind: str, values: str) -> sa.Select[str, str, str, str | None]:
    return (
        sa.select(identities.c.kind, identities.c.value, profiles.c.id, profiles.c.user_id)
        .join(profiles, profiles.c.id == identities.c.profile_id)
        .where(
            identities.c.workspace_id == sa.bindparam("workspace_id"),
            identities.c.kind == kind,
            identities.c.value.in_(sa.bindparam(values, expanding=True)),
        )
    )


# One indexed lookup per kind (SQLite cannot use the key for a row-value IN list), built once:
# an empty list matches nothing.
_LINKS: sa.CompoundSelect[str, str, str, str | None] = sa.union_all(
    _links_of(USER, "users"), _links_of(ANONYMOUS, "anonymous")
)

#: The same on SQLite, for the driver; ``IN ()`` (an empty list) is valid there.
_SQLITE_LINKS = " UNION ALL ".join(
    "SELECT i.kind, i.value, p.id, p.user_id FROM profile_identities AS i "
    "JOIN profiles AS p ON p.id = i.profile_id "
    f"WHERE i.workspace_id = ? AND i.kind = '{kind}' AND i.value IN ({{{kind}}})"
    for kind in (USER, ANONYMOUS)
)


def _load(conn: Connection, workspace_id: int, rows: list[EventRow]) -> Resolution:
    keys: set[Key] = set()
    for row in rows:
        if row["user_id"]:
            keys.add((USER, row["user_id"]))
        if row["anonymous_id"]:
            keys.add((ANONYMOUS, row["anonymous_id"]))
        previous = (row.get("extra") or {}).get("previousId") if row["type"] == "alias" else None
        if previous:
            keys |= {(USER, str(previous)), (ANONYMOUS, str(previous))}
    res = Resolution()
    if not keys:
        return res
    by_kind: dict[str, list[str]] = {USER: [], ANONYMOUS: []}
    for kind, value in sorted(keys):
        by_kind[kind].append(value)
    users, anonymous = by_kind[USER], by_kind[ANONYMOUS]
    found: Iterable[tuple[str, str, str, str | None]]
    if conn.dialect.name == "sqlite":  # straight to the driver: no per-value parameter rendering
        marks = storage.sqlite_placeholders
        sql = _SQLITE_LINKS.format(user=marks(len(users)), anonymous=marks(len(anonymous)))
        found = conn.exec_driver_sql(sql, (workspace_id, *users, workspace_id, *anonymous))
    else:
        params = {"workspace_id": workspace_id, "users": users, "anonymous": anonymous}
        found = conn.execute(_LINKS, params)
    for kind, value, profile_id, user_id in found:
        if (kind, value) in keys:
            res.links[(kind, value)] = profile_id
            res.known_links[(kind, value)] = profile_id
            res.owners[profile_id] = user_id
    return res


class _Resolver:
    def __init__(self, res: Resolution) -> None:
        self.res = res

    def profile_of(self, key: Key) -> str | None:
        profile = self.res.links.get(key)
        return None if profile is None else self.res.final(profile)

    def create(self, user_id: str | None) -> str:
        profile = new_id("prof")
        self.res.new_profiles[profile] = user_id
        self.res.owners[profile] = user_id
        return profile

    def link(self, key: Key, profile: str) -> None:
        self.res.links[key] = profile

    def merge(self, loser: str, survivor: str) -> None:
        if loser != survivor:
            self.res.merged[loser] = survivor

    def for_user(self, user_id: str) -> str:
        profile = self.profile_of((USER, user_id))
        if profile is None:
            profile = self.create(user_id)
            self.link((USER, user_id), profile)
        return profile

    def resolve(self, user_id: str | None, anonymous_id: str | None) -> str:
        device = self.profile_of((ANONYMOUS, anonymous_id)) if anonymous_id else None
        if user_id is None:
            if device is None:
                assert anonymous_id is not None
                device = self.create(None)
                self.link((ANONYMOUS, anonymous_id), device)
            return device
        person = self.profile_of((USER, user_id))
        if person is None and device is not None and self.res.owners.get(device) is None:
            self.res.owners[device] = user_id  # an anonymous profile becomes the user's
            self.res.claimed[device] = user_id
            self.link((USER, user_id), device)
            return device
        person = person or self.for_user(user_id)
        if anonymous_id and device != person:
            if device is not None and self.res.owners.get(device) is None:
                self.merge(device, person)
            self.link((ANONYMOUS, anonymous_id), person)
        return person

    def alias(self, user_id: str, previous: str) -> str:
        person = self.for_user(user_id)
        old = self.profile_of((USER, previous)) or self.profile_of((ANONYMOUS, previous))
        if old is None:
            self.link((ANONYMOUS, previous), person)
        else:
            self.merge(old, person)
        return person


def resolve_batch(conn: Connection, workspace_id: int, rows: list[EventRow]) -> Resolution:
    """Assign ``profile_id`` to every row (in event-time order) and plan the graph's changes."""
    res = _load(conn, workspace_id, rows)
    resolver = _Resolver(res)
    for row in sorted(rows, key=lambda r: r["timestamp"]):
        previous = (row.get("extra") or {}).get("previousId")
        if row["type"] == "alias" and row["user_id"] and previous:
            row["profile_id"] = resolver.alias(row["user_id"], str(previous))
        else:
            row["profile_id"] = resolver.resolve(row["user_id"], row["anonymous_id"])
    for row in rows:
        row["profile_id"] = res.final(str(row["profile_id"]))
    return res


_CLAIM = (
    profiles.update()
    .where(profiles.c.id == sa.bindparam("pid"))
    .values(user_id=sa.bindparam("user_id"))
)


def write_resolution(conn: Connection, workspace_id: int, res: Resolution) -> None:
    """Write new profiles, links, claimed user ids and merges of one batch."""
    now = utcnow()
    if res.new_profiles:
        conn.execute(
            profiles.insert(),
            [
                {"id": p, "workspace_id": workspace_id,
                 "user_id": None if p in res.merged else res.owners.get(p),
                 "merged_into": res.final(p) if p in res.merged else None,
                 "state": None if p in res.merged else {}, "created_at": now, "updated_at": now}
                for p in res.new_profiles
            ],
        )  # fmt: skip
    _merge_rows(conn, workspace_id, res)
    claims = [
        {"pid": profile, "user_id": user_id}
        for profile, user_id in res.claimed.items()
        if profile not in res.merged
    ]
    if claims:
        conn.execute(_CLAIM, claims)
    changed = {
        k: res.final(p) for k, p in res.links.items() if res.known_links.get(k) != res.final(p)
    }
    fresh = [k for k in changed if k not in res.known_links]
    if fresh:
        conn.execute(
            identities.insert(),
            [{"workspace_id": workspace_id, "kind": k, "value": v, "profile_id": changed[(k, v)],
              "created_at": now} for k, v in fresh],
        )  # fmt: skip
    for (kind, value), profile in changed.items():
        if (kind, value) in res.known_links:
            conn.execute(
                identities.update()
                .where(
                    identities.c.workspace_id == workspace_id,
                    identities.c.kind == kind,
                    identities.c.value == value,
                )
                .values(profile_id=profile)
            )


def _merge_rows(conn: Connection, workspace_id: int, res: Resolution) -> None:
    for loser in res.merged:
        if loser in res.new_profiles:
            continue  # inserted as a tombstone already; no events or identities yet
        survivor = res.final(loser)
        conn.execute(
            events.update()
            .where(events.c.workspace_id == workspace_id, events.c.profile_id == loser)
            .values(profile_id=survivor)
        )
        conn.execute(
            identities.update().where(identities.c.profile_id == loser).values(profile_id=survivor)
        )
        conn.execute(
            profiles.update()
            .where(sa.or_(profiles.c.id == loser, profiles.c.merged_into == loser))
            .values(merged_into=survivor, user_id=None, state=None)
        )
