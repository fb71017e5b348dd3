"""Fakes at the providers' edge: an in-memory channel for outbox tests and an SMS gateway
HTTP server that, like a real one, treats a repeated client_ref as the same message."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from assistant.summons.channels import ChannelDead, Contact, Outgoing, RetryLater


@dataclass
class MemoryChannel:
    """A channel whose provider is a list; scripted failures per candidate."""

    name: str = "sms"
    idempotent: bool = True
    sent: list[Outgoing] = field(default_factory=list)
    # candidate id -> list of exceptions to raise on the next sends
    failures: dict[int, list[Exception]] = field(default_factory=dict)
    delay: float = 0.0

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.phone) if self.name == "sms" else True

    async def send(self, out: Outgoing) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        queue = self.failures.get(out.contact.candidate_id)
        if queue:
            raise queue.pop(0)
        self.sent.append(out)
        return f"{self.name}:{len(self.sent)}"

    async def close(self) -> None:
        return None


__all__ = ["ChannelDead", "FakeSmsGateway", "MemoryChannel", "RetryLater"]


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 refuses a worker's burst of concurrent connections.
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        # A client killed mid-request (the SIGKILL test) resets its connection: expected.
        return None


class FakeSmsGateway:
    """POST / with {to, text, sender, client_ref}; 201 {"id"}; repeated client_ref → 200 with
    the first id (what a real gateway's idempotency does). ``refuse`` numbers get 400,
    ``busy`` answers 429 with Retry-After for the next N requests."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.delivered: dict[str, dict] = {}
        self.refuse: set[str] = set()
        self.busy = 0
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway

            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                status, answer, headers = gateway.handle(body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, body: dict) -> tuple[int, dict, dict[str, str]]:
        with self.lock:
            if self.busy > 0:
                self.busy -= 1
                return 429, {"error": "slow down"}, {"retry-after": "1"}
            if body["to"] in self.refuse:
                return 400, {"error": "invalid number"}, {}
            ref = body["client_ref"]
            self.received[ref] += 1
            if ref in self.delivered:
                return 200, {"id": self.delivered[ref]["id"]}, {}
            self.delivered[ref] = {"id": f"g{len(self.delivered) + 1}", **body}
            return 201, {"id": self.delivered[ref]["id"]}, {}

    def start(self) -> FakeSmsGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
