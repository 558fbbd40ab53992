"""The echo bots of examples/ run as the README says: a process against a running emulator.

Each test starts an emulator in-process on a free loopback port, runs the
example as a command with the emulator's URL and ``--engagements 1``, and
plays the end user: it asks for a chat, says something, checks the echo,
and leaves.  The bot then concludes, releases, logs off and exits 0.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatproto.emulator import Emulator, EngagementStatus
from transports.emulator import BackgroundEmulator, new_session_id, new_token

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WAIT_SECONDS = 30.0


@pytest.fixture
def emulator() -> Iterator[BackgroundEmulator]:
    state = Emulator(session_id_factory=new_session_id, token_factory=new_token, poll_hold_ms=500)
    with BackgroundEmulator(state, port=0) as server:
        yield server


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("example", ["echo_bot_sync.py", "echo_bot_asyncio.py", "echo_bot_trio.py"])
def test_the_echo_bot_serves_one_engagement_and_exits(emulator: BackgroundEmulator, example: str) -> None:
    if example == "echo_bot_trio.py":
        pytest.importorskip("trio", reason="the trio example needs trio: pip install 'chatproto[trio]'")
    bot = subprocess.Popen(
        [sys.executable, str(EXAMPLES / example), emulator.url, "--engagements", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        engagement_id = emulator.queue_engagement(first_name="Ann", question="Hello?")
        wait_until(lambda: emulator.engagement(engagement_id).status is EngagementStatus.ACTIVE, "the bot accepted")
        emulator.end_user_says(engagement_id, "Hi bot")

        def echoed() -> bool:
            return any(entry.body == "You said: Hi bot" for entry in emulator.engagement(engagement_id).transcript)

        wait_until(echoed, "the bot echoed")
        emulator.end_user_leaves(engagement_id)
        out, err = bot.communicate(timeout=WAIT_SECONDS)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()

    assert (bot.returncode, err) == (0, ""), out + err
    assert out.splitlines() == [
        f"logged on: {emulator.url}",
        f"accepted engagement {engagement_id}: 'Hello?'",
        "echoed 'Hi bot'",
        f"engagement {engagement_id} is over",
        "logged off",
    ]
    kinds = [(entry.sender, entry.kind) for entry in emulator.engagement(engagement_id).transcript]
    assert kinds[-2:] == [("AGENT", "CONCLUDED"), ("AGENT", "RELEASED")]
    assert emulator.engagement(engagement_id).status is EngagementStatus.RELEASED
