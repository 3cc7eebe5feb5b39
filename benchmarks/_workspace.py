"""The decide benchmarks' workspace: 20 segments, 10 experiences, 10 flags, a shop's people.

Experiences: 5 by rules (segment and condition audiences), 3 experiments (one in a layer) and
2 bandits, two per placement over 5 placements; flags: targeting, rollouts, a prerequisite, an
experiment rule and a disabled one. People come from the demo shop loaded through ingestion.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from tailored import decide, segments
from tailored.demo import ShopConfig, generate_shop, load_messages

PLACEMENTS = ("home_hero", "pricing_cta", "category_banner", "cart_upsell", "email_subject")


def _segments() -> list[dict[str, Any]]:
    conditions: list[Any] = [
        {"lifecycle_stage": "new"},
        {"lifecycle_stage": {"$in": ["at_risk", "dormant"]}},
        {"total_revenue": {"$gte": 100}},
        {"order_count": {"$gte": 2}},
        {"traits.plan": "pro"},
        {"top_categories": "kitchen"},
        {"$event": {"name": "Product Viewed", "within": "7d", "count": {"$gte": 3}}},
        {"$event": {"name": "Product Added", "within": "30d"}},
        {"$event": {"name": "Order Completed", "within": "90d", "count": 0}},
        {
            "$event": {
                "name": "Order Completed",
                "property": "revenue",
                "aggregate": "sum",
                "within": "90d",
                "value": {"$gte": 200},
            }
        },
        {
            "$sequence": {
                "steps": [{"name": "Product Added"}, {"name": "Order Completed"}],
                "within": "1d",
                "since": "7d",
                "completed": False,
            }
        },
        {"$event": {"name": "Searched", "within": "14d"}},
        {"$event": {"name": "Page Viewed", "within": "1d", "count": {"$gte": 5}}},
        {"$event": {"name": "Product Viewed", "where": {"category": "garden"}, "within": "30d"}},
        {"$event": {"name": "Product Viewed", "where": {"category": "toys"}, "within": "30d"}},
        {"$event": {"name": "Product Viewed", "where": {"category": "books"}, "within": "30d"}},
        {"total_revenue": {"$gte": 500}},
        {"average_order_value": {"$gte": 60}},
        {"$event": {"name": "Order Completed", "count": {"$gte": 5}}},
        {"$event": {"name": "Signed Up", "within": "30d"}},
    ]
    return [
        {"key": f"seg-{n}", "name": f"Segment {n}", "condition": c}
        for n, c in enumerate(conditions)
    ]


def _objects() -> dict[str, list[dict[str, Any]]]:
    placements: list[dict[str, Any]] = [
        {"key": p, "default": {"headline": f"{p} default"}} for p in PLACEMENTS
    ]
    experiments: list[dict[str, Any]] = [
        {"key": "exp-cta", "variants": [{"key": "a"}, {"key": "b"}]},
        {
            "key": "exp-banner",
            "variants": [{"key": "a"}, {"key": "b"}, {"key": "c"}],
            "coverage": 0.8,
        },
        {
            "key": "exp-subject",
            "variants": [{"key": "a", "weight": 0.3}, {"key": "b", "weight": 0.7}],
            "layer": {"key": "email", "range": [0, 0.6]},
        },
        {"key": "exp-checkout", "variants": [{"key": "old"}, {"key": "new"}]},
    ]

    def variants(keys: list[str]) -> list[dict[str, Any]]:
        return [{"key": k, "content": {"headline": k, "cta": f"/go/{k}"}} for k in keys]

    experiences: list[dict[str, Any]] = []
    for n, placement in enumerate(PLACEMENTS):
        experiences.append(
            {
                "key": f"rules-{placement}",
                "placement": placement,
                "priority": 10,
                "audience": {"segment": f"seg-{n}"},
                "variants": [
                    {"key": "vip", "audience": {"segment": f"seg-{n + 5}"}, **variants(["vip"])[0]},
                    {
                        "key": "locale",
                        "audience": {"condition": {"locale": "de-DE"}},
                        **variants(["locale"])[0],
                    },
                ],
            }
        )
    for placement, exp in (
        ("pricing_cta", "exp-cta"),
        ("category_banner", "exp-banner"),
        ("email_subject", "exp-subject"),
    ):
        keys = [v["key"] for v in next(e for e in experiments if e["key"] == exp)["variants"]]
        experiences.append(
            {
                "key": f"test-{placement}",
                "placement": placement,
                "allocation": "experiment",
                "experiment": exp,
                "variants": variants(keys),
            }
        )
    for placement in ("home_hero", "cart_upsell"):
        experiences.append(
            {
                "key": f"bandit-{placement}",
                "placement": placement,
                "allocation": "bandit",
                "variants": variants(["x", "y", "z"]),
            }
        )
    flags: list[dict[str, Any]] = [
        {
            "key": "f-staff",
            "rules": [
                {"audience": {"condition": {"traits.email": {"$regex": "@example"}}}, "value": True}
            ],
        },
        {"key": "f-pro", "rules": [{"audience": {"segment": "seg-4"}, "value": True}]},
        {
            "key": "f-de",
            "type": "string",
            "default": "en",
            "rules": [
                {"audience": {"condition": {"locale": {"$in": ["de-DE", "de-AT"]}}}, "value": "de"}
            ],
        },
        {
            "key": "f-big",
            "rules": [{"audience": {"condition": {"total_revenue": {"$gt": 300}}}, "value": True}],
        },
        {"key": "f-roll-10", "rules": [{"value": True, "rollout": 0.1}]},
        {"key": "f-roll-50", "rules": [{"value": True, "rollout": 0.5}]},
        {
            "key": "f-limit",
            "type": "number",
            "default": 10,
            "rules": [{"value": 20, "rollout": 0.3}],
        },
        {"key": "f-new-nav", "prerequisites": [{"flag": "f-roll-50"}], "rules": [{"value": True}]},
        {
            "key": "f-checkout",
            "type": "string",
            "default": "old",
            "rules": [{"experiment": "exp-checkout", "values": {"old": "old", "new": "new"}}],
        },
        {"key": "f-off", "enabled": False},
    ]
    return {
        "settings": [{"holdout": {"percent": 5}}],
        "placement": placements,
        "experiment": experiments,
        "experience": experiences,
        "flag": flags,
    }


def build_workspace(engine: Engine, visitors: int) -> list[str]:
    """Load a shop of ``visitors`` people and the decide configuration; return the user ids."""
    shop = generate_shop(ShopConfig(visitors=visitors, products=200))
    load_messages(engine, 1, list(shop.events()))
    segments.create_segments(engine, 1, _segments())
    objects = _objects()
    decide.save_many(
        engine,
        1,
        [decide.parse(kind, body) for kind in decide.KINDS for body in objects.get(kind, ())],
    )
    return [v.user_id for v in shop.visitors if v.user_id]


CONTEXTS: list[dict[str, Any]] = [
    {
        "page": {"url": "https://shop.example/?utm_source=google&utm_medium=cpc"},
        "locale": "de-DE",
        "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
    },
    {
        "page": {"url": "https://shop.example/kitchen", "referrer": "https://news.example/"},
        "locale": "en-GB",
    },
    {},
]
