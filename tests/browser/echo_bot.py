"""A small echo bot on the sync client: it logs on to the emulator as its default account, takes
each chat offered, greets the end user, says back what they write, and notes what it saw them
type (``ChatActivitySignal``).  The browser tests run it in a thread; a person can run it too::

    chatproto emulator                      # prints its URL, say http://127.0.0.1:8080
    python tests/browser/echo_bot.py http://127.0.0.1:8080
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import TextIO

import httpx

import chatproto as cp
from chatproto.emulator import AGENT_TOKENS_PATH, DEFAULT_ACCOUNT, DEFAULT_POOL, DEFAULT_SITE
from transports import TransportError
from transports.sync import AgentClient

#: Longer than any hold the emulator gives a poll (30 s by default).
TIMEOUT = 60.0


class EchoBot:
    """The bot's loop, and what it saw, for a test to read.

    Attributes:
        ready: set once it is available and asks for chats.
        stop: set it to end the loop after the poll in progress.
        typed: each sneak preview of the end user's typing, in order.
        heard: each message of the end user, in order.
        left: the engagements whose end user left.
    """

    def __init__(self, url: str, *, out: TextIO | None = None) -> None:
        self.url = url
        self.out = out
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.typed: list[str] = []
        self.heard: list[str] = []
        self.left: list[int] = []

    def run(self) -> None:
        account = DEFAULT_ACCOUNT
        # Logging on as Oracle's site does it: agentTokens with the account, then createAgentSession.
        token = httpx.post(
            self.url + AGENT_TOKENS_PATH, auth=(account.username, account.password), json={}, timeout=TIMEOUT
        ).json()["sessionToken"]
        with AgentClient(
            self.url, site=DEFAULT_SITE, agent_id=account.agent_id, token=token, pool=DEFAULT_POOL, timeout=TIMEOUT
        ) as client:
            client.send(cp.CreateAgentSessionRequest(logon_override=True))
            client.send(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=21))
            self._ask_for_a_chat(client)
            self.ready.set()
            while not self.stop.is_set():
                for message in client.send(cp.GetMessagesRequest()).messages:
                    self._on(client, message)
            client.send(cp.LogoffRequest(force_logoff=True))

    def _on(self, client: AgentClient, message: object) -> None:
        if isinstance(message, cp.ChatEngagementAssignmentNotification) and message.engagement_id is not None:
            engagement_id = message.engagement_id
            client.send(
                cp.AssignmentAcknowledgementRequest(
                    action=cp.AssignmentAction.ACCEPT,
                    action_type=cp.AssignmentActionType.MANUAL,
                    assignment_type=cp.AssignmentType.LEAD,
                    engagement_id=engagement_id,
                )
            )
            name = message.first_name or "there"
            client.post_message(
                f"Hello {name}, I am an echo bot. You asked: {message.question}", destination_id=engagement_id
            )
        elif isinstance(message, cp.ChatActivitySignal):
            self.typed.append(message.sneak_preview or "")
            self._say(f"typing: {message.sneak_preview!r}")
        elif isinstance(message, cp.ChatPostMessage) and message.engagement_id is not None:
            self.heard.append(message.body or "")
            client.post_message(f"You said: {message.body}", destination_id=message.engagement_id)
        elif isinstance(message, cp.ChatDisconnectNotification) and message.engagement_id is not None:
            self.left.append(message.engagement_id)
            client.send(cp.ConcludeEngagementRequest(engagement_id=message.engagement_id))
            client.send(cp.ReleaseEngagementRequest(engagement_id=message.engagement_id))
            self._ask_for_a_chat(client)

    def _ask_for_a_chat(self, client: AgentClient) -> None:
        client.send(cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=1, max_session_count=1))

    def _say(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out, flush=True)


if __name__ == "__main__":
    bot = EchoBot(sys.argv[1], out=sys.stdout)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            bot.run()
        except TransportError as exc:  # the emulator stopped under the bot's poll
            sys.exit(f"echo bot: the emulator is gone: {exc}")
