"""The only place the bot knows the API's URLs: a typed async client for ``/v1/ask``,
``/v1/topics/{topic}`` and ``/v1/feedback``."""

from __future__ import annotations

import logging
from typing import Any, Literal, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from bot.schemas import AskResponse, Lang, SummonsReply, TopicDetail

log = logging.getLogger(__name__)

T = TypeVar("T")


class ApiError(Exception):
    """The API answered with an error the user cannot fix by waiting (4xx)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class ApiUnavailable(ApiError):
    """The API cannot answer now (down, slow, not ready, broken): worth trying again later."""


class ApiRateLimited(ApiUnavailable):
    """The API asks us to slow down (429)."""


class ApiClient:
    """``httpx.AsyncClient`` with timeouts, one retry on connection errors and typed answers."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 20.0,
        connect_timeout: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"user-agent": "alqabi-bot", **(headers or {})},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def ask(self, question: str, lang: Lang | None, session_id: str | None) -> AskResponse:
        """``POST /v1/ask``."""
        body = {"question": question, "lang": lang, "session_id": session_id}
        return await self._call("POST", "/v1/ask", AskResponse, json=_drop_none(body))

    async def topic(self, topic: str, lang: Lang) -> TopicDetail:
        """``GET /v1/topics/{topic}``."""
        return await self._call("GET", f"/v1/topics/{topic}", TopicDetail, params={"lang": lang})

    async def feedback(
        self,
        *,
        question: str,
        answer: str,
        vote: Literal["up", "down"],
        user: str,
        lang: Lang | None = None,
        session_id: str | None = None,
        kind: str | None = None,
        sources: list[str] | None = None,
    ) -> None:
        """``POST /v1/feedback``; ``user`` must already be an opaque hash, ``sources`` are
        chunk ids."""
        body = {
            "question": question,
            "answer": answer,
            "vote": vote,
            "user": user,
            "lang": lang,
            "session_id": session_id,
            "kind": kind,
            "sources": sources,
        }
        await self._checked("POST", "/v1/feedback", json=_drop_none(body))

    async def summons_link(self, code: str, chat_id: int) -> SummonsReply:
        """``POST /v1/summons/link``: tie this chat to the candidate holding ``code``."""
        body = {"code": code, "chat_id": chat_id}
        return await self._call("POST", "/v1/summons/link", SummonsReply, json=body)

    async def summons_grounds(self, candidate_id: int, chat_id: int) -> SummonsReply:
        """``GET /v1/summons/grounds``: the release grounds as buttons."""
        params = {"candidate_id": candidate_id, "chat_id": chat_id}
        return await self._call("GET", "/v1/summons/grounds", SummonsReply, params=params)

    async def summons_reply(
        self,
        candidate_id: int,
        chat_id: int,
        action: str,
        ground: str | None = None,
        text: str | None = None,
    ) -> SummonsReply:
        """``POST /v1/summons/reply``: confirm, ask for release, cannot attend, opt out."""
        body = {"candidate_id": candidate_id, "chat_id": chat_id, "action": action,
                "ground": ground, "text": text}  # fmt: skip
        return await self._call("POST", "/v1/summons/reply", SummonsReply, json=_drop_none(body))

    async def _call(self, method: str, path: str, model: type[T], **kw: Any) -> T:
        response = await self._checked(method, path, **kw)
        try:
            return TypeAdapter(model).validate_python(response.json())
        except (ValueError, ValidationError) as exc:
            log.warning("%s %s: unexpected answer: %s", method, path, _short(exc))
            raise ApiUnavailable(response.status_code, "unexpected answer") from exc

    async def _checked(self, method: str, path: str, **kw: Any) -> httpx.Response:
        response = await self._send(method, path, **kw)
        if response.status_code >= 400:
            raise _error(response)
        return response

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        # A refused or reset connection is retried once (a restart, a dropped keep-alive);
        # a timeout is not, since the request may already be running.
        failure: httpx.HTTPError | None = None
        for _ in range(2):
            try:
                return await self._http.request(method, path, **kw)
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                failure = exc
            except httpx.TimeoutException as exc:
                raise ApiUnavailable(0, f"timed out: {type(exc).__name__}") from exc
            except httpx.HTTPError as exc:
                raise ApiUnavailable(0, f"transport error: {type(exc).__name__}") from exc
        raise ApiUnavailable(0, f"cannot connect: {type(failure).__name__}") from failure


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


def _error(response: httpx.Response) -> ApiError:
    try:
        detail = str(response.json().get("detail") or response.reason_phrase)
    except (ValueError, AttributeError):
        detail = response.reason_phrase
    status = response.status_code
    if status == 429:
        return ApiRateLimited(status, detail)
    if status >= 500:
        return ApiUnavailable(status, detail)
    return ApiError(status, detail)
