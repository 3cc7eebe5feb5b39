from __future__ import annotations

import pydantic
import pytest

from tailored.core import ConfigurationError, Settings

GOOD_SECRET = "k" * 40


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == "sqlite:///./tailored.db"
    assert settings.env == "development"
    assert settings.check() is settings


def test_environment_and_toml(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tailored.toml").write_text('log_format = "json"\nmax_request_bytes = 4096\n')
    monkeypatch.setenv("TAILORED_MAX_REQUEST_BYTES", "8192")
    settings = Settings()
    assert settings.log_format == "json", "read from tailored.toml"
    assert settings.max_request_bytes == 8192, "the environment wins over the file"
    other = tmp_path / "other.toml"
    other.write_text('log_level = "DEBUG"\n')
    monkeypatch.setenv("TAILORED_CONFIG", str(other))
    assert Settings().log_level == "DEBUG"


def test_unknown_and_invalid_settings_are_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tailored.toml").write_text("databse_url = 'x'\n")
    with pytest.raises(pydantic.ValidationError, match="databse_url"):
        Settings()
    (tmp_path / "tailored.toml").unlink()
    with pytest.raises(pydantic.ValidationError, match="psycopg"):
        Settings(database_url="postgresql://u@h/db")
    with pytest.raises(pydantic.ValidationError, match="must start with"):
        Settings(database_url="mysql://u@h/db")


def test_production_refuses_insecure_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="TAILORED_SECRET_KEY") as info:
        Settings(env="production").check()
    assert len(info.value.details) == 1
    with pytest.raises(ConfigurationError, match="TAILORED_DEBUG"):
        Settings(env="production", secret_key=GOOD_SECRET, debug=True).check()
    weak = "postgresql+psycopg://app:postgres@db/tailored"
    with pytest.raises(ConfigurationError, match="well-known password 'postgres'"):
        Settings(env="production", secret_key=GOOD_SECRET, database_url=weak).check()
    ok = Settings(
        env="production",
        secret_key=GOOD_SECRET,
        database_url="postgresql+psycopg://app:Xy7-long-and-random@db/tailored",
        redis_url="redis://cache:6379/0",
    )
    assert ok.check() is ok
