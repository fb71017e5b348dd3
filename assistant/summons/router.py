"""Pages: the secretaries' pool workspace (staff session, CSRF, roles) and the public reply
page candidates reach with their one-time code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.staff.auth import client_of
from assistant.staff.routes import staff_page
from assistant.summons import texts
from assistant.summons.bot_api import router as bot_router
from assistant.summons.candidates import ListFormatError
from assistant.summons.deps import PoolReader, Secretary, SummonsDep
from assistant.summons.schedule import TooLate
from assistant.summons.service import NotFound, PoolIn, SummonsError, SummonsService
from assistant.web.page import render
from assistant.web.routes import PageLang

router = APIRouter(include_in_schema=False)
MAX_LIST_BYTES = 20_000_000


def _st(lang: str):
    def st(key: str, **values: object) -> str:
        return texts.text(lang, key, **values)

    return st


def _local(summons: SummonsService, value: str) -> datetime:
    """A ``datetime-local`` form value read in the court's time zone."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=summons.schedule.zone)


def _pool_page(
    request: Request, lang: str, principal: Any, summons: SummonsService, pool_id: int,
    status: int = 200, **extra: Any,
) -> HTMLResponse:  # fmt: skip
    pool = summons.pool(pool_id)
    return staff_page(
        request, "summons_pool.html", lang, principal, status, st=_st(lang), pool=pool,
        board=summons.dashboard(pool_id), rows=summons.candidate_rows(pool_id),
        hearing=summons.schedule.local(pool.hearing_at), **extra,
    )  # fmt: skip


@router.get("/staff/summons", response_class=HTMLResponse)
def pools(request: Request, lang: PageLang, principal: PoolReader, summons: SummonsDep):
    """Every pool, and the form to create one."""
    return staff_page(request, "summons_pools.html", lang, principal, st=_st(lang),
                      pools=summons.pools(), error=request.query_params.get("error"))  # fmt: skip


@router.post("/staff/summons")
def create(
    request: Request,
    lang: PageLang,
    principal: Secretary,
    summons: SummonsDep,
    case_number: Annotated[str, Form(max_length=64)] = "",
    court: Annotated[str, Form(max_length=200)] = "",
    court_phone: Annotated[str, Form(max_length=32)] = "",
    place: Annotated[str, Form(max_length=300)] = "",
    hearing_at: Annotated[str, Form(max_length=40)] = "",
    size: Annotated[int, Form(ge=1, le=100_000)] = 25,
) -> Response:
    try:
        data = PoolIn(case_number=case_number, court=court, court_phone=court_phone,
                      place=place, hearing_at=_local(summons, hearing_at), size=size)  # fmt: skip
        pool = summons.create_pool(data, principal.username, client_of(request))
    except (ValueError, SummonsError) as exc:
        return staff_page(request, "summons_pools.html", lang, principal, 422, st=_st(lang),
                          pools=summons.pools(), error=str(exc))  # fmt: skip
    return RedirectResponse(f"/staff/summons/{pool.id}?lang={lang}", status_code=303)


@router.get("/staff/summons/{pool_id}", response_class=HTMLResponse)
def pool_page(
    request: Request, pool_id: int, lang: PageLang, principal: PoolReader, summons: SummonsDep
) -> Response:
    """One pool: counts by channel and state, daily counts, the drawn candidates."""
    try:
        return _pool_page(request, lang, principal, summons, pool_id,
                          done=request.query_params.get("done"))  # fmt: skip
    except NotFound:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")


@router.get("/staff/summons/{pool_id}/export.csv")
def export(request: Request, pool_id: int, principal: PoolReader, summons: SummonsDep):
    """The drawn candidates and their replies (contacts masked); the export is audited."""
    try:
        body = summons.export_csv(pool_id, principal.username, client_of(request))
    except NotFound:
        return Response("not found", status_code=404)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="pool-{pool_id}.csv"',
        "Cache-Control": "no-store"})  # fmt: skip


