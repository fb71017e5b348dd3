"""Load test on loopback: sustained requests/s on ``/v1/ask`` and ``/v1/search`` with p95 under
a latency target, error rate and the server's memory over time.

Serves a copy of the store (the original is only read) with ``alqabi serve`` in a subprocess,
then drives it with closed-loop async clients. First a short ramp finds the highest
concurrency whose p95 stays under ``--p95-ms``; then that load is held for ``--minutes`` (and
at most ``--max-requests``), sampling the server's RSS.

    python -m evals.load --minutes 10            # README figures
    python -m evals.load --minutes 1 --json      # what `make hardening` runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import numpy as np
from pydantic import BaseModel
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from assistant.core.store import live_snapshot

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "evals" / "datasets" / "answers_gold.jsonl"
console = Console(stderr=True)


class Phase(BaseModel):
    """What one stretch of load measured."""

    concurrency: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    by_path: dict[str, dict[str, float]]

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


class LoadReport(BaseModel):
    """The ramp, the sustained phase and the server's memory."""

    store: str
    documents: int
    chunks: int
    cores: int
    p95_target_ms: float
    ramp: list[Phase]
    sustained: Phase
    error_rate: float
    rss_mb_start: float
    rss_mb_end: float
    rss_mb_max: float
    rss_growth_mb_per_min: float
    rss_samples: list[tuple[float, float]]


