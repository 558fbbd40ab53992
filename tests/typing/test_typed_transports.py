"""The transports' ``send`` returns the response type of the request's operation, with no cast.

mypy checks this file (``[tool.mypy] files``): each ``assert_type`` says
what it must infer.  pytest runs it against a loopback server on the core's
server role that answers every operation with its own response type, so the
run-time type is checked beside the static one, in the blocking client and
in an async one.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import assert_type

import anyio

import chatproto as cp
import transports.anyio
import transports.sync

SESSION_ID = "node01typed"


def _serve(listener: socket.socket, connections: int) -> None:
    with listener:
        # Each connection on a thread of its own: a client's polls go on a connection of their own.
        threads = []
        for _ in range(connections):
            threads.append(threading.Thread(target=_serve_one, args=(listener.accept()[0],)))
            threads[-1].start()
        for thread in threads:
            thread.join(10)


def _serve_one(accepted: socket.socket) -> None:
    with contextlib.closing(accepted) as sock:
        server = cp.ServerConnection()
        while True:
            server.receive_data(sock.recv(65536))
            while (event := server.next_event()) is not cp.NEED_DATA:
                if isinstance(event, cp.ConnectionClosed):
                    return
                assert isinstance(event, cp.RequestReceived)
                answer = event.operation.response_type(
                    session_id=SESSION_ID, sequence_number=event.request.sequence_number
                )
                sock.sendall(server.send_response(200, answer))


@contextlib.contextmanager
def loopback(connections: int = 1) -> Iterator[str]:
    """The URL of a server for ``connections`` connections, until the client closes them."""
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=_serve, args=(listener, connections), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    thread.join(10)
    assert not thread.is_alive()


def test_the_blocking_send_is_typed_per_operation() -> None:
    with (
        loopback(connections=2) as url,  # the calls' connection, and the poll's own
        transports.sync.AgentClient(url, site="site", agent_id="12", session_id=SESSION_ID, token="t0") as client,
    ):
        post = client.send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT))
        assert_type(post, cp.PostMessageResponse)
        assert type(post) is cp.PostMessageResponse
        acknowledged = client.send(
            cp.AssignmentAcknowledgementRequest(
                cp.AssignmentAction.ACCEPT, cp.AssignmentActionType.AUTO, cp.AssignmentType.LEAD, 42
            )
        )
        assert_type(acknowledged, cp.AssignmentAcknowledgementResponse)
        assert_type(acknowledged.chat_assignment_acknowledgement_result, cp.ChatAssignmentAcknowledgementResult | None)
        assert type(acknowledged) is cp.AssignmentAcknowledgementResponse
        poll = client.send(cp.GetMessagesRequest())
        assert_type(poll, cp.GetMessagesResponse)
        assert type(poll) is cp.GetMessagesResponse
        logoff = client.send(cp.LogoffRequest(force_logoff=True))
        assert_type(logoff, cp.LogoffResponse)
        assert type(logoff) is cp.LogoffResponse
        assert client.session.ended


async def _async_sends(url: str) -> None:
    async with transports.anyio.AgentClient(
        url, site="site", agent_id="12", session_id=SESSION_ID, token="t0"
    ) as client:
        signal = await client.send(cp.ActivitySignalChangeRequest(47, 42, cp.InteractionMode.RESPONDING))
        assert_type(signal, cp.ActivitySignalChangeResponse)
        assert_type(signal.chat_activity_signal_change_result, cp.ChatActivitySignalChangeResult | None)
        assert type(signal) is cp.ActivitySignalChangeResponse
        created = await client.send(cp.CreateAgentSessionRequest(logon_override=True))
        assert_type(created, cp.CreateAgentSessionResponse)
        assert type(created) is cp.CreateAgentSessionResponse


def test_the_async_send_is_typed_per_operation() -> None:
    with loopback() as url:
        anyio.run(_async_sends, url)
