"""Two weeks of live traffic on the demo workspace, decided by the engine itself.

The shop's history has no decisions: it happened before the workspace existed. This runs the
demo workspace's experiences as if they had been live for the last ``days`` days: each visit
is decided by :func:`tailored.decide.decide` at its time (so assignment, the holdout, sticky
variants and the bandit's choices are the engine's own), its exposures and what the visitor
then does are ingested as events, and the bandit learns from the conversions day by day.

What the visitors do follows a hidden truth, so that the reports have something real to find:

- the ``free-returns`` call to action lifts adding to cart by :attr:`TrialConfig.cta_lift`
  (relative), and a personalized home hero by :attr:`TrialConfig.hero_lift`; people in the
  global holdout see neither;
- at checkout, the chance of ordering depends on the banner: :data:`ORDER_RATES`, so the
  ``checkout-offer`` bandit should move its traffic to ``shipping``;
- how likely a person is to add to cart depends on how much they added in the month before,
  so CUPED has a covariate worth using.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from tailored import decide, events
from tailored.core import JSONObject, utcnow

from ._shop import Shop
from ._vocabulary import CURRENCY

#: Per checkout banner arm (``None``: the default banner), the chance of ordering.
ORDER_RATES = {"returns": 0.30, "shipping": 0.48, "points": 0.36, None: 0.30}
#: Visitors still coming to the shop at its end.
_LIVE = ("new", "active")
_BATCH_HOURS = 6


@dataclass(frozen=True)
class TrialConfig:
    """The trial's size and hidden truth.

    Attributes:
        days: How many of the latest days the workspace was live.
        visit_rate: The chance that a live visitor comes on a given day.
        base_add: The chance of adding to cart on a visit, before what the person did before
            and what they were shown.
        per_recent_add: Added to that chance per product they added in the 30 days before.
        cta_lift: Relative lift of adding to cart from the ``free-returns`` call to action.
        hero_lift: Relative lift of adding to cart from a personalized home hero.
        seed: The same seed gives the same visits and outcomes (decision ids differ).
    """

    days: int = 14
    visit_rate: float = 0.15
    base_add: float = 0.10
    per_recent_add: float = 0.03
    cta_lift: float = 0.5
    hero_lift: float = 0.20
    seed: int = 7


@dataclass
class TrialResult:
    """What the trial did."""

    visits: int = 0
    decisions: int = 0
    added: int = 0
    orders: int = 0


@dataclass(frozen=True)
class _Visit:
    at: datetime
    visitor: int


def run_trial(
    engine: Engine,
    workspace_id: int,
    shop: Shop,
    *,
    config: TrialConfig | None = None,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> TrialResult:
    """Run the demo workspace live over the shop's last ``config.days`` days.

    Visits are processed in time order, six hours at a time: decided, then ingested with
    what followed, then the bandit's unrewarded decisions past their deadline get their
    default reward, as the worker would. ``on_progress(visits_done, visits_in_all)`` is
    called after each batch.
    """
    config = config or TrialConfig()
    now = now or utcnow()
    rng = random.Random(f"{config.seed}:trial")
    start = now - timedelta(days=config.days)
    recent = shop.adds_to_cart(start - timedelta(days=30), start)
    visits = _visits(rng, shop, config, start, now)
    result = TrialResult()
    for batch in _batches(visits, start):
        messages: list[JSONObject] = []
        for visit in batch:
            messages += _visit(engine, workspace_id, shop, visit, config, recent, rng, result)
        events.ingest(engine, workspace_id, messages, utcnow(), where="")
        decide.default_rewards(engine, now=min(batch[-1].at, now))
        if on_progress:
            on_progress(result.visits, len(visits))
    return result


def _visits(
    rng: random.Random, shop: Shop, config: TrialConfig, start: datetime, now: datetime
) -> list[_Visit]:
    live = [n for n, v in enumerate(shop.visitors) if v.lifecycle in _LIVE]
    span = (now - start).total_seconds()
    visits = []
    for day in range(config.days):
        for visitor in live:
            if rng.random() < config.visit_rate:
                offset = (day + rng.random()) * 86_400
                if offset < span:
                    visits.append(_Visit(start + timedelta(seconds=offset), visitor))
    visits.sort(key=lambda v: (v.at, v.visitor))
    return visits


def _batches(visits: list[_Visit], start: datetime) -> Iterable[list[_Visit]]:
    batch: list[_Visit] = []
    edge = start + timedelta(hours=_BATCH_HOURS)
    for visit in visits:
        if visit.at >= edge and batch:
            yield batch
            batch = []
        while visit.at >= edge:
            edge += timedelta(hours=_BATCH_HOURS)
        batch.append(visit)
    if batch:
        yield batch


def _visit(
    engine: Engine,
    workspace_id: int,
    shop: Shop,
    visit: _Visit,
    config: TrialConfig,
    recent: Counter[int],
    rng: random.Random,
    result: TrialResult,
) -> list[JSONObject]:
    """One visit: the product page is decided, perhaps a product is added and the checkout
    decided, perhaps an order follows. Returns the exposures and events, in time order."""
    person = shop.visitors[visit.visitor]
    context = shop.browser_context(visit.visitor)
    ids: dict[str, Any] = {"anonymous_id": person.anonymous_id, "user_id": person.user_id}
    page = decide.DecideRequest(
        **ids, context=context, placements=("home_hero", "product_cta"), flags=(), dry_run=True
    )
    shown = decide.decide(engine, workspace_id, page, now=visit.at)
    out = decide.exposure_messages(page, shown, visit.at)
    result.visits += 1
    chance = config.base_add + config.per_recent_add * recent[visit.visitor]
    cta = shown.decisions.get("product_cta")
    hero = shown.decisions.get("home_hero")
    if cta is not None and cta.variant == "free-returns":
        chance *= 1 + config.cta_lift
    if hero is not None and hero.reason == "rules":
        chance *= 1 + config.hero_lift
    if rng.random() >= min(chance, 0.9):
        return _counted(out, result)
    product = shop.products[rng.randrange(len(shop.products))]
    added_at = visit.at + timedelta(minutes=2)
    line = {"product_id": product.item_id, "name": product.title, "price": product.price}
    out.append(_track(person, "Product Added", added_at, {**line, "quantity": 1}, context))
    result.added += 1
    checkout = decide.DecideRequest(
        **ids, context=context, placements=("checkout_banner",), flags=(), dry_run=True
    )
    checkout_at = visit.at + timedelta(minutes=4)
    banner = decide.decide(engine, workspace_id, checkout, now=checkout_at)
    out += decide.exposure_messages(checkout, banner, checkout_at)
    offer = banner.decisions.get("checkout_banner")
    arm = offer.variant if offer is not None and offer.reason == "bandit" else None
    if rng.random() < ORDER_RATES.get(arm, ORDER_RATES[None]):
        order = {"order_id": f"trial-{visit.at.timestamp():.0f}-{visit.visitor}",
                 "revenue": product.price, "currency": CURRENCY, "products": [line]}  # fmt: skip
        out.append(_track(person, "Order Completed", checkout_at + timedelta(minutes=3), order,
                          context))  # fmt: skip
        result.orders += 1
    return _counted(out, result)


def _counted(messages: list[JSONObject], result: TrialResult) -> list[JSONObject]:
    result.decisions += sum(1 for m in messages if m.get("event") == decide.EXPOSURE_EVENT)
    return messages


def _track(
    person: Any, name: str, at: datetime, properties: JSONObject, context: JSONObject
) -> JSONObject:
    message: JSONObject = {
        "type": "track",
        "event": name,
        "anonymousId": person.anonymous_id,
        "timestamp": at.isoformat(),
        "properties": properties,
        "context": context,
    }
    if person.user_id:
        message["userId"] = person.user_id
    return message
