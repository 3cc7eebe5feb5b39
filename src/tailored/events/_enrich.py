"""What collection derives from a message's context before it is stored.

The raw client IP never reaches the event log unless ``ip_mode`` is ``keep``: the stored
``context.ip`` is the truncated (or no) address. Device, channel and consent are handed to the
stages that react to the event (as the row's ``parsed``), not stored twice.
"""

from __future__ import annotations

from typing import Any

from ._context import IpMode, parse_context
from ._log import EventRow

_GRANTED = {
    True: True,
    False: False,
    "granted": True,
    "denied": False,
    "true": True,
    "false": False,
}


def consent_choices(context: Any, *, gpc: bool = False) -> dict[str, tuple[bool, str]]:
    """Consent per category from ``context.consent`` and the Global Privacy Control signal.

    Accepts tailored's flat form (``{"analytics": true, "personalization": false}``) and
    Segment's (``{"categoryPreferences": {...}}``); GPC (``Sec-GPC: 1`` or ``context.gpc``)
    is recorded as the ``gpc`` category and withdraws ``personalization`` and ``marketing``.
    """
    choices: dict[str, tuple[bool, str]] = {}
    consent = context.get("consent") if isinstance(context, dict) else None
    if isinstance(consent, dict):
        preferences = consent.get("categoryPreferences", consent)
        if isinstance(preferences, dict):
            for category, value in preferences.items():
                granted = _GRANTED.get(value) if isinstance(value, bool | str) else None
                if isinstance(category, str) and granted is not None:
                    choices[category] = (granted, "event")
    if gpc or (isinstance(context, dict) and context.get("gpc") in (True, 1, "1", "true")):
        choices["gpc"] = (True, "gpc")
        choices["personalization"] = (False, "gpc")
        choices["marketing"] = (False, "gpc")
    return choices


def enrich(
    row: EventRow,
    message: dict[str, Any],
    *,
    request_ip: str | None = None,
    ip_mode: IpMode = "truncate",
    gpc: bool = False,
    memo: dict[int, tuple[dict[str, Any] | None, dict[str, Any]]] | None = None,
) -> None:
    """Attach ``parsed`` (device, channel, consent) to ``row`` and scrub the stored IP.

    ``memo`` (one dict per batch, whose messages stay alive meanwhile) lets messages that share
    one ``context`` object, such as the exposures of a decide call, share its parsing too:
    the scrubbed context and ``parsed`` are then the same objects in those rows.
    """
    raw = message.get("context")
    key = id(raw) if raw and message.get("type") != "page" else None
    if memo is not None and key is not None and (known := memo.get(key)) is not None:
        row["context"], row["parsed"] = known
        return
    parsed = parse_context(message, request_ip=request_ip, ip_mode=ip_mode)
    context = dict(row["context"] or {})
    if parsed.ip:
        context["ip"] = parsed.ip
    else:
        context.pop("ip", None)
    row["context"] = context or None
    # A server-side call (no user agent, no device, no page) says nothing about how the
    # person browses: it must not overwrite what their browser told us.
    browsing = parsed.browser or parsed.os or parsed.device_type != "other" or parsed.page_url
    row["parsed"] = {
        "seen": {
            "device_type": parsed.device_type,
            "browser": parsed.browser,
            "os": parsed.os,
            "channel": parsed.channel,
            "source": parsed.utm_source or parsed.referrer_host,
        }
        if browsing
        else None,
        "consent": consent_choices(raw, gpc=gpc),
    }
    if memo is not None and key is not None:
        memo[key] = (row["context"], row["parsed"])
