"""tailored: a self-hosted personalization engine.

Events in, unified profiles and segments, one real-time decision call, recommendations,
messages and statistics you can trust, on your own infrastructure.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
