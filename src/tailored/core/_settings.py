"""Settings from ``TAILORED_*`` environment variables and an optional ``tailored.toml``.

Precedence, highest first: arguments passed to :class:`Settings`, environment variables,
the TOML file (``./tailored.toml``, or the file named by ``TAILORED_CONFIG``), defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ._errors import ConfigurationError

INSECURE_SECRET = "insecure-development-secret-change-me"
_WEAK_PASSWORDS = {"postgres", "password", "changeme", "changethis", "secret", "admin", "root"}


def config_file() -> Path:
    """The TOML file settings are read from: ``$TAILORED_CONFIG`` or ``./tailored.toml``."""
    return Path(os.environ.get("TAILORED_CONFIG", "tailored.toml"))


class Settings(BaseSettings):
    """Everything that configures a tailored process."""

    model_config = SettingsConfigDict(
        env_prefix="TAILORED_", extra="forbid", validate_default=True, frozen=True
    )

    env: Literal["development", "production"] = Field(
        "development",
        description="`production` refuses to start with insecure defaults.",
    )
    database_url: str = Field(
        "sqlite:///./tailored.db",
        description="SQLAlchemy URL: `sqlite:///PATH` or `postgresql+psycopg://USER:PW@HOST/DB`.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis for the shared cache and notifications, e.g. `redis://host:6379/0`.",
    )
    secret_key: SecretStr = Field(
        SecretStr(INSECURE_SECRET),
        description="Keyed hash for stored API keys; changing it invalidates every key.",
    )
    debug: bool = Field(
        False, description="Put exception text in 500 answers. Never in production."
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted, in bytes (413 beyond)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`json` writes one JSON object per log line, with the request id."
    )
    sqlite_busy_timeout_ms: int = Field(
        5000, ge=0, description="How long SQLite waits for a lock before failing, in ms."
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        "NORMAL",
        description=(
            "SQLite durability: NORMAL survives a process crash; FULL also survives power loss."
        ),
    )
    ingest_max_event_bytes: int = Field(
        32 * 1024, ge=256, description="Largest single event accepted at collection, in bytes."
    )
    ingest_max_request_bytes: int = Field(
        500 * 1024,
        ge=1024,
        description="Largest collection request, in bytes, after gzip is undone (413 beyond).",
    )
    ingest_max_batch: int = Field(2500, ge=1, description="Most events in one /v1/batch request.")
    ingest_rate_limit: float = Field(
        1000.0,
        ge=0,
        description="Collection requests per second allowed per key (0 turns the limit off).",
    )
    ip_mode: Literal["truncate", "drop", "keep"] = Field(
        "truncate",
        description="What is stored of a client IP: truncated (/24, /48), nothing, or all of it.",
    )
    sqlite_wal_autocheckpoint: int = Field(
        10_000,
        ge=0,
        description="SQLite WAL pages between automatic checkpoints (0: never).",
    )
    sqlite_checkpoint_seconds: float = Field(
        1.0,
        ge=0,
        description=(
            "How often `tailored serve` checkpoints the SQLite WAL in a background thread, so "
            "that commits do not (0: only commits do, every `sqlite_wal_autocheckpoint` pages)."
        ),
    )
    decide_exposure_queue: bool = Field(
        True,
        description=(
            "On SQLite, `tailored serve` answers a decide call once its exposures are durable in "
            "a queue beside the database, and ingests them right after, many calls at a time "
            "(false: every call's exposures are ingested before its answer)."
        ),
    )
    worker_poll_seconds: float = Field(
        1.0, gt=0, description="How often an idle `tailored worker` looks for due jobs."
    )
    job_lease_seconds: int = Field(
        300, ge=1, description="A claimed job not finished within this is given to another worker."
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        if value.startswith(("postgresql://", "postgres://")):
            raise ValueError("use the psycopg driver: postgresql+psycopg://...")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        del dotenv_settings, file_secret_settings
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    def insecure_settings(self) -> list[str]:
        """What makes these settings unsafe for production, one sentence per problem."""
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret == INSECURE_SECRET or len(secret) < 32:
            problems.append(
                "TAILORED_SECRET_KEY is the development default or shorter than 32 characters; "
                "set it to a long random string, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if self.debug:
            problems.append("TAILORED_DEBUG is on; it puts exception text in error answers")
        urls = {"TAILORED_DATABASE_URL": self.database_url, "TAILORED_REDIS_URL": self.redis_url}
        for name, url in urls.items():
            password = _password_of(url)
            if password is not None and password.lower() in _WEAK_PASSWORDS:
                problems.append(f"{name} uses the well-known password {password!r}")
        return problems

    def check(self) -> Settings:
        """Raise :class:`ConfigurationError` if production mode meets insecure settings."""
        if self.env == "production":
            problems = self.insecure_settings()
            if problems:
                raise ConfigurationError(
                    "refusing to start in production mode: " + "; ".join(problems),
                    [{"message": p} for p in problems],
                )
        return self


def _password_of(url: str | None) -> str | None:
    if not url or "@" not in url or "://" not in url:
        return None
    credentials = url.split("://", 1)[1].rsplit("@", 1)[0]
    return credentials.split(":", 1)[1] if ":" in credentials else None
