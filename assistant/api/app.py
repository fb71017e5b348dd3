"""FastAPI app factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from assistant.api import admin, ask, cases, feedback, search, topics
from assistant.api.deps import ServicesDep
from assistant.api.limits import BodySizeLimit, RateLimit
from assistant.api.problems import install_problem_handlers, problem
from assistant.core.config import Settings, get_settings
from assistant.review import serving
from assistant.services import Services
from assistant.staff.routes import install as install_staff
from assistant.summons.router import install as install_summons
from assistant.summons.worker import serve_worker
from assistant.web import WEB_PAGES
from assistant.web import install as install_web

# How often the service looks for a store or a newer snapshot (e.g. after `alqabi index`).
STORE_POLL_SECONDS = 2.0


async def _keep_loaded(services: Services) -> None:
    while True:
        await asyncio.to_thread(services.try_load)
        await asyncio.sleep(STORE_POLL_SECONDS)


async def _keep_faq_served(services: Services) -> None:
    """FAQ entries published through another process are served within a poll."""
    while True:
        if services.loaded is not None:
            await asyncio.to_thread(serving.sync, services)
        await asyncio.sleep(STORE_POLL_SECONDS)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """A configured app; the store loads in the background and ``/ready`` says when."""
    settings = settings or get_settings()
    services = services or Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(_keep_loaded(services)),
            asyncio.create_task(_keep_faq_served(services)),
        ]
        summons = serve_worker(
            lambda: services.db, settings, getattr(app.state, "summons_clock", None)
        )
        if summons is not None:
            tasks.append(asyncio.create_task(summons.run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if summons is not None:
                await summons.close()

    app = FastAPI(
        title="Alqabi",
        version="0.1.0",
        summary="Jury-duty guidance and court-practice search for Kazakhstan (kk/ru)",
        lifespan=lifespan,
    )
    app.state.services = services
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    api = settings.api
    if api.rate_per_minute:
        app.add_middleware(
            RateLimit,
            per_minute=api.rate_per_minute,
            burst=api.rate_burst,
            exempt=api.rate_exempt,
            prefixes=("/v1/", *WEB_PAGES),
        )
    if api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.include_router(search.router)
    app.include_router(ask.router)
    app.include_router(feedback.router)
    app.include_router(topics.router)
    app.include_router(cases.router)
    install_web(app)
    install_staff(app)
    install_summons(app)
    app.include_router(admin.router)

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"], response_model=None)
    def ready(services: ServicesDep) -> dict[str, object] | JSONResponse:
        """200 once a store is loaded (with a refused newer snapshot, if any), 503 before."""
        loaded = services.loaded
        if loaded is None:
            return problem(503, "Not ready", services.last_error or "the store is still loading")
        m = loaded.store.manifest
        return {
            "status": "ready",
            "snapshot": m.snapshot,
            "documents": m.documents,
            "chunks": m.chunks,
            "embedder": m.embedder.model_dump(),
            "index_type": m.index_type,
            # A newer snapshot that failed its checks; the one above keeps serving.
            "refused": services.last_error,
        }

    return app
