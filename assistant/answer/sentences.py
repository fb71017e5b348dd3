"""Sentences of guidance text and their vectors (embedded once, cached on disk)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.core.embeddings import Embedder
from assistant.core.store import EmbeddingCache
from assistant.core.text import normalize

# A sentence ends at . ! ? … before a capital or an opening quote; "ст. 16" and "т.е. если"
# do not end one because a digit or a lower-case letter follows.
_BOUNDARY = re.compile(r"(?<=[.!?…])[»\"”)]*\s+(?=[«\"„(A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
CACHE_FILE = "answer_cache.sqlite"


def split_sentences(text: str) -> list[str]:
    """Sentences of a markdown passage; headings dropped.

    A list stays with the sentence that introduces it ("... освобождает: - ...; - ..."), since
    its items are not sentences on their own.
    """
    out: list[str] = []
    in_list = False
    for line in normalize(text).split("\n"):
        if not line.strip() or _HEADING.match(line):
            in_list = False
            continue
        if _BULLET.match(line) and out and (in_list or out[-1].endswith(":")):
            out[-1] = f"{out[-1]} {_BULLET.sub('', line).strip()}"
            in_list = True
            continue
        in_list = False
        line = _BULLET.sub("", line)
        out.extend(s.strip() for s in _BOUNDARY.split(line) if s.strip())
    return out


def cached_vectors(
    embedder: Embedder, store_dir: Path, texts: Sequence[str], kind: Literal["query", "passage"]
) -> np.ndarray:
    """Vectors of texts, looked up in (and added to) the store's answer cache.

    The cache is opened per call, so each thread gets its own SQLite connection.
    """
    if not texts:
        return np.zeros((0, embedder.info.dim), dtype=np.float32)
    cache = EmbeddingCache(store_dir / CACHE_FILE, embedder.info)
    try:
        # The e5 prefix in the key keeps query and passage vectors of one text apart.
        keys = [EmbeddingCache.key(f"{kind}: {t}") for t in texts]
        found = cache.get_many(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            embed = embedder.embed_queries if kind == "query" else embedder.embed_passages
            vectors = embed(missing)
            new = {
                EmbeddingCache.key(f"{kind}: {t}"): v for t, v in zip(missing, vectors, strict=True)
            }
            cache.put_many(new.items())
            found.update(new)
        return np.stack([found[k] for k in keys]).astype(np.float32)
    finally:
        cache.close()
