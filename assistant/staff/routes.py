"""Staff pages: sign-in, sign-out, the workspace home, accounts and the audit log (admin)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.api import admin as admin_api
from assistant.api.cases import known_case
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.core.roles import ROLES
from assistant.staff import audit
from assistant.staff.accounts import AccountError, Accounts, LoginOutcome, Principal
from assistant.staff.auth import (
    COOKIE,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    AccountsDep,
    AdminStaff,
    AnyStaff,
    StaffAuthError,
    client_of,
    csrf_matches,
    local_path,
    same_origin,
    secure_cookies,
    set_session_cookie,
)
from assistant.web.page import page_lang, render
from assistant.web.routes import PageLang

router = APIRouter(include_in_schema=False)
# What each role's workspace links to (the pages themselves check the role again).
SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": (("users", "/staff/users"), ("audit", "/staff/audit"), ("ops", "/staff/ops")),
    "secretary": (("summons", "/staff/summons"), ("cases", "/cases")),
    "judge": (("cases", "/cases"), ("estimate", "/estimate"), ("summons", "/staff/summons")),
    "outreach": (("review", "/staff/review"), ("faq", "/staff/faq")),
}


def staff_page(
    request: Request,
    name: str,
    lang: str,
    principal: Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A staff page: never cached, with the session's CSRF token for its forms."""
    response = render(
        request,
        f"staff/{name}",
        lang,  # type: ignore[arg-type]
        status=status,
        staff=principal,
        csrf=principal.csrf if principal else "",
        csrf_field=CSRF_FIELD,
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- sign-in ---------------------------------------------------------------------------------


def _login_form(
    request: Request, lang: str, next_path: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = staff_page(
        request, "login.html", lang, None, status, next=next_path, login_csrf=token, error=error
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: PageLang, next: str = "/staff") -> HTMLResponse:
    """The sign-in form."""
    return _login_form(request, lang, local_path(next))


@router.post("/login")
def login(
    request: Request,
    lang: PageLang,
    accounts: AccountsDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    """Check the password; a new session on success, a lockout after repeated failures."""
    target = local_path(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not same_origin(request) or not csrf_matches(csrf_token, expected):
        return _login_form(request, lang, target, 403, "csrf")
    result = accounts.login(
        username, password, client_of(request), replaces=request.cookies.get(COOKIE)
    )
    if result.outcome is LoginOutcome.LOCKED:
        return _login_form(request, lang, target, 429, "locked")
    if result.outcome is not LoginOutcome.OK or result.token is None:
        return _login_form(request, lang, target, 401, "invalid")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, settings.staff, result.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, principal: AnyStaff, accounts: AccountsDep, settings: SettingsDep
) -> Response:
    """End the session."""
    accounts.logout(principal, client_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, secure=secure_cookies(request, settings.staff)
    )
    return response


@router.get("/staff", response_class=HTMLResponse)
def home(request: Request, lang: PageLang, principal: AnyStaff) -> HTMLResponse:
    """The workspace: the sections of the signed-in staff member's role."""
    return staff_page(request, "home.html", lang, principal, sections=SECTIONS[principal.role])


# -- accounts (admin) ------------------------------------------------------------------------


def _users_page(
    request: Request,
    lang: str,
    principal: Principal,
    accounts: Accounts,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    users = accounts.list()
    return staff_page(
        request, "users.html", lang, principal, status, users=users, roles=ROLES, **context
    )


@router.get("/staff/users", response_class=HTMLResponse)
def users(
    request: Request,
    lang: PageLang,
    principal: AdminStaff,
    accounts: AccountsDep,
    done: str | None = None,
) -> HTMLResponse:
    """Accounts, with forms to add, disable, enable and set a password."""
    return _users_page(request, lang, principal, accounts, done=done)


def _users_redirect(lang: str, done: str) -> Response:
    return RedirectResponse(f"/staff/users?lang={lang}&done={done}", status_code=303)


@router.post("/staff/users")
def add_user(
    request: Request,
    lang: PageLang,
    principal: AdminStaff,
    accounts: AccountsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add an account (the role is checked against the four roles)."""
    try:
        accounts.add(username, role, password, principal.username)
    except AccountError as exc:
        return _users_page(request, lang, principal, accounts, 422, error_text=str(exc))
    return _users_redirect(lang, done="added")


@router.post("/staff/users/{username}/{action}")
def change_user(
    request: Request,
    username: str,
    action: str,
    lang: PageLang,
    principal: AdminStaff,
    accounts: AccountsDep,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Disable, enable, or set a new password."""
    client = client_of(request)
    try:
        if action in ("disable", "enable"):
            if action == "disable" and username == principal.username:
                raise AccountError("an admin cannot disable their own account")
            accounts.set_active(username, action == "enable", principal.username, client)
        elif action == "password":
            accounts.reset_password(username, password, principal.username, client)
        else:
            return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    except AccountError as exc:
        return _users_page(request, lang, principal, accounts, 422, error_text=str(exc))
    return _users_redirect(lang, done=action)


# -- audit log (admin) -----------------------------------------------------------------------


def audit_filter(
    actor: Annotated[str, Query(max_length=80)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    object_type: Annotated[str, Query(max_length=32)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
) -> audit.AuditFilter:
    """The audit filter of the query string; dates that do not parse do not filter."""

    def when(value: str) -> datetime | None:
        try:
            parsed = datetime.fromisoformat(value) if value else None
        except ValueError:
            return None
        return parsed.astimezone() if parsed and parsed.tzinfo is None else parsed

    return audit.AuditFilter(
        actor=actor.strip() or None,
        action=action.strip() or None,
        object_type=object_type.strip() or None,
        since=when(since),
        until=when(until),
    )


AuditFilterDep = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("/staff/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    lang: PageLang,
    principal: AdminStaff,
    services: ServicesDep,
    where: AuditFilterDep,
) -> HTMLResponse:
    """The latest events, filtered."""
    fields = ("actor", "action", "object_type", "since", "until")
    form = {name: request.query_params.get(name, "") for name in fields}
    return staff_page(
        request,
        "audit.html",
        lang,
        principal,
        rows=audit.query(services.db, where),
        form=form,
        query=request.url.query,
    )


@router.get("/staff/audit.csv")
def audit_export(
    request: Request, principal: AdminStaff, services: ServicesDep, where: AuditFilterDep
) -> Response:
    """The filtered events as CSV (the export itself is audited)."""
    where.limit = audit.EXPORT_LIMIT
    rows = audit.query(services.db, where)
    audit.log_event(
        services.db,
        principal.username,
        "audit.export",
        object_type="audit_log",
        client=client_of(request),
        rows=len(rows),
    )
    return Response(
        audit.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit.csv"',
            "Cache-Control": "no-store",
        },
    )


# -- operations (admin) ----------------------------------------------------------------------


@router.get("/staff/ops", response_class=HTMLResponse)
def ops(
    request: Request, lang: PageLang, principal: AdminStaff, services: ServicesDep
) -> HTMLResponse:
    """Re-index and model reload, with the latest jobs."""
    jobs = admin_api.get_jobs(request, services).all()
    return staff_page(request, "ops.html", lang, principal, jobs=jobs)


@router.post("/staff/ops/{operation}")
def run_operation(
    request: Request,
    operation: str,
    lang: PageLang,
    principal: AdminStaff,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """Start a re-index or reload the outcome model, as the admin API does."""
    client = client_of(request)
    if operation == "reindex":
        job = admin_api.reindex(admin_api.get_jobs(request, services), settings)
        detail: dict[str, Any] = {"job": job.id}
    elif operation == "model-reload":
        with known_case():
            model = services.cases.reload().model
        detail = {"version": model.version}
    else:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    audit.log_event(services.db, principal.username, f"ops.{operation}", client=client, **detail)
    return RedirectResponse(f"/staff/ops?lang={lang}", status_code=303)


def install(app: FastAPI) -> None:
    """Add the staff pages and the refusal pages of ``StaffAuthError``."""
    from assistant.review.routes import router as review_router

    app.include_router(router)
    app.include_router(review_router)

    @app.exception_handler(StaffAuthError)
    async def _refused(request: Request, exc: StaffAuthError) -> Response:
        lang = page_lang(request, app.state.services.settings.lang_default)
        if exc.kind == "sign_in" and request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"/login?lang={lang}&next={quote(local_path(target), safe='/')}",
                status_code=303,
            )
        return staff_page(request, "denied.html", lang, None, exc.status, kind=exc.kind)
