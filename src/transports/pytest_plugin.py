"""pytest fixtures that put a chat emulator on a free loopback port.

- ``chat_emulator``: a ready agent session and engagement on a running
  emulator, fresh for each test (a `ChatEmulator`)::

      from transports.pytest_plugin import ChatEmulator
      from transports.sync import AgentClient

      def test_greeting(chat_emulator: ChatEmulator) -> None:
          with AgentClient(chat_emulator.url, **chat_emulator.client_options) as client:
              client.post_message("Hi", destination_id=chat_emulator.engagement_id)
          assert [m.body for m in chat_emulator.messages()] == ["Hi"]

  It also plays the end user (``say``, ``type``, ``leave``), queues
  engagements for a bot to be offered (``queue_engagement``), moves the
  session's pool, takes it over, and reads back the engagement and the
  session as they are now.  For a bot that logs on by itself, ``account``
  is the emulator's account for the site calls (``site_url`` is where they
  live: the emulator itself).  Polls are held ``POLL_HOLD_MS`` (1 s) at most,
  not the real server's 30 s, so a test waiting for a ``ChatGetTimeout``
  does not wait long.

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
    from chatproto.emulator import AgentAccount, EngagementState, FaultPlan, SessionInfo, SessionState

    from .emulator import BackgroundEmulator

__all__ = ["AGENT_ID", "POLL_HOLD_MS", "ChatEmulator", "chat_emulator", "chat_emulator_server"]

#: The agent id of the fixture's session, as in the reference's examples.
AGENT_ID = "12"
#: How long the fixture's emulator holds a poll with nothing to deliver, in milliseconds.
POLL_HOLD_MS = 1000


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

    # -- The end user of the engagement ---------------------------------------------------------

    def say(self, text: str) -> None:
        """The end user says ``text``: the session's next poll delivers it (a ``ChatPostMessage``)."""
        self.server.end_user_says(self.engagement_id, text)

    def type(self, sneak_preview: str) -> None:
        """The end user is typing ``sneak_preview`` (a ``ChatActivitySignal``)."""
        self.server.end_user_types(self.engagement_id, sneak_preview)

    def leave(self) -> None:
        """The end user leaves (a ``ChatDisconnectNotification``); posts are then ``CONFLICT``."""
        self.server.end_user_leaves(self.engagement_id)

    def engagement(self) -> EngagementState:
        """The engagement as it is now: state, properties, the transcript of both sides."""
        return self.server.engagement(self.engagement_id)

    # -- The session, and the rest of the server ------------------------------------------------

    def session(self) -> SessionState:
        """The session as it is now: status, pool, slots, engagements, poll."""
        return self.server.session(self.session_id)

    def move_pool(self, pool: str | None = None) -> str:
        """Move the session to another pool, announced through getMessages; the new pool."""
        return self.server.move_pool(self.session_id, pool)

    def take_over(self) -> SessionInfo:
        """Another logon of the agent takes the session over: it ends; the new one's details."""
        return self.server.take_over(self.session_id)

    def queue_engagement(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        question: str | None = None,
    ) -> int:
        """An end user asks for a chat: it is offered (through getMessages) to a session that is
        available and asked for assignments; the engagement's id."""
        return self.server.queue_engagement(first_name=first_name, last_name=last_name, email=email, question=question)

    @property
    def account(self) -> AgentAccount:
        """The account for the site calls (HTTP Basic), whose sessions speak for agent ``AGENT_ID``."""
        from chatproto.emulator import DEFAULT_ACCOUNT

        return DEFAULT_ACCOUNT

    @property
    def site_url(self) -> str:
        """Where the site calls (serviceSettings, agentTokens) live: the emulator itself."""
        return self.url


@pytest.fixture(scope="session")
def chat_emulator_server() -> Iterator[BackgroundEmulator]:
    """A chat emulator serving on a free port of 127.0.0.1 for the whole test session."""
    from chatproto.emulator import Emulator

    from .emulator import BackgroundEmulator, new_session_id, new_token

    # One session and engagement per test: room for large suites.
    emulator = Emulator(
        session_id_factory=new_session_id,
        token_factory=new_token,
        poll_hold_ms=POLL_HOLD_MS,
        max_sessions=1_000_000,
        max_engagements=1_000_000,
    )
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
