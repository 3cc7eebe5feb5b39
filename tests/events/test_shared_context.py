"""Messages that share one ``context`` object (a decide call's exposures) share its parsing."""

from __future__ import annotations

from datetime import UTC, datetime

from tailored import events

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
CONTEXT = {
    "ip": "203.0.113.77",
    "page": {"url": "https://shop.example/?utm_source=google&utm_medium=cpc"},
    "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
    "consent": {"personalization": False},
}


def _track(n: int, context: dict[str, object]) -> dict[str, object]:
    return {"type": "track", "event": "Viewed", "userId": f"u{n}", "context": context}


def test_a_shared_context_gives_what_separate_copies_give():
    shared, _ = events.validate_messages([_track(n, CONTEXT) for n in range(3)], NOW)
    alone, _ = events.validate_messages([_track(n, dict(CONTEXT)) for n in range(3)], NOW)
    assert [(r["context"], r["parsed"]) for r in shared] == [
        (r["context"], r["parsed"]) for r in alone
    ]
    assert shared[0]["context"] == CONTEXT | {"ip": "203.0.113.0"}
    assert shared[0]["parsed"]["seen"]["channel"] == "paid_search"
    assert shared[0]["parsed"]["consent"] == {"personalization": (False, "event")}
    assert CONTEXT["ip"] == "203.0.113.77"  # the message's own context is left alone


def test_page_calls_are_parsed_with_their_own_properties():
    page = {"type": "page", "userId": "u", "context": CONTEXT,
            "properties": {"url": "https://other.example/landing"}}  # fmt: skip
    rows, _ = events.validate_messages([_track(1, CONTEXT), page], NOW)
    assert rows[0]["parsed"]["seen"]["channel"] == "paid_search"
    assert rows[1]["parsed"]["seen"]["channel"] == "direct"
