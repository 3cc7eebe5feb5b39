"""``tailored serve`` in its own process on a free loopback port, for HTTP benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from tailored.core import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings, port: int, **env: str) -> subprocess.Popen[bytes]:
    """Start the server on ``settings``' database; return once ``/readyz`` answers 200."""
    variables = {
        **os.environ,
        "TAILORED_DATABASE_URL": settings.database_url,
        "TAILORED_SECRET_KEY": settings.secret_key.get_secret_value(),
        "TAILORED_LOG_LEVEL": "WARNING",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tailored.cli", "serve", "--port", str(port)],
        env=variables,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not start")
