"""``tailored demo``: a generated shop, loaded, with keys and examples, served."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.panel import Panel

from tailored import decide, events, profiles, recommend, segments, storage
from tailored.core import Settings
from tailored.demo import (
    ShopConfig,
    TrialConfig,
    generate_shop,
    load_items,
    load_messages,
    run_trial,
    workspace_file,
)
from tailored.recommend import Item, count_items

from ._context import console, errors, load_settings, progress
from ._serve import HostOption, PortOption, run_server

DEMO_DATABASE = "sqlite:///./tailored-demo.db"
DEMO_KEY_PREFIX = "demo-"
_CTA_RESULTS = "/v1/experiments/cta-copy/results"
_HOLDOUT_RESULTS = "/v1/holdout/results?metrics=add-to-cart,orders,revenue"
_BANDIT_RESULTS = "/v1/bandits/checkout-offer/results"


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    reset: Annotated[bool, typer.Option(help="Delete the demo data and build it anew.")] = False,
    scale: Annotated[
        float,
        typer.Option(help="Shop size relative to the default.", min=0.05, max=10, hidden=True),
    ] = 1.0,
    serve: Annotated[
        bool, typer.Option(help="Serve after loading (--no-serve only loads and prints).")
    ] = True,
) -> None:
    """Run the demo shop: 600 products, 6,000 visitors, ~200,000 events over 90 days.

    Uses ./tailored-demo.db unless TAILORED_DATABASE_URL is set; a second run reuses the data.

    Example: tailored demo --port 8000
    """
    settings = load_settings()
    if not os.environ.get("TAILORED_DATABASE_URL"):
        settings = settings.model_copy(update={"database_url": DEMO_DATABASE})
    if reset:
        _reset(settings)
    engine = storage.create_engine(settings)
    try:
        storage.upgrade(engine)
        with engine.begin() as conn:
            workspace = storage.ensure_default_workspace(conn)
            loaded = events.count_events(conn, workspace.id)
        if loaded:
            console.print(f"reusing the demo data ({loaded:,} events); --reset rebuilds it")
        else:
            _load(engine, workspace.id, scale)
        keys = _fresh_keys(engine, workspace.id, settings)
        _print_examples(engine, workspace.id, keys, f"http://{host}:{port}")
    finally:
        engine.dispose()
    if serve:
        # The server processes read their settings from the environment.
        os.environ["TAILORED_DATABASE_URL"] = settings.database_url
        run_server(host, port)


def _reset(settings: Settings) -> None:
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        # The database, its log, and the queue of exposures beside it (with its own log).
        for suffix in ("", "-wal", "-shm", "-exposures", "-exposures-wal", "-exposures-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    engine = storage.create_engine(settings)
    storage.downgrade(engine, "base")
    engine.dispose()


def _load(engine: sa.Engine, workspace_id: int, scale: float) -> None:
    default = ShopConfig()
    config = ShopConfig(
        products=max(24, round(default.products * scale)),
        visitors=max(50, round(default.visitors * scale)),
    )
    with console.status("generating the shop"):
        shop = generate_shop(config)
        messages = list(shop.events())
    items = [Item.model_validate(product) for product in shop.product_dicts()]
    with progress() as bar:
        task = bar.add_task("catalog", total=len(items))
        load_items(engine, workspace_id, items, on_progress=lambda n: bar.advance(task, n))
        task = bar.add_task("events", total=len(messages))
        result = load_messages(
            engine, workspace_id, messages, on_progress=lambda n: bar.advance(task, n)
        )
    if result.rejected:
        errors.print(f"[yellow]{len(result.rejected)} demo events were rejected[/]")
    with console.status("scoring buyers (RFM, probability alive)"):
        profiles.compute_scores(engine, workspace_id)
    with console.status("training recommendations"):
        recommend.train_demo(engine, workspace_id)
    with console.status("installing segments and computing their members"):
        segments.install_demo_segments(engine, workspace_id)
    with console.status("applying workspace.yaml: placements, experiments, experiences, flags"):
        wf = decide.load_workspace_file(workspace_file())
        decide.apply_plan(engine, workspace_id, decide.plan(engine, workspace_id, wf))
    trial = TrialConfig()
    with progress() as bar:
        task = bar.add_task(f"the workspace live for {trial.days} days", total=None)
        found = run_trial(
            engine, workspace_id, shop, config=trial,
            on_progress=lambda n, total: bar.update(task, completed=n, total=total),
        )  # fmt: skip
    console.print(
        f"{found.visits:,} visits decided live: {found.decisions:,} decisions, "
        f"{found.added:,} adds to cart, {found.orders:,} orders",
        highlight=False,
    )


def _fresh_keys(engine: sa.Engine, workspace_id: int, settings: Settings) -> dict[str, str]:
    """Revoke the previous run's demo keys and make new ones (secrets are shown once)."""
    pepper = settings.secret_key.get_secret_value()
    with engine.begin() as conn:
        for key in storage.list_keys(conn, workspace_id):
            if key.name.startswith(DEMO_KEY_PREFIX) and key.revoked_at is None:
                storage.revoke_key(conn, key.id)
        return {
            scope: storage.create_key(
                conn, workspace_id, scope, f"{DEMO_KEY_PREFIX}{scope}", pepper
            ).secret
            for scope in storage.SCOPES
        }


