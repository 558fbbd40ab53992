"""Idle keep-alive connections: their expiry, and the server closing one just as it is reused (issue 13, point 8).

A server closes the connections it keeps alive after an idle timeout of its
own.  One that does so just as the client reuses a connection leaves a
request out with no answer, which the client used to report as
`OutcomeUnknownError` for a request the server never read.  Now:

- the pool drops a connection idle for ``keepalive_expiry`` (4 s by
  default, below the shortest common server timeout) before reusing it;
- when a reused connection is closed or reset before a byte of its answer,
  the request is sent once more on a new connection if the server cannot
  have acted on it (it was not written whole) or if it is safe to repeat
  (the GET operation); a POST written whole raises `OutcomeUnknownError`
  saying what most likely happened.

The server (`transport_server.ChatServer`) plays the race on cue: it
answers, then ends the connection as the next request arrives, without
reading it, so the requests it counts are the ones it read.  The clock the
pool measures idleness on is the runtime's, moved on by the tests.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from tests.reference import AGENT_ID, SESSION_ID, SITE
from transport_clients import ClientFactory, PortalClient, SyncClient
from transport_server import Act, ChatServer

import chatproto as cp
import transports
from transports.sync import AgentClient

OPTIONS: dict[str, Any] = {"site": SITE, "agent_id": AGENT_ID, "session_id": SESSION_ID}


class OffsetRuntime:
    """A client's runtime whose clock reads ``offset`` seconds ahead of its library's.

    Deadlines are given back to the library's clock, so that only the
    pool's idea of how long a connection has been idle moves.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.offset = 0.0

    def current_time(self) -> float:
        return float(self._inner.current_time()) + self.offset

    def move_on_at(self, deadline: float) -> Any:
        return self._inner.move_on_at(deadline - self.offset)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def clock(make_client: ClientFactory) -> OffsetRuntime:
    return OffsetRuntime(make_client.client_class._runtime)


def _client(make_client: ClientFactory, clock: OffsetRuntime, url: str, **options: Any) -> SyncClient | PortalClient:
    face = make_client.client_class
    on_clock = type(face.__name__, (face,), {"_runtime": clock, "__module__": face.__module__})
    return make_client(url, client_class=on_clock, **options)


# -- The expiry ------------------------------------------------------------------------------


def test_an_idle_connection_is_reused_until_it_expires(
    server: ChatServer, make_client: ClientFactory, clock: OffsetRuntime
) -> None:
    client = _client(make_client, clock, server.url, keepalive_expiry=30.0)
    client.post_message("one", destination_id=27)

    clock.offset = 29.0
    client.post_message("two", destination_id=27)
    assert server.connections_opened == 1

    clock.offset += 30.0
    client.post_message("three", destination_id=27)

    assert server.connections_opened == 2
    assert [index for index, _ in server.requests] == [0, 0, 1]
    server.wait_for(lambda s: s.client_closes == 1)  # the expired one was closed, not left open
    assert client.idle_count() == 1


def test_the_default_expiry_is_below_a_five_second_server_timeout(
    server: ChatServer, make_client: ClientFactory, clock: OffsetRuntime
) -> None:
    client = _client(make_client, clock, server.url)
    assert client.client.keepalive_expiry == 4.0
    client.post_message("one", destination_id=27)

    clock.offset = 3.5
    client.post_message("two", destination_id=27)
    clock.offset += 4.5
    client.post_message("three", destination_id=27)

    assert [index for index, _ in server.requests] == [0, 0, 1]


def test_an_expiry_of_zero_reuses_nothing(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url, keepalive_expiry=0)

    for i in range(3):
        client.post_message(f"m{i}", destination_id=27)

    assert server.connections_opened == 3
    server.wait_for(lambda s: s.client_closes == 2)


def test_the_idle_connections_that_expired_go_oldest_first_and_the_rest_stay(server: ChatServer) -> None:
    # Two connections open at once: the first request is answered once the second has arrived.
    second_arrived = _Flag()
    server.on_request = lambda received: second_arrived.wait() if len(server.requests) == 1 else second_arrived.set()
    clock = OffsetRuntime(AgentClient._runtime)
    on_clock = type("AgentClient", (AgentClient,), {"_runtime": clock})
    with on_clock(server.url, keepalive_expiry=15.0, timeout=5.0, **OPTIONS) as client:
        _in_two_threads(lambda: client.post_message("a", destination_id=27))
        server.on_request = None
        assert server.connections_opened == 2
        older, newer = client._pool._idle

        clock.offset = 10.0
        client.post_message("b", destination_id=27)  # on the newer one, idle again from 10 s
        assert client._pool._idle == [older, newer]

        clock.offset = 20.0  # the older one has been idle 20 s, the newer 10 s
        client.post_message("c", destination_id=27)

        assert client._pool._idle == [newer]
        assert server.connections_opened == 2
        server.wait_for(lambda s: s.client_closes == 1)


