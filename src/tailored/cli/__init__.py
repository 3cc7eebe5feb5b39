"""The command line: ``tailored serve | worker | db | keys | workspaces | demo | import``."""

from __future__ import annotations

from ._main import app, main

__all__ = ["app", "main"]
