"""The one error hierarchy of tailored, mapped to HTTP status codes once, in ``tailored.server``."""

from __future__ import annotations

from typing import Any


class TailoredError(Exception):
    """Base of every error tailored raises on purpose.

    Args:
        message: A sentence for a person: what went wrong, where, and why.
        details: Optional machine-readable items, each a dict with at least ``message`` and,
            where it applies, ``loc`` (the path to the offending field).
    """

    code = "error"
    status_code = 500

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationError(TailoredError):
    """The input is malformed or breaks a rule; the message names the field."""

    code = "validation_error"
    status_code = 422


class BadRequest(TailoredError):
    """The request cannot be read at all (broken JSON, broken compression)."""

    code = "bad_request"
    status_code = 400


class Unauthorized(TailoredError):
    """No credentials, or credentials that are unknown or revoked."""

    code = "unauthorized"
    status_code = 401


class Forbidden(TailoredError):
    """Valid credentials whose scope does not allow the operation."""

    code = "forbidden"
    status_code = 403


class NotFound(TailoredError):
    """The named thing does not exist (in this workspace)."""

    code = "not_found"
    status_code = 404


class Conflict(TailoredError):
    """The operation clashes with the current state (a duplicate name, say)."""

    code = "conflict"
    status_code = 409


class PayloadTooLarge(TailoredError):
    """The request body is larger than the configured limit."""

    code = "payload_too_large"
    status_code = 413


class RateLimited(TailoredError):
    """Too many requests; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"
    status_code = 429

    def __init__(
        self, message: str, retry_after: int = 1, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class ConfigurationError(TailoredError):
    """Settings that cannot work, or that are unsafe for the chosen mode."""

    code = "configuration_error"
    status_code = 500
