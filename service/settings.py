"""The service's settings: the only code of the service that reads the environment (prefix ``MADOGUCHI_``).
They extend ingest's (corpus, index, embedding) with everything the HTTP service tunes."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from ingest.settings import IngestSettings, http_url


class Settings(IngestSettings):
    """Every tunable of the service, ingest's included, with defaults that run offline on the bundled corpus."""

    database_url: str = Field(
        "sqlite:///var/madoguchi.db", description="Conversations and the audit log (SQLAlchemy URL)."
    )
    conversation_retention_days: int = Field(
        30, ge=0, description="Days a conversation's turns are kept for follow-up questions (0: not kept)."
    )
    question_max_chars: int = Field(1000, ge=10, le=100_000, description="Longest question accepted.")
    max_body_bytes: int = Field(65536, ge=1024, description="Largest request body accepted (413 request_too_large).")
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
    suggestions: int = Field(3, ge=1, le=20, description="Passages returned to staff with a handoff.")
    handoff_threshold: float = Field(
        0.35, ge=0, le=1, description="Confidence below which the question is handed to a person."
    )
    out_of_scope_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="A question whose best passage is less similar than this share of the corpus's own "
        "unanswerable baseline searches is out of scope (service/baseline.py).",
    )
    baseline_searches: int = Field(
        200, ge=20, le=5000, description="Searches that measure a generation's baseline when it is first opened."
    )
    staff_token: SecretStr | None = Field(
        None, description="Bearer token of the staff API (suggestions, handoff queue, console). Unset: 403."
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
    host: str = Field("127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service listens on.")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes; they share the index and database.")

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

    @field_validator("llm_base_url")
    @classmethod
    def _llm_url_is_http(cls, value: str | None) -> str | None:
        return http_url(value)