def _example_person(engine: sa.Engine, workspace_id: int) -> str:
    """A demo customer with orders, to show in the examples."""
    with engine.connect() as conn:
        user = conn.execute(
            sa.select(events.events.c.user_id)
            .where(
                events.events.c.workspace_id == workspace_id,
                events.events.c.event == "Order Completed",
                events.events.c.user_id.is_not(None),
            )
            .limit(1)
        ).scalar()
    return str(user or "demo-user")


def _print_examples(engine: sa.Engine, workspace_id: int, keys: dict[str, str], base: str) -> None:
    with engine.connect() as conn:
        kind = sa.func.coalesce(events.events.c.event, events.events.c.type)
        by_kind: Counter[str] = Counter(
            dict(
                conn.execute(
                    sa.select(kind, sa.func.count())
                    .where(events.events.c.workspace_id == workspace_id)
                    .group_by(kind)
                ).all()
            )
        )
        products = count_items(conn, workspace_id)
        sizes = segments.segment_sizes(conn, workspace_id)
    top = ", ".join(f"{name} {count:,}" for name, count in by_kind.most_common(6))
    console.print(
        Panel.fit(
            f"[bold]{products:,}[/] products, [bold]{sum(by_kind.values()):,}[/] events: {top}\n\n"
            f"write key   [bold]{keys['write']}[/]  (public: send events)\n"
            f"server key  [bold]{keys['server']}[/]  (decisions, profiles)\n"
            f"admin key   [bold]{keys['admin']}[/]  (configuration, keys)",
            title="tailored demo shop",
        ),
        highlight=False,
    )
    if sizes:
        listing = ", ".join(f"{key} {n:,}" for key, n in sorted(sizes.items(), key=lambda x: -x[1]))
        console.print(f"Segments and their members now: {listing}\n", highlight=False)
    console.print("Try it (in another terminal):\n", highlight=False)
    person = _example_person(engine, workspace_id)
    track = json.dumps(
        {"userId": person, "event": "Product Viewed", "properties": {"product_id": "demo-1"}}
    )
    decide_body = json.dumps(
        {"userId": person, "context": {"page": {"url": "https://shop.example/"}, "locale": "en-GB"}}
    )
    examples = [
        ("Is it ready?", f"curl {base}/readyz"),
        (
            "Send an event (write key, as Segment's libraries do)",
            f"curl -u '{keys['write']}:' -H 'Content-Type: application/json' "
            f"-d '{track}' {base}/v1/track",
        ),
        (
            "Read the profile it updated (server key)",
            f"curl -H 'Authorization: Bearer {keys['server']}' {base}/v1/profiles/{person}",
        ),
        (
            "Their latest events",
            f"curl -H 'Authorization: Bearer {keys['server']}' "
            f"'{base}/v1/profiles/{person}/events?limit=5'",
        ),
        (
            "Everything stored about them (admin key)",
            f"curl -H 'Authorization: Bearer {keys['admin']}' {base}/v1/profiles/{person}/export",
        ),
        ("Wrong scope: 403", f"curl -H 'Authorization: Bearer {keys['write']}' {base}/v1/keys"),
        (
            "What they see: every placement and flag, with reasons (server key)",
            f"curl -H 'Authorization: Bearer {keys['server']}' -H 'Content-Type: application/json' "
            f"-d '{decide_body}' {base}/v1/decide",
        ),
        (
            "The same flags through OpenFeature's remote protocol",
            f"curl -H 'Authorization: Bearer {keys['server']}' -H 'Content-Type: application/json' "
            f'-d \'{{"context": {{"targetingKey": "{person}"}}}}\' '
            f"{base}/ofrep/v1/evaluate/flags",
        ),
        (
            f"The decisions above, as the YAML they were applied from ({workspace_file().name})",
            f"TAILORED_DATABASE_URL='{engine.url.render_as_string()}' tailored export",
        ),
    ]
    reports = [
        ("The A/B test's results: free-returns lifts add-to-cart", _CTA_RESULTS),
        ("The total lift of personalization: the 5% holdout against the rest", _HOLDOUT_RESULTS),
        ("How the checkout bandit learned: allocation per day, reward per arm, regret",
         _BANDIT_RESULTS),
    ]  # fmt: skip
    examples += [
        (title, f"curl -H 'Authorization: Bearer {keys['server']}' '{base}{path}'")
        for title, path in [*recommend.demo_examples(engine, workspace_id), *reports]
    ]
    if "keen-no-order" in sizes:
        examples.append(
            (
                "Who viewed products 3+ times this week but did not order (admin key)",
                f"curl -H 'Authorization: Bearer {keys['admin']}' "
                f"'{base}/v1/segments/keen-no-order/members?limit=5'",
            )
        )
    for title, command in examples:
        console.print(f"  # {title}\n  {command}\n", highlight=False, soft_wrap=True)
    console.print(f"API docs: {base}/docs\n", highlight=False)
