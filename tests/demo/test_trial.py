"""The demo workspace run live over the shop's last two weeks: the reports find the truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tailored import decide, segments, storage
from tailored.demo import (
    ORDER_RATES,
    ShopConfig,
    TrialConfig,
    generate_shop,
    load_messages,
    run_trial,
    workspace_file,
)
from tests.fixtures.databases import make_settings

#: The shop and the trial end at noon yesterday, so that the trial's days, its segments and
#: the bandit's path do not shift with the hour the test runs at (its conversions are still
#: received now, as in the demo).
END = datetime.combine(datetime.now(UTC).date(), time(12), UTC) - timedelta(days=1)


@pytest.fixture
def seeded_bandits() -> Iterator[None]:
    """The bandit's draws from a seeded generator, so that the trial's path is reproducible:
    with live draws, once in a few dozen runs an early lucky streak of a weaker arm outlasts
    ten days of traffic."""
    decide.set_bandit_hook(decide.LocalBandits(seed=11))
    yield
    decide.set_bandit_hook(decide.LocalBandits())


def test_the_reports_find_the_effects_the_trial_planted(sqlite_url, seeded_bandits):
    engine = storage.create_engine(make_settings(sqlite_url))
    with engine.begin() as conn:
        workspace = storage.ensure_default_workspace(conn).id
    shop = generate_shop(ShopConfig(products=120, visitors=2500, seed=3, end=END))
    load_messages(engine, workspace, list(shop.events()))
    segments.install_demo_segments(engine, workspace)
    wf = decide.load_workspace_file(workspace_file())
    decide.apply_plan(engine, workspace, decide.plan(engine, workspace, wf))
    progress: list[tuple[int, int]] = []
    # Ten days instead of the demo's fourteen, with a larger planted lift than the demo's, so
    # that the test finds it well inside 5%.
    config = TrialConfig(days=10, cta_lift=0.8)
    result = run_trial(
        engine, workspace, shop, config=config, now=END, on_progress=lambda *p: progress.append(p)
    )
    assert progress[-1] == (result.visits, result.visits) and len(progress) > config.days
    assert result.visits > 1000 and result.orders > 0
    with engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(decide.decisions)).scalar()
    assert logged == result.decisions

    # The A/B test: the free-returns copy lifts adding to cart, and the results say so.
    found = decide.experiment_results(engine, workspace, "cta-copy")
    assert found["srm"]["mismatch"] is False
    row = next(r for r in found["metrics"]
               if r["metric"] == "add-to-cart" and r["variant"] == "free-returns")  # fmt: skip
    assert row["lift"] > 0 and row["p_value"] < 0.05, row

    # The holdout saw the defaults only; the report has both groups.
    holdout = decide.holdout_results(engine, workspace, ["add-to-cart", "orders"])
    assert holdout["users"]["holdout"] > 0 and holdout["srm"]["mismatch"] is False

    # The bandit moved its traffic to the banner that sells best, and lost less than uniform.
    bandit = decide.bandit_results(engine, workspace, "checkout-offer")
    best = max((arm for arm in ORDER_RATES if arm), key=lambda arm: ORDER_RATES[arm])
    shares = {arm["arm"]: arm["share"] for arm in bandit["arms"]}
    assert max(shares, key=lambda arm: shares[arm]) == best
    assert bandit["regret"]["saved_vs_uniform"] > 0
    assert len(bandit["timeline"]) >= config.days
    engine.dispose()
