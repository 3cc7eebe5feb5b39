from __future__ import annotations

import gzip
import json
import logging

import httpx
import pytest

from tailored import storage
from tailored.core import ConfigurationError, Settings
from tailored.server import create_app
from tests.fixtures.databases import make_settings
from tests.fixtures.servers import serve


def test_healthz_and_readyz(live_server):
    assert live_server.client.get("/healthz").json()["status"] == "ok"
    ready = live_server.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migration"] == storage.head_revision()


def test_readyz_reports_an_unmigrated_database(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'empty.db'}"))
    with serve(app) as url:
        answer = httpx.get(f"{url}/readyz")
        calls = httpx.get(f"{url}/v1/whoami", headers={"Authorization": "Bearer tlw_x"})
    assert calls.status_code == 503, "an unmigrated database is not a crash"
    assert "tailored db upgrade" in calls.json()["error"]["message"]
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "not_ready"
    assert "tailored db upgrade" in error["message"]


def test_openapi_and_docs_are_served_locally(live_server):
    spec = live_server.client.get("/openapi.json").json()
    assert spec["info"]["title"] == "tailored"
    assert "/readyz" in spec["paths"]
    used = {tag for path in spec["paths"].values() for op in path.values() for tag in op["tags"]}
    listed = [tag["name"] for tag in spec["tags"]]
    assert listed[:3] == ["health", "keys", "collection"] and set(listed) == used
    page = live_server.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text.split("<body>")[0]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/docs-assets/{asset}" in page.text
        served = live_server.client.get(f"/docs-assets/{asset}")
        assert served.status_code == 200 and len(served.content) > 10_000


def test_uniform_errors_for_http_errors(live_server):
    missing = live_server.client.get("/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found", "details": []}}
    wrong_method = live_server.client.delete("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_validation_errors_name_the_field(live_server):
    admin = live_server.key("admin")
    headers = {"Authorization": f"Bearer {admin}"}
    answer = live_server.client.post(
        "/v1/keys", json={"name": "x", "scope": "root"}, headers=headers
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("body.scope:")
    assert error["details"][0]["loc"] == "body.scope"
    extra = live_server.client.post(
        "/v1/keys", json={"name": "x", "scope": "write", "bogus": 1}, headers=headers
    )
    assert extra.json()["error"]["details"][0]["loc"] == "body.bogus"


def test_malformed_json_is_a_400(live_server):
    admin = live_server.key("admin")
    answer = live_server.client.post(
        "/v1/keys",
        content=b'{"name": "x", "scope": ',
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("malformed JSON body")


def test_body_size_limit(settings):
    small = Settings(**{**settings.model_dump(), "max_request_bytes": 2048})
    app = create_app(small)
    with serve(app) as url, httpx.Client(base_url=url) as client:
        declared = client.post("/v1/keys", content=b"x" * 4096)
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "payload_too_large"

        def chunks():
            for _ in range(8):
                yield b"y" * 1024

        streamed = client.post("/v1/keys", content=chunks())
        assert streamed.status_code == 413
        assert "x-request-id" in streamed.headers


def test_request_ids(live_server):
    generated = live_server.client.get("/healthz").headers["x-request-id"]
    assert generated.startswith("req_")
    given = live_server.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    junk = live_server.client.get("/healthz", headers={"X-Request-ID": "bad id\t!"})
    assert junk.headers["x-request-id"].startswith("req_")


def test_crashes_are_500s_in_the_uniform_format_without_internals(settings, caplog):
    app = create_app(settings)

    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    with serve(app) as url:
        answer = httpx.get(f"{url}/explode", headers={"X-Request-ID": "trace-1"})
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error["code"] == "internal_error"
    assert "trace-1" in error["message"] and "secret internals" not in error["message"]


def test_debug_mode_shows_the_exception(settings):
    app = create_app(Settings(**{**settings.model_dump(), "debug": True}))

    def explode() -> None:
        raise RuntimeError("visible in debug")

    app.add_api_route("/explode", explode)
    with serve(app) as url:
        answer = httpx.get(f"{url}/explode")
    assert "visible in debug" in answer.json()["error"]["message"]


def test_production_mode_refuses_insecure_settings(sqlite_url):
    with pytest.raises(ConfigurationError, match="TAILORED_SECRET_KEY"):
        create_app(Settings(database_url=sqlite_url, env="production"))


def test_json_logs_carry_the_request_id(sqlite_url, capfd):
    app = create_app(make_settings(sqlite_url, log_format="json"))
    with serve(app) as url:
        httpx.get(f"{url}/healthz", headers={"X-Request-ID": "log-me-1"})
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [r for r in lines if r.get("logger") == "tailored.access"]
    assert any(r["request_id"] == "log-me-1" and "/healthz" in r["message"] for r in access)
    logging.getLogger("tailored").handlers.clear()


def test_gzip_is_not_misread_as_json(live_server):
    admin = live_server.key("admin")
    answer = live_server.client.post(
        "/v1/keys",
        content=gzip.compress(b"{}"),
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
