"""The HTTP server: FastAPI app factory, auth, one router per stage, error handlers."""

from __future__ import annotations

from ._app import app_from_environment, create_app
from ._auth import AdminKey, Principal, ServerKey, WriteKey, require
from ._errors import error_body
from ._logging import configure_logging

__all__ = [
    "AdminKey",
    "Principal",
    "ServerKey",
    "WriteKey",
    "app_from_environment",
    "configure_logging",
    "create_app",
    "error_body",
    "require",
]
