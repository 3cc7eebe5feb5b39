"""``/v1/items`` and ``/v1/recommendations`` over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

from tailored.recommend import train_workspace
from tests.recommend import twotastes as shop
from tests.recommend.twotastes import CONFIG, GARDEN, NOW, event


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_items_crud_and_scopes(live_server):
    admin, server = auth(live_server.key("admin")), auth(live_server.key("server"))
    c = live_server.client
    put = c.put("/v1/items/sku-1", json={"title": "Mug", "price": 4.5}, headers=admin)
    assert put.status_code == 200 and put.json()["title"] == "Mug" and put.json()["in_stock"]
    assert c.put("/v1/items/sku-1", json={"title": "x"}, headers=server).status_code == 403
    bad = c.put("/v1/items/sku-1", json={"title": "Mug", "price": -1}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == "body.price"
    other = c.put("/v1/items/sku-1", json={"item_id": "sku-2", "title": "x"}, headers=admin)
    assert other.status_code == 422
    batch = [{"item_id": f"sku-{n}", "title": f"Thing {n}"} for n in range(2, 7)]
    assert c.post("/v1/items", json={"items": batch}, headers=admin).json() == {"upserted": 5}
    page = c.get("/v1/items", params={"limit": 4}, headers=admin).json()
    assert [i["item_id"] for i in page["items"]] == ["sku-1", "sku-2", "sku-3", "sku-4"]
    rest = c.get("/v1/items", params={"after": page["next_after"]}, headers=admin).json()
    assert [i["item_id"] for i in rest["items"]] == ["sku-5", "sku-6"]
    assert rest["next_after"] is None
    assert c.get("/v1/items/sku-3", headers=admin).json()["title"] == "Thing 3"
    assert c.delete("/v1/items/sku-3", headers=admin).json() == {"deleted": "sku-3"}
    gone = c.get("/v1/items/sku-3", headers=admin)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert c.delete("/v1/items/sku-3", headers=admin).status_code == 404
    elsewhere = auth(live_server.key("admin", workspace="other"))
    assert c.get("/v1/items/sku-1", headers=elsewhere).status_code == 404


def test_recommendations_over_http(live_server):
    engine = live_server.app.state.tailored.engine
    shop.build(engine)
    server = auth(live_server.key("server"))
    c = live_server.client
    early = c.get("/v1/recommendations", params={"user": "u00"}, headers=server)
    assert early.status_code == 404 and "tailored train" in early.json()["error"]["message"]
    train_workspace(engine, 1, CONFIG)
    answer = c.get("/v1/recommendations", params={"user": "u20", "k": 2}, headers=server)
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["recommendation_id"].startswith("rec_") and body["source"] == "als"
    assert len(body["items"]) == 2 and all(i["item_id"] in GARDEN for i in body["items"])
    assert {"title", "categories", "price", "score"} <= set(body["items"][0])
    filtered = c.get(
        "/v1/recommendations",
        params={"user": "u20", "filter": json.dumps({"category": "Kitchen"}), "k": 3},
        headers=server,
    ).json()
    assert all(i["categories"][-1] == "Kitchen" for i in filtered["items"])
    bad = c.get("/v1/recommendations", params={"filter": "{nope"}, headers=server)
    assert bad.status_code == 422
    wrong = c.get("/v1/recommendations", params={"strategy": "sideways"}, headers=server)
    assert wrong.status_code == 422
    posted = c.post(
        "/v1/recommendations",
        json={"user": "u20", "k": 2, "rules": {"pinned": [{"item_id": "k03", "position": 1}]}},
        headers=server,
    ).json()
    assert posted["items"][0]["item_id"] == "k03" and posted["items"][0]["score"] is None
    assert c.get("/v1/recommendations", headers=auth(live_server.key("write"))).status_code == 403
    models = c.get("/v1/recommendations/models", headers=auth(live_server.key("admin"))).json()
    assert models["models"][0]["version"] == 1 and "ndcg@20" in models["models"][0]["metrics"]


def test_a_tracked_event_changes_the_next_answer(live_server):
    engine = live_server.app.state.tailored.engine
    shop.build(engine)
    train_workspace(engine, 1, CONFIG)
    server, write = auth(live_server.key("server")), auth(live_server.key("write"))
    c = live_server.client
    before = c.get("/v1/recommendations", params={"user": "fresh", "k": 5}, headers=server)
    assert before.json()["source"] == "trending"
    when = NOW + timedelta(days=1)
    for item in GARDEN[:3]:
        sent = c.post("/v1/track", json=event("fresh", "Product Viewed", [item], when),
                      headers=write)  # fmt: skip
        assert sent.status_code == 200, sent.text
    after = c.get("/v1/recommendations", params={"user": "fresh", "k": 5}, headers=server).json()
    assert after["source"] == "als" and sum(i["item_id"] in GARDEN for i in after["items"]) >= 4
    recent = c.get(
        "/v1/recommendations", params={"user": "fresh", "strategy": "recently_viewed"},
        headers=server,
    ).json()  # fmt: skip
    assert [i["item_id"] for i in recent["items"]] == GARDEN[:3][::-1]
