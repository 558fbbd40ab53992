"""The pytest plugin as a user's test suite sees it: a separate pytest run that uses its fixtures."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

USER_TESTS = """
import pytest

import chatproto as cp
from chatproto.emulator import FaultPlan
from transports.sync import AgentClient


def test_post_and_read_back(chat_emulator):
    assert chat_emulator.url.startswith("http://127.0.0.1:")
    assert chat_emulator.site == "day001_221100_sql_001h"
    assert chat_emulator.agent_id == "12"
    assert chat_emulator.pool == "297:1"
    with AgentClient(chat_emulator.url, timeout=10, **chat_emulator.client_options) as client:
        response = client.post_message("Hi", destination_id=chat_emulator.engagement_id)
    assert response.session_id == chat_emulator.session_id
    assert [message.body for message in chat_emulator.messages()] == ["Hi"]


def test_each_test_has_its_own_session(chat_emulator, chat_emulator_server):
    assert chat_emulator.server is chat_emulator_server
    assert chat_emulator.messages() == []
    other = chat_emulator_server.open_session("13")
    assert other.session_id != chat_emulator.session_id


def test_faults_and_conclude(chat_emulator):
    chat_emulator.set_faults(FaultPlan(server_error=1.0))
    with AgentClient(chat_emulator.url, timeout=10, **chat_emulator.client_options) as client:
        with pytest.raises(cp.ApiError) as raised:
            client.post_message("x", destination_id=chat_emulator.engagement_id)
        assert raised.value.status == 500
        chat_emulator.set_faults(None)
        chat_emulator.conclude()
        with pytest.raises(cp.ConflictError):
            client.post_message("x", destination_id=chat_emulator.engagement_id)


def test_faults_are_off_again(chat_emulator):
    assert chat_emulator.server.emulator.faults.active is False


def test_the_fixture_logs_nothing(chat_emulator):
    # Only `chatproto emulator` logs a line per request; a test run stays quiet.
    assert chat_emulator.server.server.log is None
"""


def test_fixtures_in_a_users_test_run(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    installed = any(ep.value == "transports.pytest_plugin" for ep in entry_points(group="pytest11"))
    # Installed, the plugin loads itself through its entry point; otherwise it is named.
    load = [] if installed else ["-p", "transports.pytest_plugin"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", *load, "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
