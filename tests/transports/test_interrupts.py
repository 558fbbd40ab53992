"""Interrupted calls neither poison the pool nor leave sockets for the garbage collector (issue 13, points 1 and 2).

Point 1: an exception landing while the core frames a request (a
KeyboardInterrupt, or one a signal handler raises) used to leave h11 in its
ERROR state under a connection that still said IDLE; the pool took it back,
and every later call failed with h11's own error.  Here it is raised at the
framing step for every client kind, and raised for real by SIGALRM, at
moments spread over whole calls, for the sync client.

Point 2: the sync backend left the socket to the garbage collector when the
interrupt landed inside ``socket.create_connection``, between connecting and
the TLS handshake, or inside the handshake.  Every socket must be closed
before the exception goes on: a ResourceWarning is an error here.
"""

from __future__ import annotations

import gc
import signal
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import h11
import pytest
from tests.reference import AGENT_ID, SESSION_ID, SITE
from transport_clients import ClientFactory
from transport_server import ChatServer, refused_port

import chatproto as cp
import transports
from transports._backends._threads import ThreadDeadlineScope, ThreadRuntime, time_left
from transports.sync import AgentClient

OPTIONS: dict[str, Any] = {"site": SITE, "agent_id": AGENT_ID, "session_id": SESSION_ID}


class Interrupted(Exception):
    """What the application's signal handler raises."""


_real_send = h11.Connection.send


@pytest.fixture
def interrupt_framing(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``interrupt_framing(n)``: the n-th h11 send of the client role from now raises `Interrupted` (once)."""

    def arm(n: int) -> None:
        calls = 0

        def send(self: h11.Connection, event: h11.Event) -> bytes | None:
            nonlocal calls
            if self.our_role is h11.CLIENT:  # the test server's h11 is left alone
                calls += 1
                if calls == n:
                    raise Interrupted
            return _real_send(self, event)

        monkeypatch.setattr(h11.Connection, "send", send)

    return arm


@pytest.mark.parametrize("step", [1, 2, 3], ids=["head", "body", "end"])
def test_an_interrupted_framing_discards_the_connection(
    server: ChatServer, make_client: ClientFactory, interrupt_framing: Callable[[int], None], step: int
) -> None:
    client = make_client(server.url)
    assert client.post_message("one", destination_id=27).sequence_number == 1
    interrupt_framing(step)

    with pytest.raises(Interrupted):
        client.post_message("two", destination_id=27)

    # Nothing of "two" was written; its connection was closed, not pooled.
    server.wait_for(lambda s: s.client_closes == 1)
    assert client.idle_count() == 0
    assert client.post_message("three", destination_id=27).sequence_number == 3
    assert server.sequence_numbers() == [1, 3]
    assert server.connections_opened == 2


def test_an_interrupted_first_framing_discards_the_new_connection(
    server: ChatServer, make_client: ClientFactory, interrupt_framing: Callable[[int], None]
) -> None:
    client = make_client(server.url)
    interrupt_framing(1)

    with pytest.raises(Interrupted):
        client.post_message("one", destination_id=27)

    server.wait_for(lambda s: s.client_closes == 1)
    assert client.idle_count() == 0
    assert client.post_message("two", destination_id=27).sequence_number == 2
    assert server.sequence_numbers() == [2]


# -- Real signals, sync client ---------------------------------------------------------------


class _Alarm:
    """SIGALRM raising `Interrupted`, only while ``armed``: outside a call it does nothing."""

    def __init__(self) -> None:
        self.armed = False
        self.fired = 0

    def handler(self, signum: int, frame: object) -> None:
        if self.armed:
            self.fired += 1
            raise Interrupted


@pytest.fixture
def alarm() -> Iterator[_Alarm]:
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover - pytest runs tests there
        pytest.skip("signal handlers run in the main thread only")
    state = _Alarm()
    previous = signal.signal(signal.SIGALRM, state.handler)
    try:
        yield state
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _interrupted_calls(client: AgentClient, alarm: _Alarm, delays: list[float]) -> tuple[int, int, list[BaseException]]:
    """One call per delay, SIGALRM set to fire that long after it starts: (answered, interrupted, other failures)."""
    answered = interrupted = 0
    failures: list[BaseException] = []
    for delay in delays:
        try:
            try:
                alarm.armed = True
                signal.setitimer(signal.ITIMER_REAL, delay)
                client.post_message("Hi", destination_id=27)
                answered += 1
            finally:
                # An alarm from here on does nothing; one that fired before raised in the try.
                alarm.armed = False
        except Interrupted:
            interrupted += 1
        except Exception as exc:
            failures.append(exc)
    return answered, interrupted, failures


def _call_seconds(client: AgentClient) -> float:
    """How long a call on a reused connection takes here (one on a new connection takes longer)."""
    started = time.perf_counter()
    for _ in range(20):
        client.post_message("warm up", destination_id=27)
    return (time.perf_counter() - started) / 20


def test_real_signals_never_poison_the_pool(server: ChatServer, alarm: _Alarm) -> None:
    with AgentClient(server.url, timeout=5.0, **OPTIONS) as client:
        span = _call_seconds(client)
        # Alarms spread evenly over calls on a reused connection and on a new one.
        delays = [1e-6 + span * 3 * (i % 97) / 97 for i in range(1200)]
        with warnings.catch_warnings(record=True) as leaks:
            warnings.simplefilter("always", ResourceWarning)
            answered, interrupted, failures = _interrupted_calls(client, alarm, delays)
            gc.collect()

        assert failures == []
        assert interrupted > 100, (answered, interrupted)
        assert answered > 100, (answered, interrupted)
        # No number was given twice (connections the client dropped are
        # served in threads of their own, so the server's order may differ).
        numbers = server.sequence_numbers()
        assert len(numbers) == len(set(numbers))
        # After it all, a call is answered, on a connection that is reused.
        last = client.post_message("after", destination_id=27).sequence_number
        assert last == client.session.last_sequence_number
        assert client.post_message("again", destination_id=27).sequence_number == last + 1
        assert len(client._pool._idle) == 1
    assert [str(leak.message) for leak in leaks] == []


# -- Point 2: every socket of an interrupted connect is closed ------------------------------------


@pytest.fixture
def no_socket_left() -> Iterator[None]:
    """Fail when a socket reaches the garbage collector unclosed."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


def _fail_once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, exc: type[BaseException]) -> list[int]:
    """``owner.name`` raises ``exc`` on the client's first call of it; the client's calls are counted."""
    real = getattr(owner, name)
    calls: list[int] = []

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        # The client runs in the test's thread; the server's threads are left alone.
        if threading.current_thread() is threading.main_thread():
            calls.append(1)
            if len(calls) == 1:
                raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.mark.usefixtures("no_socket_left")
