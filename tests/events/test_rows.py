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
        ({"type": "track", "userId": ["u"]}, "userId must be a string"),
        ({"type": "track", "userId": True}, "userId must be a string"),
        ({"type": "track", "userId": "u", "timestamp": "yesterday"}, "not an ISO 8601"),
        ({"type": "track", "userId": "u", "timestamp": 5}, "not an ISO 8601"),
    ],
)
def test_bad_messages(message, match):
    with pytest.raises(ValidationError, match=match):
        events.to_event_row(message, NOW)
