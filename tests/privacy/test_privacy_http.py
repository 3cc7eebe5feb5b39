"""Export, erasure, consent and suppression through the real HTTP API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tailored import storage

T = "2024-05-01T10:{:02d}:00Z"


@pytest.fixture
def api(live_server):
    keys = {s: live_server.key(s) for s in ("write", "server", "admin")}

    def call(method, path, scope, expect=200, **kw):
        answer = live_server.client.request(
            method, path, headers={"Authorization": f"Bearer {keys[scope]}"}, **kw
        )
        assert answer.status_code == expect, answer.text
        return answer.json()

    return call


def _person_history(api):
    api(
        "POST",
        "/v1/page",
        "write",
        json={"anonymousId": "dev-1", "name": "Home", "timestamp": T.format(1)},
    )
    api(
        "POST",
        "/v1/identify",
        "write",
        json={
            "anonymousId": "dev-1",
            "userId": "zoe@example.com",
            "traits": {"email": "zoe@example.com"},
            "timestamp": T.format(2),
        },
    )
    api(
        "POST",
        "/v1/track",
        "write",
        json={"anonymousId": "dev-2", "event": "Product Viewed", "timestamp": T.format(3)},
    )
    api(
        "POST",
        "/v1/identify",
        "write",
        json={"anonymousId": "dev-2", "userId": "zoe@example.com", "timestamp": T.format(4)},
    )
    api("POST", "/v1/track", "write", json={"userId": "someone-else", "event": "Product Viewed"})


def _references(engine, needles):
    """Every (table, column) in the database whose text mentions any needle."""
    found = []
    with engine.connect() as conn:
        for table in storage.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).mappings():
                text = repr(dict(row))
                found += [(table.name, n) for n in needles if n in text]
    return found


def test_export_has_everything(api):
    _person_history(api)
    document = api("GET", "/v1/profiles/zoe@example.com/export", "admin")
    assert document["user_ids"] == ["zoe@example.com"]
    assert document["anonymous_ids"] == ["dev-1", "dev-2"]
    data = document["data"]
    assert len(data["events"]) == 4
    assert {i["value"] for i in data["identities"]} == {"zoe@example.com", "dev-1", "dev-2"}
    assert len(data["profiles"]) == 2, "the live profile and the one merged into it"
    assert api("GET", "/v1/profiles/dev-1/export", "admin")["profile_id"] == document["profile_id"]
    api("GET", "/v1/profiles/zoe@example.com/export", "server", expect=403)


def test_erasure_leaves_no_row_that_refers_to_the_person(api, live_server):
    _person_history(api)
    profile = api("GET", "/v1/profiles/zoe@example.com", "server")
    merged = api("GET", "/v1/profiles/zoe@example.com/export", "admin")["data"]["profiles"]
    needles = ["zoe@example.com", "dev-1", "dev-2", *[p["id"] for p in merged]]
    engine = live_server.app.state.tailored.engine
    assert _references(engine, needles), "the person is there before"
    result = api("DELETE", "/v1/profiles/dev-2", "admin")
    assert result["erased"]["events"] == 4 and result["erased"]["profiles"] == 2
    assert _references(engine, needles) == []
    api("GET", "/v1/profiles/zoe@example.com", "server", expect=404)
    assert api("GET", "/v1/profiles/someone-else", "server")["user_id"] == "someone-else"
    assert profile["id"] in needles


def test_erasure_with_suppression_drops_later_events(api, live_server):
    _person_history(api)
    api("DELETE", "/v1/profiles/zoe@example.com", "admin", params={"suppress": "true"})
    answer = api("POST", "/v1/track", "write", json={"userId": "zoe@example.com", "event": "Back"})
    assert answer["accepted"] == 0 and answer["suppressed"] == 1
    api("GET", "/v1/profiles/zoe@example.com", "server", expect=404)
    engine = live_server.app.state.tailored.engine
    assert _references(engine, ["zoe@example.com", "dev-1", "dev-2"]) == [], "only digests kept"


def test_suppression_api(api):
    created = api(
        "POST",
        "/v1/privacy/suppressions",
        "admin",
        expect=201,
        json={"anonymousId": "bot-7", "reason": "asked"},
    )
    assert created == {"suppressed": True, "already": False, "kind": "anonymous"}
    again = api(
        "POST", "/v1/privacy/suppressions", "admin", expect=201, json={"anonymousId": "bot-7"}
    )
    assert again["already"] is True
    batch = api(
        "POST",
        "/v1/batch",
        "write",
        json={
            "batch": [
                {"type": "track", "anonymousId": "bot-7", "event": "x"},
                {"type": "track", "anonymousId": "ok-1", "event": "x"},
            ]
        },
    )
    assert (batch["accepted"], batch["suppressed"]) == (1, 1)
    api("GET", "/v1/profiles/bot-7", "server", expect=404)
    both = api(
        "POST",
        "/v1/privacy/suppressions",
        "admin",
        expect=422,
        json={"userId": "a", "anonymousId": "b"},
    )
    assert "exactly one" in both["error"]["message"]
    api("POST", "/v1/privacy/suppressions", "admin", expect=422, json={})


def test_consent_choices_are_recorded(api):
    api("POST", "/v1/track", "write", json={"userId": "cat", "event": "x"})
    answer = api(
        "PUT",
        "/v1/profiles/cat/consent",
        "admin",
        json={
            "categories": {"personalization": False, "analytics": True},
            "source": "preference-center",
        },
    )
    assert answer["consent"]["personalization"] == {"granted": False, "source": "preference-center"}
    consent = api("GET", "/v1/profiles/cat", "server")["consent"]
    assert (
        consent["personalization"]["granted"] is False and consent["analytics"]["granted"] is True
    )
    api("PUT", "/v1/profiles/cat/consent", "admin", expect=422, json={"categories": {}})
    api("PUT", "/v1/profiles/nobody/consent", "admin", expect=404, json={"categories": {"a": True}})


def test_another_workspace_cannot_see_or_erase(api, live_server):
    _person_history(api)
    other = live_server.key("admin", workspace="elsewhere")
    headers = {"Authorization": f"Bearer {other}"}
    assert (
        live_server.client.get("/v1/profiles/zoe@example.com/export", headers=headers).status_code
        == 404
    )
    assert (
        live_server.client.delete("/v1/profiles/zoe@example.com", headers=headers).status_code
        == 404
    )
    assert api("GET", "/v1/profiles/zoe@example.com", "server")["user_id"] == "zoe@example.com"