@pytest.mark.parametrize("exc", [KeyboardInterrupt, Interrupted])
@pytest.mark.parametrize(
    ("owner", "name"),
    [(socket.socket, "connect"), (socket.socket, "setsockopt")],
    ids=["inside create_connection", "after connecting"],
)
def test_an_interrupted_connect_closes_its_socket(
    server: ChatServer, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, exc: type[BaseException]
) -> None:
    with AgentClient(server.url, timeout=5.0, **OPTIONS) as client:
        calls = _fail_once(monkeypatch, owner, name, exc)
        with pytest.raises(exc):
            client.post_message("Hi", destination_id=27)
        monkeypatch.undo()
        assert calls == [1]
        assert client.post_message("Hi", destination_id=27).sequence_number == 1


@pytest.mark.usefixtures("no_socket_left")
@pytest.mark.parametrize("exc", [KeyboardInterrupt, Interrupted])
@pytest.mark.parametrize("name", ["settimeout", "do_handshake"], ids=["before the handshake", "inside it"])
def test_an_interrupted_tls_connect_closes_its_socket(
    tls_server: ChatServer,
    client_ssl_context: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    exc: type[BaseException],
) -> None:
    owner = socket.socket if name == "settimeout" else ssl.SSLSocket
    with AgentClient(tls_server.url, timeout=5.0, ssl_context=client_ssl_context, **OPTIONS) as client:
        calls = _fail_once(monkeypatch, owner, name, exc)
        with pytest.raises(exc):
            client.post_message("Hi", destination_id=27)
        monkeypatch.undo()
        assert calls == [1]
        assert client.post_message("Hi", destination_id=27).sequence_number == 1


@pytest.mark.usefixtures("no_socket_left")
def test_a_refused_connect_closes_its_socket_and_says_nothing_was_sent() -> None:
    with (
        AgentClient(f"http://127.0.0.1:{refused_port()}", timeout=5.0, **OPTIONS) as client,
        pytest.raises(transports.ConnectError) as caught,
    ):
        client.post_message("Hi", destination_id=27)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert client.session.last_sequence_number == 0
    assert not isinstance(caught.value, cp.ProtocolError)


# -- The blocking runtime's deadline scopes outlive no interrupted exit ---------------------------


def test_a_scope_whose_exit_was_skipped_keeps_no_deadline_in_force() -> None:
    runtime = ThreadRuntime()
    outer = runtime.move_on_at(runtime.current_time() + 60.0)
    with outer:
        # Entered, and let go of without its exit: what an exception landing as
        # ``__exit__`` starts (or as ``__enter__`` ends) leaves behind.
        runtime.move_on_at(runtime.current_time() + 0.001).__enter__()
        gc.collect()
        left = time_left()
        assert left is not None
        assert left > 30.0  # the outer deadline is in force again, not the lost one's
    assert time_left() is None


def test_an_exception_as_the_deadline_scope_exits_leaves_the_next_calls_their_own_deadline(
    server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_exit = ThreadDeadlineScope.__exit__

    def interrupted_exit(self: ThreadDeadlineScope, *exc_info: Any) -> bool:
        monkeypatch.setattr(ThreadDeadlineScope, "__exit__", real_exit)
        raise Interrupted

    with AgentClient(server.url, timeout=0.05, **OPTIONS) as hasty, AgentClient(server.url, **OPTIONS) as client:
        monkeypatch.setattr(ThreadDeadlineScope, "__exit__", interrupted_exit)
        with pytest.raises(Interrupted):
            hasty.post_message("one", destination_id=27)
        # The lost scope's deadline passes: it must not end (or fail) the calls after it.
        lost_deadline = time.monotonic() + 0.05
        while time.monotonic() < lost_deadline:
            time.sleep(0.01)
        assert time_left() is None
        assert client.post_message("two", destination_id=27).sequence_number == 1
