"""The official Segment and RudderStack Python libraries, unmodified, against a real server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tailored import events


def _stored(live):
    with live.app.state.tailored.engine.connect() as conn:
        return conn.execute(
            sa.select(events.events.c.type, events.events.c.event, events.events.c.user_id)
        ).all()


def test_segment_analytics_python(live_server):
    from segment.analytics import Client

    key = live_server.key("write")
    errors = []
    client = Client(
        key, host=live_server.url, sync_mode=True, on_error=lambda e, _: errors.append(e)
    )
    client.identify("user-1", {"email": "ada@example.com", "plan": "pro"})
    client.track("user-1", "Order Completed", {"revenue": 42.5, "currency": "EUR"})
    client.page("user-1", "Docs", "Getting started", {"url": "https://example.com/docs"})
    client.group("user-1", "acme", {"name": "Acme"})
    client.alias("user-1", "anon-9")
    client.flush()
    assert errors == []
    assert sorted(_stored(live_server)) == sorted(
        [
            ("identify", None, "user-1"),
            ("track", "Order Completed", "user-1"),
            ("page", None, "user-1"),
            ("group", None, "user-1"),
            ("alias", None, "anon-9"),
        ]
    )


def test_rudder_sdk_python_with_gzip(live_server):
    from rudderstack.analytics.client import Client

    key = live_server.key("write")
    errors = []
    client = Client(
        key, host=live_server.url, sync_mode=True, on_error=lambda e, _: errors.append(e)
    )
    assert client.gzip, "gzip is on by default"
    client.identify("user-2", {"country": "DE"})
    client.track("user-2", "Product Viewed", {"product_id": "sku-1"})
    client.flush()
    assert errors == []
    stored = _stored(live_server)
    assert ("track", "Product Viewed", "user-2") in stored
    assert ("identify", None, "user-2") in stored


def test_segment_client_with_a_bad_key_reports_an_error(live_server):
    from segment.analytics import Client
    from segment.analytics.request import APIError

    errors = []
    client = Client(
        "tlw_not-a-key",
        host=live_server.url,
        sync_mode=True,
        max_retries=0,
        on_error=lambda e, _: errors.append(e),
    )
    with pytest.raises(APIError) as info:  # sync mode raises instead of calling on_error
        client.track("u", "x")
    assert info.value.status == 401 and info.value.code == "unauthorized"
    assert "unknown API key" in info.value.message
    assert _stored(live_server) == []


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
