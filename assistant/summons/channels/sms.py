"""SMS through an HTTP gateway: ``POST <url>`` with JSON ``{to, text, sender, client_ref}``
and a bearer token; the gateway answers ``{"id": ...}`` and must treat a repeated
``client_ref`` as the same message (docs/summons.md lists what a real provider needs)."""

from __future__ import annotations

import httpx

from assistant.summons.channels.base import ChannelDead, Contact, Outgoing, RetryLater, SendFailed


class SmsChannel:
    name = "sms"
    idempotent = True

    def __init__(
        self,
        url: str,
        token: str | None,
        sender: str,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"user-agent": "alqabi-summons"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.url = url
        self.sender = sender
        self._http = httpx.AsyncClient(timeout=timeout, headers=headers, transport=transport)

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.phone)

    async def send(self, out: Outgoing) -> str:
        body = {
            "to": out.contact.phone,
            "text": out.message.plain(),
            "sender": self.sender,
            "client_ref": out.key,
        }
        try:
            response = await self._http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise RetryLater(f"sms: {type(exc).__name__}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise RetryLater(f"sms: {status}", _retry_after(response))
        if status in (400, 404, 422):
            raise ChannelDead(f"sms: {status} {_detail(response)}")
        if status >= 400:
            # 401/403: our credentials or account; nothing the candidate's number changes.
            raise RetryLater(f"sms: {status}")
        try:
            ref = str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SendFailed("sms: the gateway's answer has no id") from exc
        return f"sms:{ref}"

    async def close(self) -> None:
        await self._http.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))[:80]
    except (ValueError, AttributeError):
        return ""
