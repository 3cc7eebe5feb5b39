from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from tailored import __version__, storage
from tailored.cli import app
from tailored.core import NotFound, ValidationError
from tests.fixtures.databases import SECRET
from tests.fixtures.servers import free_port

runner = CliRunner()


@pytest.fixture
def env(database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    return database_url


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=True)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"tailored {__version__}"


def test_every_command_explains_itself_with_an_example():
    commands = [
        ["serve"], ["worker"], ["db", "upgrade"], ["db", "current"],
        ["keys", "create"], ["keys", "list"], ["keys", "revoke"],
        ["workspaces", "create"], ["workspaces", "list"],
    ]  # fmt: skip
    for command in commands:
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.output, command


def test_keys_lifecycle(env):
    created = invoke("keys", "create", "--scope", "server", "--name", "backend", "--json")
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)
    assert {"id", "key", "scope"} <= key.keys() and key["scope"] == "server"
    listed = json.loads(invoke("keys", "list", "--json").output)["keys"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert key["key"] not in invoke("keys", "list").output
    assert invoke("keys", "revoke", key["id"]).exit_code == 0
    listed = json.loads(invoke("keys", "list", "--json").output)["keys"]
    assert listed[0]["revoked_at"] is not None
    human = invoke("keys", "create", "--scope", "admin", "--name", "ops")
    assert "not shown again" in human.output and "tla_" in human.output


def test_key_errors(env):
    bad_scope = invoke("keys", "create", "--scope", "root", "--name", "x")
    assert bad_scope.exit_code == 2 and "root" in bad_scope.output
    missing = invoke("keys", "revoke", "key_nope")
    assert isinstance(missing.exception, NotFound)
    no_ws = invoke("keys", "create", "--scope", "write", "--name", "x", "--workspace", "nope")
    assert isinstance(no_ws.exception, NotFound)


def test_workspaces(env):
    assert invoke("workspaces", "create", "staging").exit_code == 0
    names = [
        w["name"] for w in json.loads(invoke("workspaces", "list", "--json").output)["workspaces"]
    ]
    assert names == ["default", "staging"]
    key = json.loads(
        invoke(
            "keys", "create", "--scope", "write", "--name", "s", "-w", "staging", "--json"
        ).output
    )
    assert key["workspace"] == "staging"
    assert isinstance(invoke("workspaces", "create", "Bad Name").exception, ValidationError)


def test_db_upgrade_and_current(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    refused = invoke("keys", "list")
    assert refused.exit_code == 2 and "tailored db upgrade" in refused.output
    first = invoke("db", "upgrade")
    assert first.exit_code == 0 and "migrated from empty" in first.output
    again = invoke("db", "upgrade")
    assert "already at the newest" in again.output
    assert "up to date" in invoke("db", "current").output


def test_bad_settings_are_reported_not_raised(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", "mysql://x")
    result = invoke("keys", "list")
    assert result.exit_code == 2 and "database_url" in result.output
    monkeypatch.delenv("TAILORED_DATABASE_URL")
    monkeypatch.setenv("TAILORED_ENV", "production")
    result = invoke("keys", "list")
    assert result.exit_code == 2 and "TAILORED_SECRET_KEY" in result.output


def test_worker_once_runs_due_jobs(env):
    import sqlalchemy as sa

    engine = sa.create_engine(env)
    with engine.begin() as conn:
        job_id = storage.enqueue(conn, "unknown.kind")
    result = invoke("worker", "--once")
    assert result.exit_code == 0 and "job(s)" in result.output
    with engine.connect() as conn:
        status = conn.execute(
            sa.select(storage.jobs.c.status).where(storage.jobs.c.id == job_id)
        ).scalar_one()
    engine.dispose()
    assert status == "queued", "a job nobody handles is left for a worker that does"


def _cli(*args, **kwargs):
    return [sys.executable, "-m", "tailored.cli", *args]


def test_main_turns_errors_into_one_line(tmp_path):
    env = {**os.environ, "TAILORED_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    subprocess.run(_cli("db", "upgrade"), env=env, check=True, capture_output=True)
    result = subprocess.run(
        _cli("keys", "revoke", "key_x"), env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: no API key with id 'key_x'")
    assert "Traceback" not in result.stderr


def test_serve_runs_a_real_server_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "TAILORED_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "TAILORED_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        _cli("serve", "--port", str(port)), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert answer.status_code == 200, "serve migrates a new database"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the signal as its exit status.
    assert process.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in err
