"""FastAPI app factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from assistant.api import ask, cases, feedback, search, topics
from assistant.api.deps import ServicesDep
from assistant.api.limits import BodySizeLimit
from assistant.api.problems import install_problem_handlers, problem
from assistant.core.config import Settings, get_settings
from assistant.services import Services

# How often a service without a store looks for one (e.g. while `alqabi index` runs).
STORE_POLL_SECONDS = 2.0


async def _load_until_ready(services: Services) -> None:
    while not await asyncio.to_thread(services.try_load):
        await asyncio.sleep(STORE_POLL_SECONDS)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """A configured app; the store loads in the background and ``/ready`` says when."""
    settings = settings or get_settings()
    services = services or Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = asyncio.create_task(_load_until_ready(services))
        try:
            yield
        finally:
            loader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loader

    app = FastAPI(
        title="Alqabi",
        version="0.1.0",
        summary="Jury-duty guidance and court-practice search for Kazakhstan (kk/ru)",
        lifespan=lifespan,
    )
    app.state.services = services
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    app.include_router(search.router)
    app.include_router(ask.router)
    app.include_router(feedback.router)
    app.include_router(topics.router)
    app.include_router(cases.router)

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"], response_model=None)
    def ready(services: ServicesDep) -> dict[str, object] | JSONResponse:
        """200 once a store is loaded, 503 before."""
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
        }

    return app
