"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tailored import __version__, decide, storage
from tailored.core import Settings, settle_heap

from ._collect import router as collect_router
from ._decide_api import router as decide_router
from ._decide_config_api import router as decide_config_router
from ._docs import install_docs
from ._errors import install_error_handlers
from ._health import router as health_router
from ._keys_api import router as keys_router
from ._logging import configure_logging
from ._middleware import BodySizeLimit, RequestContext
from ._ofrep_api import router as ofrep_router
from ._privacy_api import router as privacy_router
from ._profiles_api import router as profiles_router
from ._ratelimit import RateLimiter
from ._recommend_api import router as recommend_router
from ._responses import FastJSONResponse
from ._segments_api import router as segments_router
from ._state import AppState
from ._stats_api import router as stats_router

log = logging.getLogger("tailored.server")

DESCRIPTION = """
tailored is a self-hosted personalization engine. Authenticate with an API key as
`Authorization: Bearer <key>`; keys have the scope `write` (send events), `server`
(decisions, recommendations, profile reads) or `admin` (configuration, erasure, keys).
Every error answers `{"error": {"code", "message", "details"}}`.
"""


#: The API reference's sections, in reading order.
TAGS = (
    "health", "keys", "collection", "profiles", "privacy", "segments", "recommendations",
    "decide", "placements", "experiences", "experiments", "flags", "metrics", "settings",
    "statistics", "openfeature",
)  # fmt: skip


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the HTTP app for ``settings`` (read from the environment if omitted).

    Raises :class:`tailored.core.ConfigurationError` if production mode meets insecure settings.
    """
    settings = (settings or Settings()).check()
    configure_logging(settings)
    engine = storage.create_engine(settings)
    redis = storage.connect_redis(settings.redis_url) if settings.redis_url else None
    state = AppState(
        settings=settings,
        engine=engine,
        redis=redis,
        rate_limiter=RateLimiter(settings.ingest_rate_limit),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not storage.is_up_to_date(engine):
            log.warning("the database is not migrated: run `tailored db upgrade`")
        if storage.is_sqlite(engine) and settings.sqlite_checkpoint_seconds > 0:
            interval = settings.sqlite_checkpoint_seconds
            state.checkpointer = storage.Checkpointer(engine, interval).start()
        path = decide.queue_path(engine) if settings.decide_exposure_queue else None
        if path is not None:
            state.exposures = decide.ExposureQueue(settings, engine, path).start()
        yield
        if state.exposures is not None:
            state.exposures.stop()
        if state.checkpointer is not None:
            state.checkpointer.stop()
        engine.dispose()
        if redis is not None:
            redis.close()

    app = FastAPI(
        title="tailored",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
        openapi_tags=[{"name": tag} for tag in TAGS],
    )
    app.state.tailored = state
    install_error_handlers(app, debug=settings.debug)
    install_docs(app)
    # A request is matched against the routes in the order they were added, so the decision
    # call, the hottest of all, goes first (a tenth of its time went to matching when it came
    # after a few dozen other routes); the documentation keeps its order through TAGS.
    app.include_router(decide_router)
    app.include_router(health_router)
    app.include_router(keys_router)
    app.include_router(collect_router)
    app.include_router(profiles_router)
    app.include_router(privacy_router)
    app.include_router(segments_router)
    app.include_router(recommend_router)
    app.include_router(decide_config_router)
    app.include_router(stats_router)
    app.include_router(ofrep_router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext)
    return app


def app_from_environment() -> FastAPI:
    """The app configured from ``TAILORED_*`` variables: the factory uvicorn workers call.

    The process serves until it stops, so its garbage collector is set for that once the app
    is built (see :func:`tailored.core.settle_heap`).
    """
    app = create_app(Settings())
    settle_heap()
    return app
