from __future__ import annotations

import base64
import gzip

import httpx
import pytest
import sqlalchemy as sa

from tailored import events
from tailored.core import Settings
from tailored.server import create_app
from tests.fixtures.servers import LiveServer, serve


def _stored(live, **where):
    engine = live.app.state.tailored.engine
    query = sa.select(events.events)
    for column, value in where.items():
        query = query.where(events.events.c[column] == value)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _post(live, path, body, key, **kw):
    return live.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"}, **kw)


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        (
            "/v1/track",
            {"userId": "u1", "event": "Signed Up", "properties": {"plan": "pro"}},
            "track",
        ),
        ("/v1/identify", {"userId": "u1", "traits": {"email": "a@b.c"}}, "identify"),
        ("/v1/page", {"anonymousId": "a1", "name": "Home", "properties": {"path": "/"}}, "page"),
        ("/v1/screen", {"anonymousId": "a1", "name": "Cart"}, "screen"),
        ("/v1/group", {"userId": "u1", "groupId": "acme", "traits": {"size": 10}}, "group"),
        ("/v1/alias", {"userId": "u1", "previousId": "a1"}, "alias"),
    ],
)
def test_each_call_is_stored(live_server, path, body, kind):
    key = live_server.key("write")
    answer = _post(live_server, path, {**body, "messageId": f"m-{kind}"}, key)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "success": True,
        "accepted": 1,
        "duplicates": 0,
        "suppressed": 0,
        "rejected": [],
    }
    (row,) = _stored(live_server, message_id=f"m-{kind}")
    assert row["type"] == kind


def test_three_ways_to_send_the_key(live_server):
    key = live_server.key("write")
    body = {"userId": "u", "event": "e"}
    basic = base64.b64encode(f"{key}:".encode()).decode()
    assert (
        live_server.client.post(
            "/v1/track", json=body, headers={"Authorization": f"Basic {basic}"}
        ).status_code
        == 200
    )
    assert live_server.client.post("/v1/track", json={**body, "writeKey": key}).status_code == 200
    assert _post(live_server, "/v1/track", body, key).status_code == 200
    missing = live_server.client.post("/v1/track", json=body)
    assert missing.status_code == 401
    wrong = live_server.client.post("/v1/track", json={**body, "writeKey": "tlw_nope"})
    assert wrong.status_code == 401 and "unknown API key" in wrong.json()["error"]["message"]


def test_partial_batch_accepts_the_good_and_names_the_bad(live_server):
    key = live_server.key("write")
    batch = [
        {"type": "track", "userId": "u", "event": "ok", "messageId": "b1"},
        {"type": "track", "userId": "undefined", "event": "junk id"},
        {"type": "identify", "userId": "u", "traits": "not an object"},
        {"type": "page", "anonymousId": "a", "messageId": "b2"},
        {"type": "track", "userId": "u", "event": "late", "timestamp": "last tuesday"},
    ]
    answer = _post(live_server, "/v1/batch", {"batch": batch}, key)
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["loc"]) for r in body["rejected"]] == [
        (1, "batch[1].userId"),
        (2, "batch[2].traits"),
        (4, "batch[4].timestamp"),
    ]
    assert "placeholder" in body["rejected"][0]["message"]
    assert len(_stored(live_server)) == 2, "nothing of a rejected event is stored"


def test_nothing_acceptable_is_a_400_naming_the_field(live_server):
    key = live_server.key("write")
    single = _post(live_server, "/v1/track", {"userId": "u"}, key)
    assert single.status_code == 400
    assert (
        single.json()["error"]["message"]
        == "event: is required for track calls (a non-empty string)"
    )
    batch = _post(live_server, "/v1/batch", {"batch": [{"type": "nope", "userId": "u"}]}, key)
    assert (
        batch.status_code == 400 and batch.json()["error"]["details"][0]["loc"] == "batch[0].type"
    )
    no_batch = _post(live_server, "/v1/batch", {"events": []}, key)
    assert no_batch.status_code == 400 and "batch" in no_batch.json()["error"]["message"]
    not_object = _post(live_server, "/v1/track", ["u"], key)
    assert not_object.status_code == 400
    assert _stored(live_server) == []


