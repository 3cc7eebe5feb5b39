"""The decide API and its configuration endpoints over real HTTP, on both databases."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import sqlalchemy as sa

from tailored import decide


@pytest.fixture
def api(live_server):
    keys = {scope: live_server.key(scope) for scope in ("admin", "server", "write")}

    def call(method, path, expect=200, scope="admin", **kwargs):
        headers = {"Authorization": f"Bearer {keys[scope]}"}
        response = live_server.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    return call


PLACEMENT = {"key": "home_hero", "name": "Home hero", "default": {"headline": "Welcome"}}
EXPERIMENT = {"key": "hero-test", "variants": [{"key": "a"}, {"key": "b"}]}
EXPERIENCE = {
    "key": "hero-ab",
    "placement": "home_hero",
    "allocation": "experiment",
    "experiment": "hero-test",
    "variants": [
        {"key": "a", "content": {"headline": "A"}},
        {"key": "b", "content": {"headline": "B"}},
    ],
}


def test_configure_and_decide(api, live_server):
    api("POST", "/v1/placements", 201, json=PLACEMENT)
    api("POST", "/v1/experiments", 201, json=EXPERIMENT)
    created = api("POST", "/v1/experiences", 201, json=EXPERIENCE)
    assert created["version"] == 1 and created["allocation"] == "experiment"
    api(
        "PUT",
        "/v1/flags/dark-mode",
        201,
        json={"default": False, "rules": [{"value": True, "rollout": 1}]},
    )
    answer = api(
        "POST",
        "/v1/decide",
        scope="server",
        json={"userId": "u1", "context": {"page": {"url": "https://shop.example/"}}},
    )
    hero = answer["decisions"]["home_hero"]
    assert hero["experience"] == "hero-ab" and hero["variant"] in ("a", "b")
    assert hero["reason"] == "experiment" and hero["propensity"] == 0.5
    assert hero["content"] == {"headline": hero["variant"].upper()}
    assert hero["decision_id"].startswith("dec_")
    assert answer["flags"] == {
        "dark-mode": {"value": True, "variant": "rule-0", "reason": "rollout", "rule_id": "rule-0"}
    }
    assert answer["errors"] == []
    # The exposure is an event of the person's profile. On SQLite it is queued and applied
    # after the answer (a first-time visitor's profile_id is then null), and reading the
    # profile waits for it.
    if answer["profile_id"] is None:
        assert live_server.settings.database_url.startswith("sqlite")
    events = api("GET", f"/v1/profiles/{answer['profile_id'] or 'u1'}/events")
    assert [e["event"] for e in events["events"]] == ["Experience Viewed"]
    # Changing the experience bumps its version; unchanged PUT keeps it.
    changed = api("PUT", "/v1/experiences/hero-ab", json={**EXPERIENCE, "priority": 5})
    assert changed["version"] == 2
    assert api("PUT", "/v1/experiences/hero-ab", json={**EXPERIENCE, "priority": 5})["version"] == 2
    assert [e["key"] for e in api("GET", "/v1/experiences")["experiences"]] == ["hero-ab"]


def test_decide_errors(api):
    api("POST", "/v1/placements", 201, json=PLACEMENT)
    body = api("POST", "/v1/decide", 422, scope="server", json={"context": {}})
    assert "userId or anonymousId" in body["error"]["message"]
    body = api("POST", "/v1/decide", 422, scope="server", json={"userId": "u", "placements": "x"})
    assert body["error"]["details"][0]["loc"] == "body.placements"
    api("POST", "/v1/decide", 403, scope="write", json={"userId": "u"})
    body = api(
        "POST",
        "/v1/decide",
        scope="server",
        json={"userId": "u", "placements": ["nope", "home_hero"]},
    )
    assert body["errors"] == [{"loc": "placements[0]", "message": "unknown placement 'nope'"}]
    assert list(body["decisions"]) == ["home_hero"]


def test_configuration_errors_name_the_field(api):
    body = api(
        "POST", "/v1/experiences", 422, json={**EXPERIENCE, "variants": [{"key": "Bad Key"}]}
    )
    assert body["error"]["details"][0]["loc"] == "variants[0].key"
    body = api("POST", "/v1/experiences", 422, json=EXPERIENCE)
    locs = {d["loc"] for d in body["error"]["details"]}
    assert locs == {"experiences.hero-ab.placement", "experiences.hero-ab.experiment"}
    body = api("POST", "/v1/flags", 422, json={"key": "f", "type": "number", "default": "x"})
    assert body["error"]["details"][0]["loc"] == "default"
    assert "default must be a number" in body["error"]["message"]
    body = api("POST", "/v1/placements", 422, json={"key": "p", "colour": 1})
    assert body["error"]["details"][0]["loc"] == "colour"
    audience = {"condition": {"$event": {"name": "Order Completed"}}}
    api("POST", "/v1/placements", 201, json=PLACEMENT)
    body = api(
        "POST",
        "/v1/experiences",
        422,
        json={
            "key": "x",
            "placement": "home_hero",
            "audience": audience,
            "variants": [{"key": "v"}],
        },
    )
    assert "save the condition as a segment" in body["error"]["message"]
    body = api(
        "POST",
        "/v1/experiences",
        422,
        json={
            "key": "x",
            "placement": "home_hero",
            "audience": {"condition": {"a": {"$regex": "("}}},
            "variants": [{"key": "v"}],
        },
    )
    assert body["error"]["details"][0]["loc"] == "audience.condition"
    api("POST", "/v1/placements", 409, json=PLACEMENT)
    api("PUT", "/v1/placements/other", 422, json=PLACEMENT)
    api("GET", "/v1/flags/none", 404)


def test_references_guard_deletes_and_cycles(api):
    api("POST", "/v1/placements", 201, json=PLACEMENT)
    api("POST", "/v1/experiments", 201, json=EXPERIMENT)
    api("POST", "/v1/experiences", 201, json=EXPERIENCE)
    body = api("DELETE", "/v1/placements/home_hero", 409)
    assert "experiences.hero-ab" in body["error"]["message"]
    api("PUT", "/v1/flags/b", 201, json={"default": False})
    api("PUT", "/v1/flags/a", 201, json={"default": False, "prerequisites": [{"flag": "b"}]})
    body = api("PUT", "/v1/flags/b", 422, json={"default": False, "prerequisites": [{"flag": "a"}]})
    assert "cycle" in body["error"]["message"]
    api("DELETE", "/v1/experiences/hero-ab", 204)
    api("DELETE", "/v1/placements/home_hero", 204)


def test_layers_do_not_overlap(api):
    first = {
        "key": "one",
        "variants": [{"key": "x"}, {"key": "y"}],
        "layer": {"key": "checkout", "range": [0, 0.5]},
    }
    api("POST", "/v1/experiments", 201, json=first)
    second = {**first, "key": "two", "layer": {"key": "checkout", "range": [0.4, 1]}}
    body = api("POST", "/v1/experiments", 422, json=second)
    assert body["error"]["details"][0]["loc"] == "experiments.two.layer.range"
    api(
        "POST",
        "/v1/experiments",
        201,
        json={**second, "layer": {"key": "checkout", "range": [0.5, 1]}},
    )


def test_settings(api):
    assert api("GET", "/v1/decide/settings") == {"key": "decide"}
    saved = api("PUT", "/v1/decide/settings", json={"holdout": {"percent": 5}})
    assert saved["holdout"] == {"percent": 5.0}
    body = api("PUT", "/v1/decide/settings", 422, json={"holdout": {"percent": 80}})
    assert body["error"]["details"][0]["loc"] == "holdout.percent"


def test_a_client_reads_its_own_decisions_at_once(api, live_server):
    """On SQLite exposures are applied after the answer; what reads them waits for them."""
    state = live_server.app.state.tailored
    queue = state.exposures
    assert (queue is not None) == live_server.settings.database_url.startswith("sqlite")
    api("POST", "/v1/placements", 201, json=PLACEMENT)
    api("POST", "/v1/experiments", 201, json=EXPERIMENT)
    api("POST", "/v1/experiences", 201, json=EXPERIENCE)
    answers = [api("POST", "/v1/decide", scope="server", json={"userId": "r0"})]
    if queue is not None:
        # Freeze the applier once it runs; it resumes half a second after the last answer.
        assert queue.wait_applied(timeout=60) and queue.applier_pid is not None
        os.kill(queue.applier_pid, signal.SIGSTOP)
    try:
        for n in range(1, 20):
            answers.append(api("POST", "/v1/decide", scope="server", json={"userId": f"r{n}"}))
        assert queue is None or queue.applied_calls == 1  # nineteen answers wait
    finally:
        if queue is not None:
            threading.Timer(0.5, os.kill, (queue.applier_pid, signal.SIGCONT)).start()
    ids = [answer["decisions"]["home_hero"]["decision_id"] for answer in answers]
    # A reward right after the answer finds its decision.
    api("POST", f"/v1/decisions/{ids[0]}/reward", scope="server", json={"value": 1})
    # A conversion naming the decision is credited to it.
    api(
        "POST",
        "/v1/track",
        scope="write",
        json={"userId": "r1", "event": "Clicked", "properties": {"decision_id": ids[1]}},
    )
    with state.engine.connect() as conn:
        credited = conn.execute(
            sa.select(decide.attributions.c.decision_id).where(
                decide.attributions.c.decision_id == ids[1]
            )
        ).all()
    assert len(credited) == 1
    # The latest call's exposure is in the person's profile.
    seen = api("GET", "/v1/profiles/r19/events", scope="server")["events"]
    assert [e["properties"]["decision_id"] for e in seen] == [ids[19]]
