"""pytest fixtures that put a chat emulator on a free loopback port.

- ``chat_emulator``: a ready agent session and engagement on a running
  emulator, fresh for each test (a `ChatEmulator`)::

      from transports.pytest_plugin import ChatEmulator
      from transports.sync import AgentClient

      def test_greeting(chat_emulator: ChatEmulator) -> None:
          with AgentClient(chat_emulator.url, **chat_emulator.client_options) as client:
              client.post_message("Hi", destination_id=chat_emulator.engagement_id)
          assert [m.body for m in chat_emulator.messages()] == ["Hi"]

- ``chat_emulator_server``: the `transports.emulator.BackgroundEmulator`
  behind it, one per test session, for tests that open their own sessions.

Every test gets its own session and engagement, so tests do not see each
other's messages; faults set through ``chat_emulator`` are switched off
again when the test ends.

pytest loads this plugin (through the ``pytest11`` entry point) in every test
run of an environment that has chatproto installed, so loading it must never
fail: it imports pytest, the standard library and the ``transports`` package
(its error classes, over the core: what every install has), and nothing of
the emulator, anyio or trio until a fixture is used.  A run that uses no
fixture of it pays next to nothing and works whatever is missing.  The
fixtures need only a plain install (anyio runs the emulator on asyncio), not
trio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import chatproto as cp
    from chatproto.emulator import FaultPlan

    from .emulator import BackgroundEmulator

__all__ = ["ChatEmulator", "chat_emulator", "chat_emulator_server"]

#: The agent id of the fixture's session, as in the reference's examples.
AGENT_ID = "12"


@dataclass(frozen=True)
class ChatEmulator:
    """An agent session and an engagement on a running emulator.

    Attributes:
        url: the emulator's base URL (``http://127.0.0.1:PORT``).
        site: the fqSiteName.
        agent_id: the agent id (``X-AID``).
        session_id: the agent session id (``X-JSESSIONID``).
        pool: the session's pool.
        engagement_id: an engagement assigned to the session: post with
            ``destination_id=engagement_id``.
        server: the emulator server, for anything else.
    """

    url: str
    site: str
    agent_id: str
    session_id: str
    pool: str
    engagement_id: int
    server: BackgroundEmulator

    @property
    def client_options(self) -> dict[str, Any]:
        """The keyword arguments for an ``AgentClient(url, **client_options)`` of this session."""
        return {"site": self.site, "agent_id": self.agent_id, "session_id": self.session_id, "pool": self.pool}

    def messages(self) -> list[cp.PostMessageRequest]:
        """The messages recorded in the engagement, in order."""
        return self.server.messages(self.engagement_id)

    def conclude(self) -> None:
        """End the engagement: later posts into it fail with ``CONFLICT``."""
        self.server.conclude_engagement(self.engagement_id)

    def set_faults(self, faults: FaultPlan | None) -> None:
        """Inject ``faults`` (see `chatproto.emulator.FaultPlan`) until the test ends."""
        self.server.set_faults(faults)


@pytest.fixture(scope="session")
def chat_emulator_server() -> Iterator[BackgroundEmulator]:
    """A chat emulator serving on a free port of 127.0.0.1 for the whole test session."""
    from chatproto.emulator import Emulator

    from .emulator import BackgroundEmulator, new_session_id

    # One session and engagement per test: room for large suites.
    emulator = Emulator(session_id_factory=new_session_id, max_sessions=1_000_000, max_engagements=1_000_000)
    with BackgroundEmulator(emulator, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def chat_emulator(chat_emulator_server: BackgroundEmulator) -> Iterator[ChatEmulator]:
    """A fresh agent session and engagement on the session's chat emulator, without faults."""
    server = chat_emulator_server
    server.set_faults(None)
    info = server.open_session(AGENT_ID)
    engagement_id = server.start_engagement(info.session_id)
    yield ChatEmulator(server.url, info.site, info.agent_id, info.session_id, info.pool, engagement_id, server)
    server.set_faults(None)
