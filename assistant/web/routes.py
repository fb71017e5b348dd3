"""The page's routes: each renders the result of the service the matching API route calls.

Ask posts a form, everything else is a GET form, so the page works without JavaScript.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from assistant.answer.knowledge import FAQ, GUIDANCE
from assistant.api import feedback as feedback_api
from assistant.api import search as search_api
from assistant.api.ask import AskRequest, answer_and_queue
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.cases.catalog import CaseNotFound
from assistant.cases.messages import DISCLAIMER
from assistant.cases.schemas import CaseSearchRequest, PredictRequest
from assistant.cases.train import NotEnoughActs
from assistant.core.cases import CATEGORIES, INSTANCES, REGION_LABELS
from assistant.core.config import Settings
from assistant.core.schemas import Lang, SearchFilters
from assistant.core.store import StoreError
from assistant.retrieval import QueryError
from assistant.web.answer_view import answer_pieces, passage_text, source_views
from assistant.web.charts import distribution, stacked
from assistant.web.highlight import highlight, query_terms
from assistant.web.page import page_lang, render

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
CASE_COUNTS = (10, 20, 50)
# Query fields of the case forms that may repeat (checkboxes) and those that may not.
_CASE_LISTS = ("instance",)
_CASE_FIELDS = ("category", "article", "court", "region", "date_from", "date_to")


def get_page_lang(request: Request, settings: SettingsDep) -> Lang:
    return page_lang(request, settings.lang_default)


PageLang = Annotated[Lang, Depends(get_page_lang)]


class Problem(BaseModel):
    """What went wrong, as a key of the locale's ``web.error`` section."""

    key: str
    values: dict[str, Any] = {}
    status: int = 422


def _invalid(exc: ValidationError) -> Problem:
    error = exc.errors()[0]
    if error["type"] == "string_too_long":
        return Problem(key="too_long", values={"limit": error["ctx"]["max_length"]})
    if error["type"] == "string_too_short":
        return Problem(key="empty")
    where = ".".join(str(p) for p in error["loc"])
    return Problem(key="invalid", values={"detail": f"{where}: {error['msg']}".strip(": ")})


def attempt(call: Callable[[], T], settings: Settings, query: str = "") -> T | Problem:
    """The call's result, or the problem a user should be told about."""
    try:
        return call()
    except ValidationError as exc:
        return _invalid(exc)
    except QueryError:
        if len(query) > settings.api.max_query_chars:
            return Problem(key="too_long", values={"limit": settings.api.max_query_chars})
        return Problem(key="empty")
    except CaseNotFound as exc:
        return Problem(key="not_found", values={"case_id": exc.case_id}, status=404)
    except NotEnoughActs:
        return Problem(key="no_acts", status=503)
    except StoreError:
        return Problem(key="loading", status=503)


def _status(result: object) -> int:
    return result.status if isinstance(result, Problem) else 200


def _new_session() -> str:
    return f"web-{secrets.token_hex(8)}"


# -- ask -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: PageLang, feedback: str | None = None) -> HTMLResponse:
    """The start page: the question box."""
    return render(request, "ask.html", lang, session_id=_new_session(), feedback=feedback)


