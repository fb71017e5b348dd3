"""Templates, the page language and what every page's context holds."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from assistant.core.cases import (
    CATEGORY_LABELS,
    INSTANCE_LABELS,
    OUTCOME_LABELS,
    REGION_LABELS,
    REVIEW_LABELS,
)
from assistant.core.collections import collection_names
from assistant.core.schemas import LANGS, Lang
from assistant.locales import messages, text

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
LANG_COOKIE = "alqabi_lang"
_YEAR = 365 * 24 * 3600
# Our own files only: no CDN, no inline script or style (chart bars are SVG attributes).
CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "outcome": OUTCOME_LABELS,
    "review": REVIEW_LABELS,
    "category": CATEGORY_LABELS,
    "instance": INSTANCE_LABELS,
    "region": REGION_LABELS,
    "collection": collection_names(),
}
templates = Jinja2Templates(directory=HERE / "templates")


def page_lang(request: Request, default: Lang) -> Lang:
    """``?lang=`` if valid, else the language remembered in a cookie, else ``default``."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value  # type: ignore[return-value]
    return default


@cache
def static_version() -> str:
    """A fingerprint of the static files, appended to their URLs so browsers refetch changes."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def translator(lang: Lang) -> Callable[..., str]:
    """``t("ask.title")``: a string of the locale's ``web`` section."""

    def t(key: str, **values: object) -> str:
        return text(lang, f"web.{key}", **values)

    return t


def label(lang: Lang, table: str, key: str | None) -> str:
    """The localised name of an outcome, review outcome, category, instance or region."""
    if key is None:
        return "—"
    names = _LABELS[table].get(key)
    return names[lang] if names else key


def switch_url(request: Request, lang: Lang) -> str:
    """This page in another language; a posted form's result falls back to the start page."""
    if request.method != "GET":
        return f"/?lang={lang}"
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def render(
    request: Request, name: str, lang: Lang, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page from ``templates/`` in ``lang``, with the security headers every page gets."""
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "langs": LANGS,
            "t": translator(lang),
            "web": messages(lang)["web"],
            "label": lambda table, key: label(lang, table, key),
            "switch_url": lambda code: switch_url(request, code),
            "static_version": static_version(),
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=_YEAR, samesite="lax")
    return response
