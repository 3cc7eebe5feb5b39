"""Nasty cases: generated payloads never cause a 5xx; a killed server loses no acked event."""

from __future__ import annotations

import signal
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailored import events, storage
from tests.fixtures.databases import SECRET, make_settings
from tests.fixtures.servers import free_port, start_server

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
fields = st.sampled_from(
    ["type", "userId", "anonymousId", "event", "properties", "traits", "context", "timestamp",
     "sentAt", "messageId", "previousId", "groupId", "name", "batch", "writeKey"]
)  # fmt: skip
messages = st.dictionaries(fields, json_values, max_size=8)
bodies = messages | st.fixed_dictionaries({"batch": st.lists(messages | json_values, max_size=5)})


@pytest.fixture
def sqlite_server(sqlite_url):
    from tailored.server import create_app
    from tests.fixtures.servers import LiveServer, serve

    app = create_app(make_settings(sqlite_url, ingest_rate_limit=0))
    with serve(app) as url, httpx.Client(base_url=url) as client:
        yield LiveServer(url=url, app=app, settings=app.state.tailored.settings, client=client)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["track", "identify", "page", "screen", "group", "alias", "batch"]),
    body=bodies,
)
def test_generated_payloads_never_cause_a_5xx(sqlite_server, path, body):
    key = sqlite_server.key("write") if not hasattr(sqlite_server, "_k") else sqlite_server._k
    sqlite_server._k = key
    answer = sqlite_server.client.post(
        f"/v1/{path}", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code < 500, answer.text
    assert answer.status_code in (200, 400, 413), answer.text
    payload = answer.json()
    if answer.status_code != 200:
        assert payload["error"]["message"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_generated_bytes_never_cause_a_5xx(sqlite_server, raw):
    key = sqlite_server.key("write") if not hasattr(sqlite_server, "_k") else sqlite_server._k
    sqlite_server._k = key
    for encoding in ("", "gzip"):
        answer = sqlite_server.client.post(
            "/v1/batch",
            content=raw,
            headers={"Authorization": f"Bearer {key}", "Content-Encoding": encoding},
        )
        assert answer.status_code in (200, 400, 413), answer.text


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_event(database_url):
    engine = storage.create_engine(make_settings(database_url))
    with engine.begin() as conn:
        key = storage.create_key(conn, 1, "write", "durability", SECRET).secret
    port = free_port()
    server = start_server(database_url, port)
    acknowledged: list[list[str]] = []
    sent: list[list[str]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            while not stop.is_set():
                ids = [uuid.uuid4().hex for _ in range(50)]
                batch = [
                    {"type": "track", "userId": f"u{i}", "event": "Tick", "messageId": m}
                    for i, m in enumerate(ids)
                ]
                sent.append(ids)
                try:
                    answer = http.post(
                        "/v1/batch",
                        json={"batch": batch},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                except httpx.TransportError:
                    return
                if answer.status_code == 200 and answer.json()["accepted"] == 50:
                    acknowledged.append(ids)

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    thread.join()
    assert len(acknowledged) >= 20

    server = start_server(database_url, port)  # a restart recovers the database
    try:
        with engine.connect() as conn:
            stored = [r[0] for r in conn.execute(sa.select(events.events.c.message_id))]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
        engine.dispose()
    counts = {m: stored.count(m) for m in set(stored)}
    assert all(c == 1 for c in counts.values()), "no event stored twice"
    for ids in acknowledged:
        assert all(m in counts for m in ids), "an acknowledged event was lost"
    for ids in sent:
        present = sum(m in counts for m in ids)
        assert present in (0, len(ids)), "a batch was stored in part"