@router.post("/ask", response_class=HTMLResponse)
def ask(
    request: Request,
    lang: PageLang,
    services: ServicesDep,
    question: Annotated[str, Form()] = "",
    answer_lang: Annotated[str, Form()] = "",
    session_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The answer to a posted question, with its numbered sources and the vote buttons."""

    def run() -> Any:
        body = AskRequest(
            question=question,
            lang=answer_lang or None,
            session_id=session_id or _new_session(),
        )
        answer = answer_and_queue(
            services, services.require(), body.question, body.lang, body.session_id
        )
        return body, answer

    result = attempt(run, services.settings, question)
    context: dict[str, Any] = {"question": question, "answer_lang": answer_lang}
    if isinstance(result, Problem):
        context.update(problem=result, session_id=session_id or _new_session())
    else:
        body, answer = result
        context.update(
            session_id=body.session_id,
            answer=answer,
            pieces=answer_pieces(answer),
            sources=source_views(answer),
        )
    return render(request, "ask.html", lang, status=_status(result), **context)


@router.post("/feedback")
def feedback(
    request: Request,
    lang: PageLang,
    services: ServicesDep,
    question: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    vote: Annotated[str, Form()] = "",
    answer_lang: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    session_id: Annotated[str, Form()] = "",
    sources: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """Store a vote posted without JavaScript, then back to the start page (post/redirect/get)."""
    try:
        body = feedback_api.FeedbackRequest(
            question=question,
            answer=answer,
            vote=vote,
            user=f"web:{session_id or 'anonymous'}",
            lang=answer_lang or None,
            session_id=session_id or None,
            kind=kind or None,
            sources=sources or [],
        )
    except ValidationError:
        outcome = "failed"
    else:
        feedback_api.feedback(body, request, services)
        outcome = "stored"
    return RedirectResponse(f"/?lang={lang}&feedback={outcome}", status_code=303)


# -- guidance search -------------------------------------------------------------------------


def _documents(services: ServicesDep) -> dict[str, list[tuple[str, str]]]:
    """Guidance documents by language as (doc_id, title), for the document filter."""
    try:
        docs = services.answers.knowledge(services.require()).docs.values()
    except StoreError:
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for doc in sorted(docs, key=lambda d: d.title):
        if doc.doc_type == GUIDANCE and doc.lang:
            out.setdefault(doc.lang, []).append((doc.doc_id, doc.title))
    return out


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    lang: PageLang,
    services: ServicesDep,
    q: str = "",
    doc_lang: str = "",
    doc: str = "",
    doc_type: str = "",
) -> HTMLResponse:
    """Guidance and FAQ passages for a query, matching words highlighted."""
    settings = services.settings
    context: dict[str, Any] = {
        "q": q,
        "doc_lang": doc_lang,
        "doc": doc,
        "doc_type": doc_type,
        "documents": _documents(services),
        "doc_types": (GUIDANCE, FAQ),
    }
    result: object = None
    if q:

        def run() -> Any:
            filters = SearchFilters(
                doc_type=[doc_type] if doc_type in (GUIDANCE, FAQ) else [GUIDANCE, FAQ],
                lang=[doc_lang] if doc_lang else None,
                doc_id=[doc] if doc else None,
            )
            body = search_api.SearchRequest(query=q, k=10, filters=filters)
            return search_api.search(body, services.require(), settings).results

        result = attempt(run, settings, q)
        if isinstance(result, Problem):
            context["problem"] = result
        else:
            wanted = query_terms(q)
            fuzzy = settings.retrieval.fuzzy_min_score
            context["hits"] = [
                (hit, highlight(passage_text(hit.text), wanted, hit.lang, fuzzy))
                for hit in result  # type: ignore[union-attr]
            ]
    return render(request, "search.html", lang, status=_status(result), **context)


# -- court acts ------------------------------------------------------------------------------


def _case_form(request: Request, fields: tuple[str, ...], lists: tuple[str, ...]) -> dict:
    """The filled-in filter fields of a case form (empty ones left out)."""
    params = request.query_params
    found: dict[str, Any] = {f: params[f].strip() for f in fields if params.get(f, "").strip()}
    found.update({f: params.getlist(f) for f in lists if params.getlist(f)})
    return found


def _case_query(q: str, case_id: str) -> dict[str, str] | Problem | None:
    q, case_id = q.strip(), case_id.strip()
    if q and case_id:
        return Problem(key="both")
    if case_id:
        return {"case_id": case_id}
    return {"query": q} if q else None


def _case_options(services: ServicesDep, lang: Lang) -> dict[str, Any]:
    """What the filter fields offer: categories, instances, regions, and the courts and
    articles of the indexed acts."""
    regions = sorted(REGION_LABELS, key=lambda r: REGION_LABELS[r][lang])
    try:
        catalog = services.cases.catalog
    except StoreError:
        courts: list[str] = []
        articles: list[str] = []
    else:
        courts = sorted({r.court for r in catalog.records if r.court})
        articles = catalog.articles
    return {
        "categories": CATEGORIES,
        "instances": INSTANCES,
        "regions": regions,
        "courts": courts,
        "articles": articles,
        "counts": CASE_COUNTS,
    }


@router.get("/cases", response_class=HTMLResponse)
def cases(
    request: Request,
    lang: PageLang,
    services: ServicesDep,
    q: str = "",
    case_id: str = "",
    k: int = CASE_COUNTS[0],
) -> HTMLResponse:
    """Acts like a described situation or like an indexed act, with their outcomes."""
    form = _case_form(request, _CASE_FIELDS, _CASE_LISTS)
    context: dict[str, Any] = {
        "q": q,
        "case_id": case_id,
        "k": k,
        "form": form,
        **_case_options(services, lang),
    }
    query = _case_query(q, case_id)
    result: object = query
    if isinstance(query, dict):

        def run() -> Any:
            body = CaseSearchRequest.model_validate({**query, "k": k, "filters": form})
            return services.cases.search.search(body)

        result = attempt(run, services.settings, q)
        if not isinstance(result, Problem):
            wanted = query_terms(q) if q.strip() else frozenset()
            context.update(
                found=result,
                snippets=[highlight(h.snippet, wanted) for h in result.results],  # type: ignore[union-attr]
                chart=distribution(result.outcome_summary),  # type: ignore[union-attr]
            )
    if isinstance(result, Problem):
        context["problem"] = result
    return render(request, "cases.html", lang, status=_status(result), **context)


@router.get("/cases/{case_id:path}", response_class=HTMLResponse)
def case_detail(
    request: Request, case_id: str, lang: PageLang, services: ServicesDep
) -> HTMLResponse:
    """One act in full, with its place in the case (first instance, appeal, cassation)."""

    def run() -> Any:
        service = services.cases
        catalog = service.catalog
        act = catalog.act(case_id)
        reviews = [r for r in catalog.records if r.parent_case_id == act.case_id]
        flag = service.search.deviation(catalog.position(act.case_id))
        return act, reviews, flag

    result = attempt(run, services.settings)
    context: dict[str, Any] = {"case_id": case_id}
    if isinstance(result, Problem):
        context["problem"] = result
    else:
        context["act"], context["reviews"], context["deviation"] = result
    return render(request, "case.html", lang, status=_status(result), **context)


@router.get("/estimate", response_class=HTMLResponse)
def estimate(
    request: Request,
    lang: PageLang,
    services: ServicesDep,
    q: str = "",
    case_id: str = "",
) -> HTMLResponse:
    """The advisory outcome estimate, or the abstention, with everything behind it."""
    form = _case_form(request, ("category", "article"), ())
    context: dict[str, Any] = {
        "q": q,
        "case_id": case_id,
        "form": form,
        "disclaimer": DISCLAIMER[lang],
        **_case_options(services, lang),
    }
    query = _case_query(q, case_id)
    result: object = query
    if isinstance(query, dict):

        def run() -> Any:
            body = PredictRequest.model_validate({**query, "filters": form, "lang": lang})
            return services.cases.predictor().predict(body, services.settings.lang_default)

        result = attempt(run, services.settings, q)
        if not isinstance(result, Problem):
            context.update(
                prediction=result,
                bar=stacked(result.probabilities),  # type: ignore[union-attr]
            )
    if isinstance(result, Problem):
        context["problem"] = result
    return render(request, "estimate.html", lang, status=_status(result), **context)
