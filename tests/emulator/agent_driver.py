"""An agent talking to an in-process `Emulator` with the bytes a real client sends.

Each request is framed by a `cp.ClientConnection` (so it is what our clients
put on the wire), fed to a `cp.ServerConnection` whole, byte by byte and with
trailing bytes (`receive`), answered by the emulator, and the answer's bytes
go back to the client connection, which decodes them.  A held poll comes back
as a `Pending` whose answer the test asks for when it wants (as the server
loop would once woken or expired).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
from emulator_helpers import receive

import chatproto as cp
from chatproto.emulator import DEFAULT_ACCOUNT, AgentAccount, Emulator, Reply

NOW_MS = 1653492901569
HOST = "127.0.0.1:8080"


@dataclass
class Pending:
    """A request the emulator has answered with ``reply`` (or is holding, if ``reply.hold``)."""

    driver: Driver
    conn: cp.ClientConnection
    server: cp.ServerConnection
    reply: Reply

    @property
    def poll_id(self) -> int:
        assert self.reply.hold is not None, self.reply
        return self.reply.hold.poll_id

    def answer(self, reply: Reply | None = None) -> Any:
        """Send ``reply`` (the one given at first by default) and return the client's event;
        None when the reply drops the connection."""
        reply = reply or self.reply
        assert reply.hold is None, "a held poll: answer it with the emulator's answer_poll"
        if reply.drop:
            self.conn.abandon()  # as a transport does with a connection that died
            return None
        data = self.server.send_response(reply.status, reply.body, headers=reply.headers)
        self.driver.answers.append(data)
        self.conn.receive_data(data)
        event = self.conn.next_event()
        assert event is not cp.NEED_DATA
        return event

    def abandon(self) -> None:
        """The client gives the request up (it hung up): its session may poll again."""
        self.conn.abandon()

    def expire(self) -> Any:
        """The held poll's hold passed: the emulator's answer, as the client sees it."""
        return self.answer(self.driver.emulator.answer_poll(self.poll_id, now_ms=self.driver.now_ms))


@dataclass
class Driver:
    """One agent session's client side against ``emulator``."""

    emulator: Emulator
    session: cp.AgentSession
    now_ms: int = NOW_MS
    answers: list[bytes] = field(default_factory=list)

    def twin(self) -> Driver:
        """Another process speaking for the same session (a restarted bot, say): its own
        `cp.AgentSession`, with the same identity and numbering."""
        session = self.session
        copy = cp.AgentSession(
            host=session.host,
            site=session.site,
            agent_id=session.agent_id,
            session_id=session.session_id,
            pool=session.pool,
            token=session.token,
            last_sequence_number=session.last_sequence_number,
        )
        return Driver(self.emulator, copy, self.now_ms)

    def send(self, request: cp.Request) -> Pending:
        conn = cp.ClientConnection(self.session)
        data = conn.send(request, now_ms=self.now_ms)
        server, event = receive(data)
        assert not isinstance(event, cp.ConnectionClosed)
        return Pending(self, conn, server, self.emulator.handle(event, now_ms=self.now_ms))

    def call(self, request: cp.Request) -> Any:
        """``request``'s answer as the client decodes it (a ResponseReceived or ErrorReceived)."""
        return self.send(request).answer()

    def ok(self, request: cp.Request) -> Any:
        """The decoded response of a request that must succeed."""
        event = self.call(request)
        assert isinstance(event, cp.ResponseReceived), event
        return event.response

    def error(self, request: cp.Request) -> tuple[int, str | None, str | None]:
        event = self.call(request)
        assert isinstance(event, cp.ErrorReceived), event
        return event.status, event.code, event.message

    def poll(self) -> list[tuple[str, dict[str, Any]]]:
        """One getMessages that answers at once: its messages as (type, fields)."""
        return messages_of(self.ok(cp.GetMessagesRequest()))


def messages_of(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The messages of a getMessages answer, as (wire name, fields) pairs."""
    assert isinstance(response, cp.GetMessagesResponse), response
    pairs = []
    # The typed messages, as the wire writes them.
    for wrapper in json.loads(cp.encode_messages(response.messages)):
        ((name, fields),) = wrapper.items()
        pairs.append((name, fields))
    return pairs


def names_of(messages: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in messages]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def site_request(
    method: str,
    path: str,
    *,
    account: AgentAccount | None = DEFAULT_ACCOUNT,
    authorization: str | None = None,
    context: str | None = "chatproto tests",
    body: bytes = b"",
) -> bytes:
    """The bytes of a site call (serviceSettings, agentTokens) with Basic credentials."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    if authorization is None and account is not None:
        authorization = basic(account.username, account.password)
    if authorization is not None:
        lines.append(f"Authorization: {authorization}")
    if context is not None:
        lines.append(f"OSvC-CREST-Application-Context: {context}")
    if method == "POST":
        lines.append("Content-Type: application/json")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def site_call(emulator: Emulator, data: bytes) -> tuple[Reply, bytes]:
    """The emulator's reply to a site call, and the bytes a server writes for it."""
    conn, event = receive(data)
    assert isinstance(event, cp.SiteRequestReceived | cp.InvalidRequest), event
    reply = emulator.handle(event, now_ms=NOW_MS)
    return reply, conn.send_response(reply.status, reply.body, headers=reply.headers)


def log_on(
    emulator: Emulator,
    account: AgentAccount = DEFAULT_ACCOUNT,
    *,
    logon_override: bool = False,
    site: str | None = None,
) -> Driver:
    """The site calls then createAutomatedAgentSession, as a bot does: a driver of the new session."""
    _, data = site_call(
        emulator,
        site_request("POST", "/services/rest/crossChannelServices/latest/agentTokens", account=account, body=b"{}"),
    )
    token = msgspec.json.decode(data.partition(b"\r\n\r\n")[2])["sessionToken"]
    session = cp.AgentSession(
        host=HOST, site=site or account.site or emulator.sites[0], agent_id=account.agent_id, token=token, pool="297:1"
    )
    driver = Driver(emulator, session)
    response = driver.ok(cp.CreateAgentSessionRequest(logon_override=logon_override))
    session.renew(response.session_id)
    return driver


def open_driver(emulator: Emulator, agent_id: str = "12") -> Driver:
    """A driver of a session opened through the control calls (no site calls)."""
    info = emulator.open_session(agent_id)
    return Driver(
        emulator,
        cp.AgentSession(host=HOST, site=info.site, agent_id=info.agent_id, session_id=info.session_id, pool=info.pool),
    )


def ready(driver: Driver, slots: int = 1) -> None:
    """Available, and asking for ``slots`` engagements."""
    driver.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=21))
    driver.ok(cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=slots, max_session_count=slots))


def accept(driver: Driver, engagement_id: int) -> Any:
    return driver.ok(
        cp.AssignmentAcknowledgementRequest(
            action=cp.AssignmentAction.ACCEPT,
            action_type=cp.AssignmentActionType.MANUAL,
            assignment_type=cp.AssignmentType.LEAD,
            engagement_id=engagement_id,
        )
    )


def post(driver: Driver, engagement_id: int, text: str = "Hi") -> Any:
    return driver.call(
        cp.PostMessageRequest(body=text, destination_id=engagement_id, destination_type=cp.DestinationType.ENGAGEMENT)
    )
