"""What collection derives from context: stored IPs, device and channel, consent and GPC."""

from __future__ import annotations

import sqlalchemy as sa

from tailored import events
from tailored.core import Settings
from tailored.server import create_app
from tests.fixtures.servers import serve

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _stored_context(live, message_id):
    with live.app.state.tailored.engine.connect() as conn:
        return conn.execute(
            sa.select(events.events.c.context).where(events.events.c.message_id == message_id)
        ).scalar_one()


def _send(live, body, **headers):
    key = live.key("write")
    answer = live.client.post(
        "/v1/track", json=body, headers={"Authorization": f"Bearer {key}", **headers}
    )
    assert answer.status_code == 200, answer.text


def _profile(live, ident):
    key = live.key("server")
    return live.client.get(
        f"/v1/profiles/{ident}", headers={"Authorization": f"Bearer {key}"}
    ).json()


def test_ips_are_truncated_before_storage(live_server):
    _send(
        live_server,
        {"userId": "u", "event": "e", "messageId": "m1", "context": {"ip": "203.0.113.77"}},
    )
    assert _stored_context(live_server, "m1")["ip"] == "203.0.113.0"
    _send(live_server, {"userId": "u", "event": "e", "messageId": "m2"})
    assert _stored_context(live_server, "m2") == {"ip": "127.0.0.0"}, (
        "the request's address, truncated"
    )
    _send(
        live_server,
        {
            "userId": "u",
            "event": "e",
            "messageId": "m3",
            "context": {"ip": "2001:db8:1234:5678::1"},
        },
    )
    assert _stored_context(live_server, "m3")["ip"] == "2001:db8:1234::"


def test_ip_mode_drop_stores_no_ip(settings):
    app = create_app(Settings(**{**settings.model_dump(), "ip_mode": "drop"}))
    with serve(app) as url:
        import httpx

        from tests.fixtures.servers import LiveServer

        with httpx.Client(base_url=url) as client:
            live = LiveServer(url=url, app=app, settings=app.state.tailored.settings, client=client)
            _send(
                live,
                {
                    "userId": "u",
                    "event": "e",
                    "messageId": "d1",
                    "context": {"ip": "203.0.113.77", "locale": "en-GB"},
                },
            )
            assert _stored_context(live, "d1") == {"locale": "en-GB"}


def test_device_channel_and_consent_reach_the_profile(live_server):
    _send(live_server, {
        "userId": "v", "event": "Product Viewed",
        "context": {
            "userAgent": IPHONE,
            "page": {"url": "https://shop.example/p/1?utm_source=newsletter&utm_medium=email&utm_campaign=spring"},
            "consent": {"categoryPreferences": {"analytics": True, "personalization": False}},
        },
    })  # fmt: skip
    profile = _profile(live_server, "v")
    computed = profile["computed"]
    assert computed["last_device"] == "mobile" and computed["last_os"] == "iOS"
    assert computed["last_channel"] == "email" and computed["last_source"] == "newsletter"
    assert profile["consent"]["personalization"]["granted"] is False
    assert profile["consent"]["analytics"]["granted"] is True


def test_global_privacy_control_withdraws_personalization(live_server):
    _send(live_server, {"userId": "w", "event": "e"}, **{"Sec-GPC": "1"})
    consent = _profile(live_server, "w")["consent"]
    assert consent["gpc"]["granted"] is True
    assert (
        consent["personalization"]["granted"] is False
        and consent["personalization"]["source"] == "gpc"
    )
    _send(live_server, {"userId": "x", "event": "e", "context": {"gpc": True}})
    assert _profile(live_server, "x")["consent"]["marketing"]["granted"] is False


def test_a_server_side_call_keeps_what_the_browser_said(live_server):
    _send(live_server, {"userId": "y", "event": "e", "context": {"userAgent": IPHONE}})
    _send(live_server, {"userId": "y", "event": "Order Completed"})
    assert _profile(live_server, "y")["computed"]["last_device"] == "mobile"
