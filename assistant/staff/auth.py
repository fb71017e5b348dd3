"""Who is asking: the staff session behind a request, its role and its CSRF token.

``StaffDep(...roles)`` gates a route: no valid session → sign-in page (GET) or 401; a
role not listed → 403; a state-changing request without the session's CSRF token, or from
another origin → 403. Every refusal after sign-in is written to the audit log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response

from assistant.api.deps import ServicesDep
from assistant.core.config import StaffSettings
from assistant.staff import audit
from assistant.staff.accounts import Accounts, Principal

COOKIE = "alqabi_staff"
LOGIN_CSRF_COOKIE = "alqabi_login_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class StaffAuthError(Exception):
    """A refused staff request; ``kind`` picks the page (sign_in, denied, csrf)."""

    def __init__(self, kind: str, status: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = status


def get_accounts(services: ServicesDep) -> Accounts:
    return Accounts(services.db, services.settings.staff)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def client_of(request: Request) -> str:
    """The client address (behind a proxy, uvicorn's --forwarded-allow-ips makes it real)."""
    return request.client.host if request.client else "local"


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def csrf_matches(given: str, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(given.encode(), expected.encode())


async def posted_csrf(request: Request) -> str:
    """The CSRF field of a posted form ("" for safe methods or none)."""
    if request.method in SAFE_METHODS:
        return ""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return ""
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def staff_dependency(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting a signed-in staff member with one of ``roles`` (any role when
    none is given), checking the CSRF token on state-changing requests."""

    def dependency(
        request: Request,
        accounts: AccountsDep,
        token: Annotated[str, Depends(posted_csrf)],
    ) -> Principal:
        principal = accounts.principal(request.cookies.get(COOKIE))
        if principal is None:
            raise StaffAuthError("sign_in", 401)
        refusal = None
        if roles and principal.role not in roles:
            refusal = ("access.denied", "denied")
        elif request.method not in SAFE_METHODS and not (
            same_origin(request) and csrf_matches(token, principal.csrf)
        ):
            refusal = ("csrf.refused", "csrf")
        if refusal is None:
            return principal
        audit.log_event(
            accounts.db,
            principal.username,
            refusal[0],
            object_type="path",
            object_id=request.url.path,
            client=client_of(request),
            role=principal.role,
        )
        raise StaffAuthError(refusal[1], 403)

    return dependency


AnyStaff = Annotated[Principal, Depends(staff_dependency())]
AdminStaff = Annotated[Principal, Depends(staff_dependency("admin"))]
OutreachStaff = Annotated[Principal, Depends(staff_dependency("outreach"))]


def secure_cookies(request: Request, settings: StaffSettings) -> bool:
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return request.url.scheme == "https"


def set_session_cookie(
    response: Response, request: Request, settings: StaffSettings, token: str
) -> None:
    # A browser-session cookie: the server ends the session after inactivity.
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )


def local_path(target: str | None, default: str = "/staff") -> str:
    """A redirect target on this site only (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\\"):
        return default
    return target