@router.post("/staff/summons/{pool_id}/import")
async def import_list(
    request: Request,
    pool_id: int,
    lang: PageLang,
    principal: Secretary,
    summons: SummonsDep,
    file: UploadFile,
) -> Response:
    """All rows or none; the problems listed by row."""
    data = await file.read(MAX_LIST_BYTES + 1)
    try:
        if len(data) > MAX_LIST_BYTES:
            raise ListFormatError("the file is larger than 20 MB")
        outcome = summons.import_list(pool_id, data, file.filename or "list.csv",
                                      principal.username, client_of(request))  # fmt: skip
    except (ListFormatError, SummonsError) as exc:
        return _pool_page(request, lang, principal, summons, pool_id, 422, error=str(exc))
    if outcome.errors:
        return _pool_page(request, lang, principal, summons, pool_id, 422,
                          row_errors=outcome.errors)  # fmt: skip
    return RedirectResponse(f"/staff/summons/{pool_id}?lang={lang}&done=import", 303)


@router.post("/staff/summons/{pool_id}/{action}")
def act(
    request: Request,
    pool_id: int,
    action: str,
    lang: PageLang,
    principal: Secretary,
    summons: SummonsDep,
    hearing_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Draw, send the notices, move or cancel the hearing."""
    actor, client = principal.username, client_of(request)
    try:
        if action == "draw":
            summons.draw(pool_id, actor, client)
        elif action == "notify":
            summons.notify(pool_id, actor, client)
        elif action == "move":
            summons.move(pool_id, _local(summons, hearing_at), actor, client)
        elif action == "cancel":
            summons.cancel(pool_id, actor, client)
        else:
            return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    except NotFound:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    except (SummonsError, TooLate, ValueError) as exc:
        return _pool_page(request, lang, principal, summons, pool_id, 422, error=str(exc))
    return RedirectResponse(f"/staff/summons/{pool_id}?lang={lang}&done={action}", 303)


# -- the candidates' reply page --------------------------------------------------------


def _reply_page(request: Request, lang: str, summons: SummonsService, code: str,
                status: int = 200, **extra: Any) -> HTMLResponse:  # fmt: skip
    found = summons.by_code(code) if code else None
    context: dict[str, Any] = {"code": code, "found": None, "grounds": texts.ground_ids()}
    if found is not None:
        cand, pool = found
        lang = cand.lang
        when = summons.schedule.local(pool.hearing_at)
        context["found"] = {
            "status": cand.status, "cancelled": pool.state in ("cancelled", "purged"),
            "hearing": texts.text(lang, "page.hearing", court=pool.court, case=pool.case_number,
                                  date=f"{when:%d.%m.%Y}", time=f"{when:%H:%M}",
                                  place=pool.place, phone=pool.court_phone),
            "opt_out": cand.opt_out,
        }  # fmt: skip
    elif code:
        status = 404
    response = render(request, "summons_reply.html", lang, status,  # type: ignore[arg-type]
                      st=_st(lang), **context, **extra)  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/summons/reply", response_class=HTMLResponse)
def reply_page(request: Request, lang: PageLang, summons: SummonsDep):
    """The code form. The code is posted, never put in the URL (access logs, history)."""
    return _reply_page(request, lang, summons, "")


@router.post("/summons/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    lang: PageLang,
    summons: SummonsDep,
    code: Annotated[str, Form(max_length=32)] = "",
    action: Annotated[str, Form(max_length=16)] = "",
    ground: Annotated[str, Form(max_length=16)] = "",
    text: Annotated[str, Form(max_length=1000)] = "",
    opt_out: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Open the candidate's form (code only) or record the reply (the code is the key)."""
    found = summons.by_code(code)
    if found is None:
        return _reply_page(request, lang, summons, code, 404)
    if not action and not opt_out:
        return _reply_page(request, lang, summons, code)
    cand = found[0]
    try:
        if opt_out:
            summons.opt_out(cand.id)
        if action:
            summons.reply(cand.id, action, ground or None, text or None)
    except SummonsError as exc:
        return _reply_page(request, lang, summons, code, 422, error=str(exc))
    return _reply_page(request, lang, summons, code, saved=True)


def install(app: FastAPI) -> None:
    """Add the summons pages and the bot's routes."""
    app.include_router(router)
    app.include_router(bot_router)
