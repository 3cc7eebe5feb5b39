"""The segments API over real HTTP, on both databases."""

from __future__ import annotations

import pytest

from tailored import segments


@pytest.fixture
def api(live_server):
    admin = {"Authorization": f"Bearer {live_server.key('admin')}"}
    write = {"Authorization": f"Bearer {live_server.key('write')}"}

    class Api:
        def __call__(self, method, path, expect=200, **kwargs):
            response = live_server.client.request(method, path, headers=admin, **kwargs)
            assert response.status_code == expect, response.text
            return response.json() if response.content else None

        def track(self, user, name, **properties):
            body = {"userId": user, "event": name, "properties": properties}
            response = live_server.client.post("/v1/track", json=body, headers=write)
            assert response.status_code == 200, response.text

    return Api()


VIEWS = {"$event": {"name": "Product Viewed", "within": "7d", "count": {"$gte": 2}}}


def test_crud_members_and_history(api):
    api.track("a", "Product Viewed")
    created = api(
        "POST", "/v1/segments", 201, json={"key": "viewers", "name": "Viewers", "condition": VIEWS}
    )
    assert created["size"] == 0 and created["condition"] == VIEWS
    api.track("a", "Product Viewed")
    members = api("GET", "/v1/segments/viewers/members")
    assert [m["profile_id"] for m in members["members"]] == [
        api("GET", "/v1/segments/viewers/members")["members"][0]["profile_id"]
    ]
    assert len(members["members"]) == 1 and members["next_cursor"] is None
    listed = api("GET", "/v1/segments")["segments"]
    assert [(s["key"], s["size"]) for s in listed] == [("viewers", 1)]
    changed = api(
        "PATCH",
        "/v1/segments/viewers",
        json={"condition": {"$event": {"name": "Product Viewed", "count": 5}}},
    )
    assert changed["size"] == 0
    history = api("GET", "/v1/segments/viewers/history")["history"]
    assert len(history) == 1 and history[0]["exited_at"] is not None
    api("DELETE", "/v1/segments/viewers", 204)
    api("GET", "/v1/segments/viewers", 404)


def test_members_are_paginated(api):
    for user in ("a", "b", "c"):
        api.track(user, "Signed Up")
    api(
        "POST",
        "/v1/segments",
        201,
        json={"key": "all", "name": "All", "condition": {"$event": {"name": "Signed Up"}}},
    )
    first = api("GET", "/v1/segments/all/members", params={"limit": 2})
    second = api(
        "GET", "/v1/segments/all/members", params={"limit": 2, "cursor": first["next_cursor"]}
    )
    ids = [m["profile_id"] for m in first["members"] + second["members"]]
    assert len(ids) == 3 == len(set(ids)) and second["next_cursor"] is None


def test_preview_saves_nothing(api):
    api.track("a", "Product Viewed", price=50)
    api.track("b", "Product Viewed", price=5)
    condition = {"$event": {"name": "Product Viewed", "where": {"price": {"$gt": 10}}}}
    found = api("POST", "/v1/segments/preview", json={"condition": condition})
    assert found["size"] == 1 and len(found["sample"]) == 1 and found["profiles"] == 2
    assert api("GET", "/v1/segments")["segments"] == []


@pytest.mark.parametrize(
    ("condition", "loc"),
    [
        ({"$evnt": {"name": "x"}}, "body.condition.$evnt"),
        ({"country": {"$regex": "("}}, "body.condition.country.$regex"),
        ({"$event": {"name": "x", "within": "7y"}}, "body.condition.$event.within"),
        (
            {"$event": {"name": "x", "where": {"p": {"$gte": []}}}},
            "body.condition.$event.where.p.$gte",
        ),
        ({"$or": [{"$segment": "nope"}]}, "body.condition.$or[0].$segment"),
        (
            {"$sequence": {"steps": [{"name": "a"}], "within": "1d"}},
            "body.condition.$sequence.steps",
        ),
    ],
)
def test_bad_conditions_answer_422_with_the_path(api, condition, loc):
    body = {"key": "bad", "name": "Bad", "condition": condition}
    error = api("POST", "/v1/segments", 422, json=body)["error"]
    assert loc in [d["loc"] for d in error["details"]]
    error = api("POST", "/v1/segments/preview", 422, json={"condition": condition})["error"]
    assert loc in [d["loc"] for d in error["details"]]


def test_cycles_are_refused_and_used_segments_kept(api):
    api("POST", "/v1/segments", 201, json={"key": "a", "name": "A", "condition": {}})
    api("POST", "/v1/segments", 201, json={"key": "b", "name": "B", "condition": {"$segment": "a"}})
    error = api("PATCH", "/v1/segments/a", 422, json={"condition": {"$segment": "b"}})["error"]
    assert error["details"][0]["loc"] == "body.condition.$segment"
    assert "a -> b -> a" in error["details"][0]["message"]
    api("DELETE", "/v1/segments/a", 409)
    api("POST", "/v1/segments", 409, json={"key": "a", "name": "A", "condition": {}})
    api("POST", "/v1/segments", 422, json={"key": "Bad Key", "name": "A", "condition": {}})


def test_another_workspace_sees_nothing(api, live_server):
    api("POST", "/v1/segments", 201, json={"key": "mine", "name": "Mine", "condition": {}})
    other = {"Authorization": f"Bearer {live_server.key('admin', workspace='other')}"}
    assert live_server.client.get("/v1/segments", headers=other).json()["segments"] == []
    assert live_server.client.get("/v1/segments/mine/members", headers=other).status_code == 404
    assert live_server.client.delete("/v1/segments/mine", headers=other).status_code == 404
    write = {"Authorization": f"Bearer {live_server.key('write')}"}
    assert live_server.client.get("/v1/segments", headers=write).status_code == 403


def test_changes_are_published_on_the_bus(api):
    seen = []

    def listener(conn, changes):
        seen.extend((c.segment_key, c.kind) for c in changes)

    segments.on_segment_change(listener)
    try:
        api(
            "POST",
            "/v1/segments",
            201,
            json={"key": "buyers", "name": "Buyers", "condition": {"$event": {"name": "Bought"}}},
        )
        api.track("a", "Bought")
        api("PATCH", "/v1/segments/buyers", json={"condition": {"$event": {"name": "Nope"}}})
    finally:
        segments.remove_segment_subscriber(listener)
    assert seen == [("buyers", segments.ENTERED), ("buyers", segments.EXITED)]
