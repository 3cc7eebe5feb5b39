"""API-key authentication as FastAPI dependencies: ``WriteKey``, ``ServerKey``, ``AdminKey``.

A key is read from ``Authorization: Bearer <key>`` or from HTTP Basic with the key as the
username and an empty password (as Segment's libraries send it). Scopes nest:
``admin`` covers ``server``, which covers ``write``.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from tailored import storage
from tailored.core import Forbidden, Unauthorized

from ._state import state_of

_HINT = "send it as 'Authorization: Bearer <key>' (create one with `tailored keys create`)"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key, and the workspace it belongs to."""

    key: storage.ApiKey

    @property
    def workspace_id(self) -> int:
        """The workspace every read and write of this request is confined to."""
        return self.key.workspace_id


def presented_key(request: Request) -> str | None:
    """The key in the ``Authorization`` header, or ``None``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("malformed Basic credentials: not base64 of 'key:'") from exc
        return decoded.partition(":")[0] or None
    return None


#: The keyed hash of the keys presented lately: callers send the same few keys again and again.
_hash_key = functools.lru_cache(maxsize=1024)(storage.hash_key)


def authenticate(request: Request, secret: str | None, required: storage.Scope) -> Principal:
    """Check ``secret`` against the stored keys and ``required`` scope."""
    if not secret:
        raise Unauthorized(f"missing API key: {_HINT}")
    state = state_of(request)
    key_hash = _hash_key(secret, state.settings.secret_key.get_secret_value())
    key = state.keys.get(key_hash)
    if key is None:
        with state.engine.connect() as conn:
            key = storage.find_key_by_hash(conn, key_hash)
        if key is not None:
            state.keys.put(key_hash, key)
    if key is None:
        raise Unauthorized(f"unknown API key {secret[:12]}...: {_HINT}")
    if key.revoked_at is not None:
        raise Unauthorized(f"API key {key.id} was revoked at {key.revoked_at.isoformat()}")
    if not key.allows(required):
        raise Forbidden(
            f"API key {key.id} has scope '{key.scope}'; this endpoint needs a '{required}' key"
        )
    return Principal(key)


def require(scope: storage.Scope) -> Callable[[Request], Principal]:
    """A dependency admitting keys whose scope covers ``scope``."""

    def dependency(request: Request) -> Principal:
        return authenticate(request, presented_key(request), scope)

    dependency.__name__ = f"require_{scope}_key"
    return dependency


WriteKey = Annotated[Principal, Depends(require("write"))]
ServerKey = Annotated[Principal, Depends(require("server"))]
AdminKey = Annotated[Principal, Depends(require("admin"))]