def questions() -> list[str]:
    """Real questions of the gold set (kk, ru, en, incl. typed without Kazakh letters)."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _phase(concurrency: int, seconds: float, samples: list[tuple[str, float, bool]]) -> Phase:
    latencies = np.array([ms for _, ms, _ in samples]) if samples else np.zeros(1)
    by_path: dict[str, dict[str, float]] = {}
    for path in sorted({p for p, _, _ in samples}):
        ms = np.array([m for p, m, _ in samples if p == path])
        by_path[path] = {
            "requests": float(len(ms)),
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
        }
    return Phase(
        concurrency=concurrency,
        seconds=round(seconds, 1),
        requests=len(samples),
        errors=sum(not ok for _, _, ok in samples),
        rps=round(len(samples) / seconds, 2) if seconds else 0.0,
        p50_ms=round(float(np.percentile(latencies, 50)), 1),
        p95_ms=round(float(np.percentile(latencies, 95)), 1),
        p99_ms=round(float(np.percentile(latencies, 99)), 1),
        by_path=by_path,
    )


async def drive(
    url: str,
    concurrency: int,
    seconds: float,
    max_requests: int,
    pool: Sequence[str],
) -> Phase:
    """Closed-loop load: ``concurrency`` clients alternate ask and search until the time or
    request budget is spent."""
    samples: list[tuple[str, float, bool]] = []
    deadline = time.monotonic() + seconds
    counter = iter(range(max_requests))

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        for i in counter:
            if time.monotonic() >= deadline:
                return
            question = pool[(i * 7 + n) % len(pool)]
            path, body = (
                ("/v1/ask", {"question": question})
                if i % 2
                else ("/v1/search", {"query": question, "k": 5})
            )
            started = time.perf_counter()
            try:
                ok = (await client.post(path, json=body)).status_code == 200
            except httpx.HTTPError:
                ok = False
            samples.append((path, (time.perf_counter() - started) * 1000, ok))

    started = time.monotonic()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(n, client) for n in range(concurrency)))
    return _phase(concurrency, time.monotonic() - started, samples)


class Server:
    """``alqabi serve`` on a copy of the store, in a subprocess."""

    def __init__(self, store: Path, workdir: Path) -> None:
        self.copy = workdir / "store"
        live = live_snapshot(store)
        if live is None:
            raise SystemExit(f"no store at {store}: build one with `alqabi index`")
        (self.copy / "snapshots").mkdir(parents=True)
        shutil.copytree(live, self.copy / "snapshots" / live.name)
        (self.copy / "CURRENT").write_text(live.name + "\n")
        for name in ("embed_cache.sqlite", "answer_cache.sqlite"):
            if (store / name).exists():
                shutil.copy(store / name, self.copy / name)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "ALQABI_ANSWER_FEEDBACK_DB": str(workdir / "feedback.sqlite"),
            "ALQABI_ADMIN_TOKEN": "",
        }
        self.log = (workdir / "server.log").open("w")
        command = [sys.executable, "-m", "assistant.cli", "serve"]
        self.proc = subprocess.Popen(
            [*command, "--store", str(self.copy), "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}")
            try:
                response = httpx.get(f"{self.url}/ready", timeout=2)
                if response.status_code == 200:
                    return response.json()
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


async def _sustain(
    server: Server, concurrency: int, seconds: float, max_requests: int, pool: Sequence[str]
) -> tuple[Phase, list[tuple[float, float]]]:
    rss: list[tuple[float, float]] = []
    started = time.monotonic()

    async def sample() -> None:
        while True:
            rss.append((round(time.monotonic() - started, 1), round(rss_mb(server.proc.pid), 1)))
            await asyncio.sleep(5)

    sampler = asyncio.create_task(sample())
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"sustained load, {concurrency} clients", total=seconds)

        async def tick_time() -> None:
            while True:
                bar.update(task, completed=time.monotonic() - started)
                await asyncio.sleep(1)

        ticker = asyncio.create_task(tick_time())
        phase = await drive(server.url, concurrency, seconds, max_requests, pool)
        ticker.cancel()
    sampler.cancel()
    rss.append((round(time.monotonic() - started, 1), round(rss_mb(server.proc.pid), 1)))
    return phase, rss


def run(
    store: Path,
    minutes: float,
    max_requests: int,
    p95_ms: float,
    levels: Sequence[int],
    step_seconds: float,
) -> LoadReport:
    """Ramp, pick the concurrency, hold it; returns the figures."""
    pool = questions()
    with tempfile.TemporaryDirectory(prefix="alqabi-load-") as tmp:
        server = Server(store, Path(tmp))
        try:
            info = server.wait_ready()
            # Warm-up: the first ask builds the FAQ index and loads the sentence vectors.
            asyncio.run(drive(server.url, 1, 60, 20, pool))
            ramp = []
            for level in levels:
                phase = asyncio.run(drive(server.url, level, step_seconds, max_requests, pool))
                ramp.append(phase)
                console.print(
                    f"ramp: {level} clients → {phase.rps:.1f} req/s, p95 {phase.p95_ms:.0f} ms"
                )
                if phase.p95_ms >= p95_ms:
                    break
            fitting = [p for p in ramp if p.p95_ms < p95_ms and not p.errors] or ramp[:1]
            chosen = max(fitting, key=lambda p: p.rps).concurrency
            sustained, rss = asyncio.run(_sustain(server, chosen, minutes * 60, max_requests, pool))
        finally:
            server.stop()
    times = np.array([t for t, _ in rss])
    values = np.array([v for _, v in rss])
    slope = float(np.polyfit(times / 60, values, 1)[0]) if len(rss) > 2 else 0.0
    return LoadReport(
        store=str(store),
        documents=info["documents"],
        chunks=info["chunks"],
        cores=os.cpu_count() or 0,
        p95_target_ms=p95_ms,
        ramp=ramp,
        sustained=sustained,
        error_rate=sustained.error_rate,
        rss_mb_start=float(values[0]),
        rss_mb_end=float(values[-1]),
        rss_mb_max=float(values.max()),
        rss_growth_mb_per_min=round(slope, 2),
        rss_samples=rss,
    )


def table(report: LoadReport) -> Table:
    s = report.sustained
    out = Table(title=f"load: {report.documents} documents, {report.chunks} chunks")
    for column in ("phase", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"):
        out.add_column(column)
    for phase in report.ramp:
        out.add_row(
            "ramp", *map(str, (phase.concurrency, phase.rps, phase.p50_ms, phase.p95_ms)),
            str(phase.p99_ms), str(phase.errors),
        )  # fmt: skip
    out.add_row(
        f"sustained {s.seconds / 60:.1f} min", str(s.concurrency), f"{s.rps}",
        str(s.p50_ms), str(s.p95_ms), str(s.p99_ms), f"{s.errors} ({report.error_rate:.2%})",
    )  # fmt: skip
    out.caption = (
        f"RSS {report.rss_mb_start:.0f} → {report.rss_mb_end:.0f} MB "
        f"(max {report.rss_mb_max:.0f}, {report.rss_growth_mb_per_min:+.2f} MB/min)"
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=REPO / "var" / "store")
    parser.add_argument("--minutes", type=float, default=10.0, help="sustained phase length")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="per phase")
    parser.add_argument("--p95-ms", type=float, default=200.0)
    parser.add_argument("--levels", default="1,2,4,8", help="client counts of the ramp")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    report = run(
        args.store,
        args.minutes,
        args.max_requests,
        args.p95_ms,
        [int(x) for x in args.levels.split(",")],
        args.step_seconds,
    )
    if args.out:
        args.out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if args.json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        Console().print(table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