@pytest.mark.parametrize("value", [-1, -0.5, float("inf"), float("nan"), True, "5", None])
def test_a_bad_expiry_is_refused(value: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match="keepalive_expiry"):
        AgentClient("http://127.0.0.1:8080", keepalive_expiry=value, **OPTIONS)  # type: ignore[arg-type]


# -- The server closing a connection as it is reused ------------------------------------------


@pytest.mark.parametrize("act", [Act.OK_THEN_FIN_ON_NEXT, Act.OK_THEN_RESET_ON_NEXT], ids=["fin", "reset"])
def test_a_post_the_server_dropped_unread_is_outcome_unknown_and_not_sent_again(
    server: ChatServer, make_client: ClientFactory, act: Act
) -> None:
    client = make_client(server.url)
    server.script(act)
    client.post_message("one", destination_id=27)

    with pytest.raises(transports.OutcomeUnknownError, match="reused keep-alive connection") as caught:
        client.post_message("two", destination_id=27)

    assert caught.value.request is not None
    assert caught.value.request.sequence_number == 2  # type: ignore[attr-defined]
    # It was never read, and never sent again: a POST the server may have acted on is not repeated.
    assert server.sequence_numbers() == [1]
    assert server.connections_opened == 1
    assert client.post_message("three", destination_id=27).sequence_number == 3
    assert server.sequence_numbers() == [1, 3]


@pytest.mark.parametrize("act", [Act.OK_THEN_FIN_ON_NEXT, Act.OK_THEN_RESET_ON_NEXT], ids=["fin", "reset"])
def test_a_get_the_server_dropped_unread_is_sent_once_more_on_a_new_connection(
    server: ChatServer, make_client: ClientFactory, act: Act
) -> None:
    client = make_client(server.url)
    server.script(act)
    client.post_message("one", destination_id=27)

    response = client.send(cp.RerouteAvailabilityRequest(engagement_id=27))

    assert type(response) is cp.RerouteAvailabilityResponse
    assert response.sequence_number == 3  # the first copy's number (2) was used up unread
    assert [(index, received.operation.name) for index, received in server.requests] == [
        (0, "postMessage"),
        (1, "rerouteAvailability"),
    ]
    assert server.sequence_numbers() == [1, 3]


def test_a_get_is_sent_once_more_only(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    # The connection the GET is sent again on is new, and dropped too: that failure is the call's.
    server.script(Act.OK_THEN_RESET_ON_NEXT, Act.CLOSE)
    client.post_message("one", destination_id=27)

    with pytest.raises(transports.OutcomeUnknownProtocolError) as caught:
        client.send(cp.RerouteAvailabilityRequest(engagement_id=27))

    assert "reused" not in str(caught.value)
    assert server.sequence_numbers() == [1, 3]
    assert server.connections_opened == 2


def test_an_answer_begun_on_a_reused_connection_is_never_sent_again(
    server: ChatServer, make_client: ClientFactory
) -> None:
    client = make_client(server.url)
    client.post_message("one", destination_id=27)
    server.script(Act.PARTIAL)

    with pytest.raises(transports.OutcomeUnknownProtocolError, match="broke the protocol"):
        client.send(cp.RerouteAvailabilityRequest(engagement_id=27))

    assert server.connections_opened == 1


@pytest.fixture
def reset_idle_connection(
    server: ChatServer, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> SyncClient | PortalClient:
    """A client whose idle connection the server has reset, the reset not seen before the next write.

    The server answers, then resets the connection; the test waits until the
    client's socket has the reset, then makes the pool's check miss it, as
    when the reset comes between the check and the write.
    """
    client = make_client(server.url)
    server.script(Act.OK_THEN_RESET)
    client.post_message("one", destination_id=27)
    server.wait_for(lambda s: s.server_closes == 1)
    (idle,) = client.client._pool._idle
    started = time.monotonic()
    while not idle.stream.is_readable():
        assert time.monotonic() - started < 10.0, "the reset never reached the client"
        time.sleep(0.001)
    monkeypatch.setattr(type(idle.stream), "is_readable", lambda self: False)
    return client


def test_a_request_not_written_whole_on_a_reused_connection_is_sent_again(
    server: ChatServer, reset_idle_connection: SyncClient | PortalClient
) -> None:
    # The write failed: the server cannot have acted on a request it never got whole, so even a post goes again.
    response = reset_idle_connection.post_message("two", destination_id=27)

    assert response.sequence_number == 3
    assert server.sequence_numbers() == [1, 3]
    assert server.connections_opened == 2


def test_a_request_the_caller_numbered_is_never_sent_again(
    server: ChatServer, reset_idle_connection: SyncClient | PortalClient
) -> None:
    with pytest.raises(transports.OutcomeUnknownError, match="reused keep-alive connection") as caught:
        reset_idle_connection.post_message("two", destination_id=27, sequence_number=40)

    assert caught.value.request is not None
    assert caught.value.request.sequence_number == 40  # type: ignore[attr-defined]
    assert server.sequence_numbers() == [1]


class _Flag:
    """A threading.Event whose waits have the server's timeout."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self) -> None:
        assert self._event.wait(10.0), "the second request never came"


def _in_two_threads(call: Any) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10.0)
    assert errors == []
