from __future__ import annotations

import pytest

from tailored import storage
from tailored.core import Conflict, NotFound, ValidationError
from tests.fixtures.databases import SECRET


def test_create_list_and_get_workspaces(engine):
    with engine.begin() as conn:
        shop = storage.create_workspace(conn, "shop-eu")
        assert storage.get_workspace(conn, "shop-eu") == shop
        assert [w.name for w in storage.list_workspaces(conn)] == ["default", "shop-eu"]


@pytest.mark.parametrize("name", ["", "Shop", "-x", "a b", "x" * 64, "shop/eu"])
def test_bad_workspace_names_are_refused(engine, name):
    with engine.begin() as conn, pytest.raises(ValidationError, match="invalid workspace name"):
        storage.create_workspace(conn, name)


def test_duplicate_and_unknown_workspaces(engine):
    with engine.begin() as conn:
        with pytest.raises(Conflict, match="already exists"):
            storage.create_workspace(conn, "default")
        with pytest.raises(NotFound, match="no workspace named 'nope'"):
            storage.get_workspace(conn, "nope")


def test_keys_are_stored_hashed_and_found_by_secret(engine):
    with engine.begin() as conn:
        ws = storage.ensure_default_workspace(conn)
        created = storage.create_key(conn, ws.id, "server", "backend", SECRET)
        stored = conn.execute(storage.api_keys.select()).mappings().one()
    assert created.secret.startswith("tls_")
    assert created.secret not in str(dict(stored))
    assert stored["prefix"] == created.secret[:12]
    with engine.connect() as conn:
        found = storage.find_key(conn, created.secret, SECRET)
        assert found == created.key
        assert storage.find_key(conn, created.secret + "x", SECRET) is None
        assert storage.find_key(conn, created.secret, "another pepper") is None


def test_scope_hierarchy(engine):
    with engine.begin() as conn:
        ws = storage.ensure_default_workspace(conn)
        keys = {s: storage.create_key(conn, ws.id, s, s, SECRET).key for s in storage.SCOPES}
    assert keys["admin"].allows("server") and keys["admin"].allows("write")
    assert keys["server"].allows("write") and not keys["server"].allows("admin")
    assert not keys["write"].allows("server")


def test_revoke_and_list_keys(engine):
    with engine.begin() as conn:
        ws = storage.ensure_default_workspace(conn)
        other = storage.create_workspace(conn, "other")
        a = storage.create_key(conn, ws.id, "write", "site", SECRET).key
        b = storage.create_key(conn, other.id, "admin", "ops", SECRET).key
        revoked = storage.revoke_key(conn, a.id)
        assert revoked.revoked_at is not None
        assert storage.revoke_key(conn, a.id).revoked_at == revoked.revoked_at
        assert [k.id for k in storage.list_keys(conn, ws.id)] == [a.id]
        assert {k.id for k in storage.list_keys(conn)} == {a.id, b.id}
        assert storage.get_key(conn, b.id).workspace == "other"
        with pytest.raises(NotFound):
            storage.revoke_key(conn, "key_missing")


@pytest.mark.parametrize(("scope", "name"), [("root", "x"), ("admin", " "), ("admin", "n" * 201)])
def test_bad_key_requests(engine, scope, name):
    with engine.begin() as conn, pytest.raises(ValidationError):
        storage.create_key(conn, 1, scope, name, SECRET)
