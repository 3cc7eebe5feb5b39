from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from tailored.server import AdminKey, ServerKey, WriteKey, create_app
from tests.fixtures.servers import LiveServer, serve


def _scoped_app(settings) -> FastAPI:
    app = create_app(settings)

    def write(p: WriteKey) -> dict:
        return {"workspace_id": p.workspace_id}

    def server(p: ServerKey) -> dict:
        return {"workspace_id": p.workspace_id}

    def admin(p: AdminKey) -> dict:
        return {"workspace_id": p.workspace_id}

    app.add_api_route("/t/write", write)
    app.add_api_route("/t/server", server)
    app.add_api_route("/t/admin", admin)
    return app


@pytest.fixture
def scoped(settings):
    app = _scoped_app(settings)
    with serve(app) as url, httpx.Client(base_url=url) as client:
        yield LiveServer(url=url, app=app, settings=settings, client=client)


def _get(server, path, key):
    return server.client.get(path, headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("write", {"/t/write"}),
        ("server", {"/t/write", "/t/server"}),
        ("admin", {"/t/write", "/t/server", "/t/admin"}),
    ],
)
def test_scopes(scoped, scope, allowed):
    key = scoped.key(scope)
    for path in ("/t/write", "/t/server", "/t/admin"):
        answer = _get(scoped, path, key)
        if path in allowed:
            assert answer.status_code == 200, path
        else:
            assert answer.status_code == 403, path
            assert answer.json()["error"]["code"] == "forbidden"
            assert f"has scope '{scope}'" in answer.json()["error"]["message"]


def test_missing_and_unknown_keys_are_401(scoped):
    answer = scoped.client.get("/t/write")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "missing API key" in answer.json()["error"]["message"]
    unknown = _get(scoped, "/t/write", "tlw_not-a-real-key")
    assert unknown.status_code == 401
    assert "unknown API key" in unknown.json()["error"]["message"]


def test_revoked_key_is_401(scoped):
    admin = scoped.key("admin")
    key = scoped.key("server")
    key_id = _get(scoped, "/v1/whoami", key).json()["id"]
    assert _get(scoped, "/t/server", key).status_code == 200
    revoked = scoped.client.delete(
        f"/v1/keys/{key_id}", headers={"Authorization": f"Bearer {admin}"}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    answer = _get(scoped, "/t/server", key)
    assert answer.status_code == 401
    assert "revoked" in answer.json()["error"]["message"]


def test_basic_auth_with_the_key_as_username(scoped):
    key = scoped.key("write")
    token = base64.b64encode(f"{key}:".encode()).decode()
    assert (
        scoped.client.get("/t/write", headers={"Authorization": f"Basic {token}"}).status_code
        == 200
    )
    bad = scoped.client.get("/t/write", headers={"Authorization": "Basic %%%"})
    assert bad.status_code == 401 and "malformed Basic" in bad.json()["error"]["message"]


def test_keys_never_cross_workspaces(scoped):
    default_admin = scoped.key("admin")
    other_admin = scoped.key("admin", workspace="other")
    other_key = scoped.key("write", workspace="other")
    other_id = _get(scoped, "/v1/whoami", other_key).json()["id"]
    assert _get(scoped, "/v1/whoami", other_key).json()["workspace"] == "other"
    listed = _get(scoped, "/v1/keys", default_admin).json()["keys"]
    assert other_id not in {k["id"] for k in listed}
    revoke = scoped.client.delete(
        f"/v1/keys/{other_id}", headers={"Authorization": f"Bearer {default_admin}"}
    )
    assert revoke.status_code == 404
    assert _get(scoped, "/v1/whoami", other_key).status_code == 200, "still valid"
    ws_ids = {
        _get(scoped, "/t/write", k).json()["workspace_id"] for k in (default_admin, other_admin)
    }
    assert len(ws_ids) == 2


def test_admin_creates_keys_shown_once(scoped):
    admin = scoped.key("admin")
    created = scoped.client.post(
        "/v1/keys",
        json={"name": "site", "scope": "write"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith("tlw_") and body["scope"] == "write"
    listed = _get(scoped, "/v1/keys", admin).json()["keys"]
    assert all("key" not in k for k in listed)
    assert _get(scoped, "/v1/whoami", body["key"]).json()["name"] == "site"
