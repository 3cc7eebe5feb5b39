"""Fixtures shared by the whole suite.

Server-backed and shared-data tests skip with a reason where their resource is absent, and
fail instead when ``TAILORED_TEST_REQUIRE_SERVICES=1`` / ``TAILORED_TEST_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.servers"]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def missing(resource: str, *, kind: str) -> None:
    """Skip for a missing resource, or fail when the environment says it must be there."""
    flag = "TAILORED_TEST_REQUIRE_SERVICES" if kind == "service" else "TAILORED_TEST_REQUIRE_SHARED"
    if _flag(flag):
        pytest.fail(f"{resource} is required ({flag}=1) but not available", pytrace=False)
    pytest.skip(f"{resource} not available")


def shared_path(*parts: str, env: str | None = None) -> Path:
    """``../shared/<parts>``, or ``$env/<last part>`` where ``env`` names a set variable.

    Skips (or fails, see :func:`missing`) when the file is absent.
    """
    override = os.environ.get(env) if env else None
    path = Path(override) / parts[-1] if override else REPO.parent.joinpath("shared", *parts)
    if not path.exists():
        missing(f"shared file {path}", kind="shared")
    return path


@pytest.fixture(scope="session")
def conformance_cases() -> dict[str, Any]:
    """The GrowthBook conformance cases, read in place from ``../shared/conformance``."""
    path = shared_path("conformance", "growthbook-cases.json", env="TAILORED_CONFORMANCE_DIR")
    with path.open() as f:
        cases: dict[str, Any] = json.load(f)
    return cases


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` (or ``$TAILORED_DATA_DIR``)."""
    env = os.environ.get("TAILORED_DATA_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        missing(f"shared data directory {path}", kind="shared")
    return path
