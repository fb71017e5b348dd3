"""Request limits as pure ASGI middleware: body size (chunked bodies too) and a token bucket
per client address."""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def send_problem(
    send: Send, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> None:
    """A problem-details response written straight to ASGI ``send``."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised inside the app when the body passes the limit."""


class BodySizeLimit:
    """Answers 413 with problem details when a request body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        await send_problem(
            send, 413, "Request too large", f"request body is larger than {self.max_bytes} bytes"
        )


class TokenBuckets:
    """One token bucket per key: ``rate`` tokens per second, at most ``burst`` saved up.

    At most ``max_keys`` buckets are kept; the least recently seen go first (a client not
    seen for a while has a full bucket again anyway)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when a request may pass (a token is taken), else the seconds until one may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


class RateLimit:
    """429 with ``Retry-After`` when a client address sends faster than its bucket allows.

    Only paths under one of ``prefixes`` count; addresses in ``exempt`` (networks) and
    clients without an IP address pass."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        burst: int,
        exempt: list[str] | tuple[str, ...] = (),
        prefixes: tuple[str, ...] = ("/v1/",),
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute / 60.0, burst)
        self.exempt = [ipaddress.ip_network(n, strict=False) for n in exempt]
        self.prefixes = prefixes

    def _key(self, scope: Scope) -> str | None:
        client = scope.get("client")
        try:
            address = ipaddress.ip_address(client[0]) if client else None
        except ValueError:
            return None
        if address is None or any(address in net for net in self.exempt):
            return None
        return str(address)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope) if scope["type"] == "http" else None
        if key is None or not scope.get("path", "").startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await send_problem(
                send,
                429,
                "Too many requests",
                f"too many requests from this address; retry in {seconds} s",
                {"retry-after": str(seconds)},
            )
            return
        await self.app(scope, receive, send)
