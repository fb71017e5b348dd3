"""Outreach pages: the review queue, writing and publishing an answer, published entries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from assistant.answer.citations import Citation
from assistant.api.deps import ServicesDep
from assistant.core.store import StoreError
from assistant.review import publish, serving
from assistant.review.queue import Cluster, cluster, open_items
from assistant.services import Services
from assistant.staff.accounts import Principal
from assistant.staff.auth import OutreachStaff, client_of
from assistant.staff.routes import staff_page
from assistant.web.answer_view import answer_pieces
from assistant.web.routes import PageLang

router = APIRouter(include_in_schema=False)
LANGS = ("kk", "ru", "en")
Text = Annotated[str, Form(max_length=4_000)]


def clusters(services: Services) -> list[Cluster]:
    """The open review items, grouped by meaning."""
    settings = services.settings.review
    items = open_items(services.db, settings.window_days)
    # Question vectors are cached beside the store, like the answer engine's.
    services.store_dir.mkdir(parents=True, exist_ok=True)
    return cluster(items, services.embedder, services.store_dir, settings.cluster_distance)


def _find(services: Services, cluster_id: int) -> Cluster | None:
    return next((c for c in clusters(services) if cluster_id in c.item_ids), None)


def _topics(services: Services) -> list[str]:
    try:
        knowledge = services.answers.knowledge(services.require())
    except StoreError:
        return []
    return sorted({d.topic for d in knowledge.docs.values() if d.topic})


@router.get("/staff/review", response_class=HTMLResponse)
def queue(
    request: Request, lang: PageLang, principal: OutreachStaff, services: ServicesDep
) -> HTMLResponse:
    """Clusters of unanswered questions, the largest first."""
    return staff_page(request, "review.html", lang, principal, clusters=clusters(services))


def _draft_page(
    request: Request,
    lang: str,
    principal: Principal,
    services: Services,
    found: Cluster,
    form: dict[str, Any],
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return staff_page(
        request,
        "cluster.html",
        lang,
        principal,
        status,
        cluster=found,
        form=form,
        topics=_topics(services),
        **context,
    )


@router.get("/staff/review/{cluster_id}", response_class=HTMLResponse)
def draft(
    request: Request,
    cluster_id: int,
    lang: PageLang,
    principal: OutreachStaff,
    services: ServicesDep,
) -> Response:
    """One cluster with the answer form."""
    found = _find(services, cluster_id)
    if found is None:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    return _draft_page(request, lang, principal, services, found, {"add_to_gold": True})


@router.post("/staff/review/{cluster_id}")
def submit(
    request: Request,
    cluster_id: int,
    lang: PageLang,
    principal: OutreachStaff,
    services: ServicesDep,
    action: Annotated[str, Form(max_length=16)] = "preview",
    question_kk: Text = "",
    answer_kk: Text = "",
    question_ru: Text = "",
    answer_ru: Text = "",
    question_en: Text = "",
    answer_en: Text = "",
    citations: Annotated[str, Form(max_length=500)] = "",
    topic: Annotated[str, Form(max_length=64)] = "",
    add_to_gold: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Preview the answer as the bot and the page would show it, or publish it."""
    found = _find(services, cluster_id)
    if found is None:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    fields = {
        "question_kk": question_kk, "answer_kk": answer_kk,
        "question_ru": question_ru, "answer_ru": answer_ru,
        "question_en": question_en, "answer_en": answer_en,
        "citations": citations, "topic": topic, "add_to_gold": bool(add_to_gold),
    }  # fmt: skip
    texts = {
        code: {"question": fields[f"question_{code}"], "answer": fields[f"answer_{code}"]}
        for code in LANGS
        if code != "en" or (question_en.strip() or answer_en.strip())
    }
    try:
        draft = publish.Draft(
            texts=texts,
            citations_text=citations,
            topic=topic if topic in _topics(services) else None,
            item_ids=found.item_ids,
            add_to_gold=bool(add_to_gold),
        )
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}".lstrip(": ") for e in exc.errors()]
        return _draft_page(request, lang, principal, services, found, fields, 422, errors=errors)
    if action != "publish":
        previews = {code: publish.preview(draft, code) for code in draft.texts}
        pieces = {code: answer_pieces(a) for code, a in previews.items()}
        return _draft_page(
            request, lang, principal, services, found, fields, previews=previews, pieces=pieces
        )
    version = publish.publish(services.db, draft, principal.username, client_of(request))
    serving.sync(services)
    return RedirectResponse(f"/staff/faq?lang={lang}&published={version.group_id}", status_code=303)


@router.get("/staff/faq", response_class=HTMLResponse)
def faq(
    request: Request,
    lang: PageLang,
    principal: OutreachStaff,
    services: ServicesDep,
    published: str | None = None,
) -> HTMLResponse:
    """Published entries and every version, newest first."""
    return staff_page(
        request,
        "faq.html",
        lang,
        principal,
        live=publish.live_versions(services.db),
        versions=publish.history(services.db),
        published=published,
        cite=lambda c: Citation.model_validate(c).label(lang),
    )


@router.post("/staff/faq/{group}/revert")
def revert(
    request: Request, group: str, lang: PageLang, principal: OutreachStaff, services: ServicesDep
) -> Response:
    """Restore the previous version (or withdraw a first one); served at once."""
    try:
        publish.revert(services.db, group, principal.username, client_of(request))
    except publish.PublishError:
        return staff_page(request, "denied.html", lang, principal, 404, kind="not_found")
    serving.sync(services)
    return RedirectResponse(f"/staff/faq?lang={lang}", status_code=303)
