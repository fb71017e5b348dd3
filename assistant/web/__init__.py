"""The web page for judges and outreach staff: server-rendered, works without JavaScript."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant.web.page import STATIC_DIR
from assistant.web.routes import router

# The page's routes that run a search or an answer: rate-limited like the API.
WEB_PAGES = ("/ask", "/feedback", "/search", "/cases", "/estimate", "/login")


def install(app: FastAPI) -> None:
    """Serve the page at ``/`` and its stylesheet and script under ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
