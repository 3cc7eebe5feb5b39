"""The demo shop's decide configuration: ``workspace.yaml``, shipped with the package."""

from __future__ import annotations

from pathlib import Path


def workspace_file() -> Path:
    """The path of the demo ``workspace.yaml`` (an example of configuration as code)."""
    return Path(__file__).with_name("workspace.yaml")