def test_duplicates_are_dropped_and_counted(live_server):
    key = live_server.key("write")
    message = {"type": "track", "userId": "u", "event": "Order Completed", "messageId": "same"}
    first = _post(live_server, "/v1/batch", {"batch": [message, message]}, key).json()
    assert (first["accepted"], first["duplicates"]) == (1, 1)
    again = _post(live_server, "/v1/track", message, key).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert len(_stored(live_server, message_id="same")) == 1


def test_missing_message_ids_are_assigned(live_server):
    key = live_server.key("write")
    _post(live_server, "/v1/track", {"userId": "u", "event": "e"}, key)
    _post(live_server, "/v1/track", {"userId": "u", "event": "e"}, key)
    ids = {r["message_id"] for r in _stored(live_server)}
    assert len(ids) == 2


def test_gzip_bodies(live_server):
    key = live_server.key("write")
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Encoding": "gzip",
        "Content-Type": "application/json",
    }
    good = live_server.client.post(
        "/v1/track", content=gzip.compress(b'{"userId":"u","event":"gz"}'), headers=headers
    )
    assert good.status_code == 200 and good.json()["accepted"] == 1
    broken = live_server.client.post("/v1/track", content=b"\x1f\x8b junk", headers=headers)
    assert broken.status_code == 400 and "not valid gzip" in broken.json()["error"]["message"]
    truncated = live_server.client.post(
        "/v1/track", content=gzip.compress(b'{"a": 1}')[:-6], headers=headers
    )
    assert truncated.status_code == 400
    bomb = live_server.client.post(
        "/v1/track", content=gzip.compress(b" " * 5_000_000), headers=headers
    )
    assert bomb.status_code == 413
    other = live_server.client.post(
        "/v1/track", content=b"{}", headers={**headers, "Content-Encoding": "br"}
    )
    assert (
        other.status_code == 400
        and "unsupported Content-Encoding" in other.json()["error"]["message"]
    )


def test_size_limits(live_server):
    key = live_server.key("write")
    big_event = {"type": "track", "userId": "u", "event": "big", "properties": {"x": "y" * 40_000}}
    ok_event = {"type": "track", "userId": "u", "event": "small"}
    answer = _post(live_server, "/v1/batch", {"batch": [big_event, ok_event]}, key)
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1
    assert "event too large" in answer.json()["rejected"][0]["message"]
    too_many = _post(live_server, "/v1/batch", {"batch": [ok_event] * 2501}, key)
    assert too_many.status_code == 413 and "2501 events" in too_many.json()["error"]["message"]
    huge = _post(
        live_server,
        "/v1/batch",
        {"batch": [{**ok_event, "properties": {"x": "y" * 30_000}}] * 20},
        key,
    )
    assert huge.status_code == 413


def test_malformed_json_and_empty_bodies(live_server):
    key = live_server.key("write")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    broken = live_server.client.post("/v1/track", content=b'{"userId": "u", ', headers=headers)
    assert broken.status_code == 400 and broken.json()["error"]["message"].startswith(
        "malformed JSON"
    )
    empty = live_server.client.post("/v1/track", content=b"", headers=headers)
    assert empty.status_code == 400 and "empty body" in empty.json()["error"]["message"]


def test_rate_limit_answers_429_with_retry_after(settings):
    app = create_app(Settings(**{**settings.model_dump(), "ingest_rate_limit": 1.0}))
    with serve(app) as url, httpx.Client(base_url=url) as client:
        live = LiveServer(url=url, app=app, settings=app.state.tailored.settings, client=client)
        key = live.key("write")
        codes = [_post(live, "/v1/track", {"userId": "u", "event": "e"}, key) for _ in range(4)]
    limited = [a for a in codes if a.status_code == 429]
    assert limited, [a.status_code for a in codes]
    assert int(limited[0].headers["retry-after"]) >= 1
    assert limited[0].json()["error"]["code"] == "rate_limited"


def test_events_land_in_the_keys_workspace(live_server):
    other = live_server.key("write", workspace="brand-b")
    _post(live_server, "/v1/track", {"userId": "u", "event": "e", "messageId": "ws"}, other)
    (row,) = _stored(live_server, message_id="ws")
    assert row["workspace_id"] != 1
