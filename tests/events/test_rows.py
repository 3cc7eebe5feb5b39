from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tailored import events
from tailored.core import ValidationError

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_track_row():
    row = events.to_event_row(
        {
            "type": "track",
            "event": "Order Completed",
            "userId": 42,
            "timestamp": "2024-05-01T10:00:00Z",
            "properties": {"revenue": 10},
            "context": {"locale": "en-GB"},
        },
        NOW,
    )
    assert row["user_id"] == "42" and row["event"] == "Order Completed"
    assert row["timestamp"] == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert row["properties"] == {"revenue": 10} and row["traits"] is None
    assert len(row["message_id"]) == 36, "a missing messageId gets one"


def test_type_specific_fields():
    identify = events.to_event_row({"type": "identify", "userId": "u", "traits": {"a": 1}}, NOW)
    assert identify["traits"] == {"a": 1} and identify["timestamp"] == NOW
    page = events.to_event_row({"type": "page", "anonymousId": "a", "name": "Home"}, NOW)
    assert page["extra"] == {"name": "Home"}
    alias = events.to_event_row({"type": "alias", "userId": "u", "previousId": "p"}, NOW)
    assert alias["extra"] == {"previousId": "p"}


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ({"type": "click", "userId": "u"}, "type: 'click' is not one of"),
        ({"type": "track", "event": "x"}, "userId or an anonymousId"),
        ({"type": "track", "event": "x", "userId": ["u"]}, "userId: must be a string"),
        ({"type": "track", "event": "x", "userId": True}, "userId: must be a string"),
        ({"type": "track", "event": "x", "userId": "u", "timestamp": "now"}, "not an ISO 8601"),
        ({"type": "track", "event": "x", "userId": "u", "timestamp": 5}, "not an ISO 8601"),
        ({"type": "track", "userId": "u"}, "event: is required for track calls"),
        ({"type": "track", "event": "", "userId": "u"}, "event: is required"),
        ({"type": "track", "event": "x", "userId": "null"}, "placeholder"),
        (
            {"type": "track", "event": "x", "anonymousId": "00000000-0000-0000-0000-000000000000"},
            "placeholder",
        ),
        ({"type": "identify", "userId": " Undefined "}, "placeholder"),
        ({"type": "track", "event": "x", "userId": "u" * 256}, "longer than 255"),
        (
            {"type": "track", "event": "x", "userId": "u", "properties": []},
            "properties: must be an object",
        ),
        (
            {"type": "track", "event": "x", "userId": "u", "context": "web"},
            "context: must be an object",
        ),
        ({"type": "alias", "userId": "u"}, "previousId: is required"),
        ({"type": "group", "userId": "u"}, "groupId: is required"),
        (
            {"type": "track", "event": "x", "userId": "u", "messageId": 5},
            "messageId: must be a string",
        ),
        ("just a string", "body: must be a JSON object"),
    ],
)
def test_bad_messages(message, match):
    with pytest.raises(ValidationError, match=match):
        events.to_event_row(message, NOW)


def test_clock_skew_is_corrected_and_the_future_clamped():
    # The client's clock is 1 hour fast: it says it sent at 13:00 an event from 12:59.
    row = events.to_event_row(
        {
            "type": "track",
            "event": "x",
            "userId": "u",
            "timestamp": "2024-05-01T12:59:00Z",
            "sentAt": "2024-05-01T13:00:00Z",
        },
        NOW,
    )
    assert row["timestamp"] == datetime(2024, 5, 1, 11, 59, tzinfo=UTC)
    assert row["extra"] == {"originalTimestamp": "2024-05-01T12:59:00+00:00"}
    batch_sent = events.to_event_row(
        {"type": "track", "event": "x", "userId": "u", "timestamp": "2024-05-01T12:59:00Z"},
        NOW,
        sent_at="2024-05-01T13:00:00Z",
    )
    assert batch_sent["timestamp"] == row["timestamp"], "the batch's sentAt applies"
    future = events.to_event_row(
        {"type": "track", "event": "x", "userId": "u", "timestamp": "2024-05-03T12:00:00Z"}, NOW
    )
    assert future["timestamp"] == NOW and future["extra"]["clamped"] is True
    soon = events.to_event_row(
        {"type": "track", "event": "x", "userId": "u", "timestamp": "2024-05-01T20:00:00Z"}, NOW
    )
    assert soon["timestamp"] == datetime(2024, 5, 1, 20, tzinfo=UTC), "less than a day ahead"


def test_endpoint_type_and_error_locations():
    row = events.to_event_row({"event": "x", "userId": "u"}, NOW, kind="track")
    assert row["type"] == "track"
    with pytest.raises(ValidationError) as info:
        events.to_event_row({"event": "x", "userId": 1.5j}, NOW, kind="track", where="batch[3].")
    assert info.value.details == [
        {"loc": "batch[3].userId", "message": "must be a string, not complex"}
    ]
