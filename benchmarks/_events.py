"""Realistic Segment messages for the ingestion benchmarks."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from tailored.core import utcnow

_NAMES = ["Product Viewed", "Product Added", "Products Searched", "Checkout Started"]


def install_stages() -> None:
    """Subscribe every stage to ingestion, as ``tailored serve`` and the CLI do: profile
    states, segment memberships, the decision log, attribution and sticky assignments."""
    import tailored.decide
    import tailored.profiles
    import tailored.segments  # noqa: F401


def messages(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` browser-like messages from 5,000 people: mostly track, some page and identify."""
    rng = random.Random(seed)
    now = utcnow()
    out: list[dict[str, Any]] = []
    for i in range(n):
        person = rng.randrange(5000)
        base: dict[str, Any] = {
            "messageId": uuid.UUID(int=rng.getrandbits(128)).hex,
            "anonymousId": f"anon-{person}",
            "timestamp": (now - timedelta(seconds=n - i)).isoformat(),
            "context": {
                "page": {"url": f"https://shop.example/p/{rng.randrange(600)}", "referrer": ""},
                "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
                "locale": "en-GB",
                "campaign": {"source": "newsletter", "medium": "email", "name": "spring"},
            },
        }
        if person % 3 == 0:
            base["userId"] = f"user-{person}"
        roll = rng.random()
        if roll < 0.75:
            sku = rng.randrange(600)
            base |= {
                "type": "track",
                "event": rng.choice(_NAMES),
                "properties": {"product_id": f"sku-{sku}", "price": 19.99, "category": "kitchen"},
            }
        elif roll < 0.95:
            base |= {"type": "page", "name": "Product", "properties": {"path": "/p"}}
        else:
            base |= {"type": "identify", "userId": f"user-{person}", "traits": {"plan": "pro"}}
        out.append(base)
    return out
