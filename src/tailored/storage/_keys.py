"""API keys: scoped, bound to one workspace, stored only as a keyed hash, shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import NotFound, ValidationError, new_id, utcnow

from ._tables import api_keys, workspaces

Scope = Literal["write", "server", "admin"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
_RANK = {"write": 0, "server": 1, "admin": 2}
_PREFIX = {"write": "tlw_", "server": "tls_", "admin": "tla_"}


@dataclass(frozen=True)
class ApiKey:
    """A stored key (without its secret)."""

    id: str
    workspace_id: int
    workspace: str
    name: str
    scope: Scope
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    def allows(self, required: Scope) -> bool:
        """Whether this key's scope covers ``required`` (admin > server > write)."""
        return _RANK[self.scope] >= _RANK[required]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (no secret)."""
        return {
            "id": self.id,
            "workspace": self.workspace,
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class CreatedKey:
    """A new key and its secret, which is never stored and never shown again."""

    key: ApiKey
    secret: str


def hash_key(secret: str, pepper: str) -> str:
    """The keyed hash under which a key is stored."""
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def create_key(
    conn: Connection, workspace_id: int, scope: str, name: str, pepper: str
) -> CreatedKey:
    """Create a key for ``workspace_id`` with ``scope``; the secret is in the result only."""
    if scope not in _RANK:
        raise ValidationError(
            f"unknown scope {scope!r}: choose one of {', '.join(SCOPES)}",
            [{"loc": ["scope"], "message": f"must be one of {', '.join(SCOPES)}"}],
        )
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError(
            "a key needs a name of 1 to 200 characters",
            [{"loc": ["name"], "message": "must be 1 to 200 characters"}],
        )
    secret = _PREFIX[scope] + secrets.token_urlsafe(24)
    values = {
        "id": new_id("key", 12),
        "workspace_id": workspace_id,
        "name": name,
        "scope": scope,
        "prefix": secret[:12],
        "key_hash": hash_key(secret, pepper),
        "created_at": utcnow(),
        "revoked_at": None,
    }
    conn.execute(api_keys.insert().values(**values))
    return CreatedKey(key=get_key(conn, str(values["id"])), secret=secret)


def _select() -> sa.Select[Any]:
    return sa.select(
        api_keys.c.id,
        api_keys.c.workspace_id,
        workspaces.c.name.label("workspace"),
        api_keys.c.name,
        api_keys.c.scope,
        api_keys.c.prefix,
        api_keys.c.created_at,
        api_keys.c.revoked_at,
    ).join(workspaces, workspaces.c.id == api_keys.c.workspace_id)


def _from_row(row: Any) -> ApiKey:
    return ApiKey(**row._mapping)


def get_key(conn: Connection, key_id: str) -> ApiKey:
    """The key with id ``key_id``; :class:`NotFound` if there is none."""
    row = conn.execute(_select().where(api_keys.c.id == key_id)).first()
    if row is None:
        raise NotFound(f"no API key with id {key_id!r} (see `tailored keys list`)")
    return _from_row(row)


def find_key(conn: Connection, secret: str, pepper: str) -> ApiKey | None:
    """The stored key matching a presented secret (revoked or not), or ``None``."""
    return find_key_by_hash(conn, hash_key(secret, pepper))


def find_key_by_hash(conn: Connection, key_hash: str) -> ApiKey | None:
    """The stored key whose secret hashes (:func:`hash_key`) to ``key_hash``, or ``None``."""
    row = conn.execute(_select().where(api_keys.c.key_hash == key_hash)).first()
    return None if row is None else _from_row(row)


def list_keys(conn: Connection, workspace_id: int | None = None) -> list[ApiKey]:
    """Keys, oldest first, of one workspace or of all."""
    query = _select().order_by(api_keys.c.created_at, api_keys.c.id)
    if workspace_id is not None:
        query = query.where(api_keys.c.workspace_id == workspace_id)
    return [_from_row(r) for r in conn.execute(query)]


def revoke_key(conn: Connection, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first time."""
    key = get_key(conn, key_id)
    if key.revoked_at is None:
        conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=utcnow()))
    return get_key(conn, key_id)
