"""Routes only the bot calls (``X-Alqabi-Bot``): link a Telegram chat with the one-time
code, record a reply, list the release grounds. Texts come back rendered, so the bot holds
no summons texts of its own."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from assistant.core.botkey import HEADER, bot_key
from assistant.summons.channels.telegram import reply_markup
from assistant.summons.deps import SummonsDep
from assistant.summons.service import NotFound, SummonsError
from assistant.summons.texts import Message, ground_ids, render, text
from assistant.summons.worker import message_values

router = APIRouter(prefix="/v1/summons", tags=["summons"], include_in_schema=False)


def require_bot(request: Request) -> None:
    token = request.app.state.services.settings.bot.token
    given = request.headers.get(HEADER, "")
    if token is None or not given:
        raise HTTPException(404, "Not Found")
    if not secrets.compare_digest(given.encode(), bot_key(token.get_secret_value()).encode()):
        raise HTTPException(403, "Forbidden")


BotOnly = Annotated[None, Depends(require_bot)]


class Button(BaseModel):
    label: str
    action: str


class BotReply(BaseModel):
    candidate_id: int
    lang: str
    html: str
    buttons: list[list[Button]] = Field(default_factory=list)


class LinkIn(BaseModel):
    code: str = Field(max_length=32)
    chat_id: int


class ReplyIn(BaseModel):
    candidate_id: int
    chat_id: int
    action: Literal["confirm", "release", "cannot", "opt_out"]
    ground: str | None = Field(default=None, max_length=16)
    text: str | None = Field(default=None, max_length=1000)


def _buttons(lang: str, candidate_id: int) -> list[list[Button]]:
    markup = reply_markup(lang, candidate_id)
    return [[Button(label=b.text, action=b.callback_data or "") for b in row]
            for row in markup.inline_keyboard]  # fmt: skip


@router.post("/link", response_model=BotReply)
def link(body: LinkIn, _: BotOnly, summons: SummonsDep) -> BotReply:
    """Tie the chat to the candidate with this code; the notice comes back with its buttons."""
    found = summons.link_telegram(body.code, body.chat_id)
    if found is None:
        raise HTTPException(404, "unknown code")
    cand, pool = found
    url = f"{summons.settings.public_url.rstrip('/')}/summons/reply"
    values = message_values(pool, cand, summons.schedule, url)
    template = "calloff" if pool.state == "cancelled" else "notice"
    message = render(template, cand.lang, values, None)
    buttons = [] if template == "calloff" else _buttons(cand.lang, cand.id)
    return BotReply(candidate_id=cand.id, lang=cand.lang, html=message.html(), buttons=buttons)


@router.get("/grounds", response_model=BotReply)
def grounds(candidate_id: int, chat_id: int, _: BotOnly, summons: SummonsDep) -> BotReply:
    """The release grounds as buttons (``S:g:<ground>:<candidate>``)."""
    cand = summons.by_chat(candidate_id, chat_id)
    if cand is None:
        raise HTTPException(404, "not linked")
    rows = [[Button(label=text(cand.lang, f"grounds.{g}"), action=f"S:g:{g}:{cand.id}")]
            for g in ground_ids()]  # fmt: skip
    return BotReply(
        candidate_id=cand.id, lang=cand.lang, html=text(cand.lang, "page.ground"), buttons=rows
    )


@router.post("/reply", response_model=BotReply)
def reply(body: ReplyIn, _: BotOnly, summons: SummonsDep) -> BotReply:
    """Record the candidate's answer given in the bot."""
    cand = summons.by_chat(body.candidate_id, body.chat_id)
    if cand is None:
        raise HTTPException(404, "not linked")
    try:
        if body.action == "opt_out":
            summons.opt_out(cand.id, via="telegram")
            key = "replies.opted_out"
        else:
            done = summons.reply(cand.id, body.action, body.ground, body.text, via="telegram")
            key = f"replies.{done.status}"
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except SummonsError as exc:
        if str(exc) == "cancelled":
            key = "replies.cancelled"
        else:
            raise HTTPException(422, str(exc)) from exc
    html = Message(text(cand.lang, key), ()).html()
    return BotReply(candidate_id=cand.id, lang=cand.lang, html=html)
