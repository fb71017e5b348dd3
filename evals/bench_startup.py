"""Time from nothing to ``/ready`` with the full default corpus, as ``make run`` does it.

Copies the repository's tracked and new (not ignored) files into an empty temporary
directory (no ``.venv``, no ``var/``: no model, no store, no embedding cache), then runs
the steps of ``make run`` there one by one and times each: create the venv and install
(``make install``: the package with its st extra), generate the court acts
(``make corpus/cases/acts.jsonl``), build the fast model (``make model``), index
guidance + FAQ + acts (``make index``) and serve until ``GET /ready`` answers 200.
Packages come from the machine's configured package index (here a local mirror), so the
install figure leaves out download time.

    python -m evals.bench_startup [--keep] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 600.0
READY_TIMEOUT_S = 600.0


def copy_checkout(dest: Path) -> int:
    """Copy tracked and untracked-but-not-ignored files (what a clone plus the working
    tree's new files would hold); returns how many."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    count = 0
    for raw in filter(None, listed):
        rel = Path(os.fsdecode(raw))
        src = REPO / rel
        if not src.is_file():  # deleted in the working tree
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
        count += 1
    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env() -> dict[str, str]:
    # Our own settings must not leak in from the calling shell, nor the calling venv.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALQABI_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    return env


def _step(name: str, cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    print(f"… {name}: {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        result = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{name} failed (exit {result.returncode}); see {log}")
    print(f"  {name}: {seconds:.1f} s", flush=True)
    return seconds


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before /ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url} not ready after {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--workers", type=int, default=None, help="WORKERS for make")
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="alqabi-startup-"))
    log = work.parent / f"{work.name}.log"
    env = _clean_env()
    make = ["make", f"PYTHON={args.python}"]
    if args.workers:
        make.append(f"WORKERS={args.workers}")
    times: dict[str, float] = {}
    total_started = time.perf_counter()
    try:
        started = time.perf_counter()
        files = copy_checkout(work)
        times["copy the checkout"] = time.perf_counter() - started
        print(f"{files} files copied to {work}; log: {log}", flush=True)
        times["install (venv + pip -e .[st])"] = _step(
            "install", [*make, "install"], work, env, log
        )
        times["generate 3,200 court acts"] = _step(
            "corpus", [*make, "corpus/cases/acts.jsonl"], work, env, log
        )
        times["build the fast model"] = _step("model", [*make, "model"], work, env, log)
        times["index guidance + FAQ + acts"] = _step("index", [*make, "index"], work, env, log)
        port = _free_port()
        cmd = [str(work / ".venv/bin/alqabi"), "serve", "--store", "var/store", "--port", str(port)]
        started = time.perf_counter()
        with log.open("a", encoding="utf-8") as out:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}/ready", proc, READY_TIMEOUT_S)
            times["serve until /ready is 200"] = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - total_started
    print(f"\n{'step':<34} {'seconds':>8}")
    for name, seconds in times.items():
        print(f"{name:<34} {seconds:>8.1f}")
    print(f"{'total, nothing → /ready':<34} {total:>8.1f}")
    verdict = "within" if total <= TARGET_S else "OVER"
    print(f"{verdict} the {TARGET_S / 60:.0f}-minute target ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
