"""Identity resolution and read-your-writes through the real HTTP API."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(live_server):
    write = live_server.key("write")
    server = live_server.key("server")

    class Api:
        def send(self, path, **body):
            answer = live_server.client.post(
                f"/v1/{path}", json=body, headers={"Authorization": f"Bearer {write}"}
            )
            assert answer.status_code == 200, answer.text
            return answer.json()

        def profile(self, ident, expect=200):
            answer = live_server.client.get(
                f"/v1/profiles/{ident}", headers={"Authorization": f"Bearer {server}"}
            )
            assert answer.status_code == expect, answer.text
            return answer.json()

        def events(self, ident, **params):
            answer = live_server.client.get(
                f"/v1/profiles/{ident}/events",
                params=params,
                headers={"Authorization": f"Bearer {server}"},
            )
            assert answer.status_code == 200, answer.text
            return answer.json()

    return Api()


T = "2024-05-01T10:{:02d}:00Z"


def test_read_your_writes(api):
    api.send(
        "track",
        userId="ada",
        event="Order Completed",
        properties={"revenue": 30, "products": [{"category": "books"}]},
        timestamp=T.format(1),
    )
    profile = api.profile("ada")
    computed = profile["computed"]
    assert computed["order_count"] == 1 and computed["total_revenue"] == 30
    assert computed["event_counts"] == {"Order Completed": 1}
    assert computed["top_categories"] == ["books"]
    api.send(
        "track",
        userId="ada",
        event="Order Completed",
        properties={"revenue": 10},
        timestamp=T.format(2),
    )
    computed = api.profile("ada")["computed"]
    assert computed["order_count"] == 2 and computed["average_order_value"] == 20
    assert api.profile(profile["id"])["id"] == profile["id"], "readable by internal id"


def test_identify_links_the_anonymous_history(api):
    api.send("page", anonymousId="a1", name="Home", timestamp=T.format(1))
    api.send("track", anonymousId="a1", event="Product Viewed", timestamp=T.format(2))
    api.send(
        "identify",
        anonymousId="a1",
        userId="bob",
        traits={"email": "bob@x.io"},
        timestamp=T.format(3),
    )
    api.send("track", userId="bob", event="Product Viewed", timestamp=T.format(4))
    by_user, by_device = api.profile("bob"), api.profile("a1")
    assert by_user["id"] == by_device["id"]
    assert by_user["user_id"] == "bob" and by_user["anonymous_ids"] == ["a1"]
    assert by_user["traits"] == {"email": "bob@x.io"}
    assert by_user["computed"]["event_counts"] == {"Page Viewed": 1, "Product Viewed": 2}
    assert len(api.events("bob")["events"]) == 4


def test_a_second_device_merges_into_the_known_user(api):
    api.send(
        "track",
        userId="cy",
        event="Order Completed",
        properties={"revenue": 5},
        timestamp=T.format(1),
    )
    api.send("track", anonymousId="phone", event="Product Viewed", timestamp=T.format(2))
    phone_profile = api.profile("phone")["id"]
    api.send("identify", anonymousId="phone", userId="cy", timestamp=T.format(3))
    merged = api.profile("cy")
    assert merged["id"] != phone_profile
    assert api.profile(phone_profile)["id"] == merged["id"], "the old id still resolves"
    assert merged["computed"]["event_counts"] == {"Order Completed": 1, "Product Viewed": 1}
    assert {e["anonymousId"] for e in api.events("cy")["events"]} >= {"phone"}


def test_a_shared_laptop_never_merges_two_users(api):
    api.send("identify", anonymousId="laptop", userId="dee", timestamp=T.format(1))
    api.send("track", anonymousId="laptop", event="Product Viewed", timestamp=T.format(2))
    api.send("identify", anonymousId="laptop", userId="eve", timestamp=T.format(3))
    api.send("track", anonymousId="laptop", event="Product Added", timestamp=T.format(4))
    dee, eve = api.profile("dee"), api.profile("eve")
    assert dee["id"] != eve["id"]
    assert dee["user_id"] == "dee" and eve["user_id"] == "eve"
    assert dee["computed"]["event_counts"] == {"Product Viewed": 1}
    assert eve["computed"]["event_counts"] == {"Product Added": 1}
    assert api.profile("laptop")["id"] == eve["id"], "the device follows the newer user"
    assert dee["anonymous_ids"] == [] and eve["anonymous_ids"] == ["laptop"]


def test_alias_merges_and_is_idempotent(api):
    api.send("track", anonymousId="old-id", event="Product Viewed", timestamp=T.format(1))
    api.send("track", userId="fay", event="Product Viewed", timestamp=T.format(2))
    api.send("alias", previousId="old-id", userId="fay", timestamp=T.format(3))
    first = api.profile("fay")
    api.send("alias", previousId="old-id", userId="fay", timestamp=T.format(4))
    second = api.profile("fay")
    assert first["id"] == second["id"] == api.profile("old-id")["id"]
    assert second["computed"]["event_counts"] == {"Product Viewed": 2}


def test_traits_keep_the_latest_value_by_event_time(api):
    api.send("identify", userId="gus", traits={"plan": "pro"}, timestamp=T.format(5))
    api.send(
        "identify", userId="gus", traits={"plan": "free", "country": "FR"}, timestamp=T.format(1)
    )
    assert api.profile("gus")["traits"] == {"plan": "pro", "country": "FR"}


def test_event_pages(api):
    api.send(
        "batch",
        batch=[
            {"type": "track", "userId": "hal", "event": f"E{i}", "timestamp": T.format(i)}
            for i in range(7)
        ],
    )
    first = api.events("hal", limit=3)
    assert [e["event"] for e in first["events"]] == ["E6", "E5", "E4"]
    second = api.events("hal", limit=3, cursor=first["next_cursor"])
    third = api.events("hal", limit=3, cursor=second["next_cursor"])
    assert [e["event"] for e in second["events"] + third["events"]] == ["E3", "E2", "E1", "E0"]
    assert third["next_cursor"] is None


def test_unknown_profiles_and_bad_cursors(api, live_server):
    assert api.profile("nobody", expect=404)["error"]["code"] == "not_found"
    api.send("track", userId="ivy", event="x")
    server = live_server.key("server")
    bad = live_server.client.get(
        "/v1/profiles/ivy/events",
        params={"cursor": "zzz"},
        headers={"Authorization": f"Bearer {server}"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == "query.cursor"
    write = live_server.key("write")
    forbidden = live_server.client.get(
        "/v1/profiles/ivy", headers={"Authorization": f"Bearer {write}"}
    )
    assert forbidden.status_code == 403
