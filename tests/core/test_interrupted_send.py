"""A send that does not finish never leaves a connection that looks reusable (issue 13, point 1).

A KeyboardInterrupt, or any exception a signal handler raises, can land
anywhere in `ClientConnection.send`, and above all while h11 frames the
request, which is where a send spends its time.  h11 then moves to its
ERROR state; the connection must not go on saying IDLE (a pool would reuse
it, and every later send failed with h11's own error).  These tests raise at
each step of the framing, before h11 acts, inside it and after it, for the
first request of a connection and for the next one, and check that:

- the connection is ERROR and says it cannot be reused;
- every later call raises the core's own errors, never h11's;
- the session's numbering goes on, with no number given twice;
- the next connection of the session sends exactly what it should.
"""

from __future__ import annotations

import h11
import pytest

import chatproto as cp
from tests.reference import make_site

from .helpers import http_response, make_session, simple_request


class Interrupted(Exception):
    """What a signal handler of the application raises."""


#: What lands in the middle of a send: Ctrl-C, or a handler's own exception.
INTERRUPTS = [KeyboardInterrupt, Interrupted]

_real_send = h11.Connection.send
_real_process_event = h11.Connection._process_event
_real_start_next_cycle = h11.Connection.start_next_cycle


def _expected_bytes(sequence_number: int) -> bytes:
    """What a fresh connection writes for the simple request numbered ``sequence_number``."""
    session = make_session()
    session.commit_sequence_number(sequence_number - 1)
    return cp.ClientConnection(session).send(simple_request())


def _inject(monkeypatch: pytest.MonkeyPatch, where: str, call: int, exc: type[BaseException]) -> None:
    """Raise ``exc`` at the ``call``-th h11 send: ``before`` it, ``inside`` it (h11 catches, moves to
    ERROR and re-raises, as it does for anything raised while it works), or ``after`` it returned."""
    calls = 0

    def send(self: h11.Connection, event: h11.Event) -> bytes | None:
        nonlocal calls
        calls += 1
        if calls == call and where == "before":
            raise exc
        data = _real_send(self, event)
        if calls == call and where == "after":
            raise exc
        return data

    def process_event(self: h11.Connection, role: type[h11.Sentinel], event: h11.Event) -> None:
        if calls == call and where == "inside" and role is h11.CLIENT:
            raise exc
        _real_process_event(self, role, event)

    monkeypatch.setattr(h11.Connection, "send", send)
    monkeypatch.setattr(h11.Connection, "_process_event", process_event)


def _assert_unusable(conn: cp.ClientConnection) -> None:
    assert conn.state is cp.ConnectionState.ERROR
    assert not conn.can_reuse
    assert conn.pending_request is None
    with pytest.raises(cp.LocalProtocolError, match="cannot carry another request") as caught:
        conn.send(simple_request())
    assert not isinstance(caught.value, h11.ProtocolError)
    # Bytes from the server and the next event raise the core's errors too.
    conn.receive_data(http_response(200, b"{}"))
    with pytest.raises(cp.RemoteProtocolError, match="already failed") as read:
        conn.next_event()
    assert not isinstance(read.value, h11.ProtocolError)


@pytest.mark.parametrize("exc", INTERRUPTS)
@pytest.mark.parametrize("where", ["before", "inside", "after"])
@pytest.mark.parametrize("call", [1, 2, 3], ids=["head", "body", "end"])
def test_an_interrupted_first_send_leaves_the_connection_unusable(
    monkeypatch: pytest.MonkeyPatch, exc: type[BaseException], where: str, call: int
) -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    _inject(monkeypatch, where, call, exc)

    with pytest.raises(exc):
        conn.send(simple_request())
    monkeypatch.undo()

    _assert_unusable(conn)
    # The number was used up (the request may be half framed), never given again.
    assert session.last_sequence_number == 1
    assert cp.ClientConnection(session).send(simple_request()) == _expected_bytes(2)


@pytest.mark.parametrize("exc", INTERRUPTS)
@pytest.mark.parametrize("where", ["before", "inside", "after"])
@pytest.mark.parametrize("call", [1, 2, 3], ids=["head", "body", "end"])
def test_an_interrupted_send_after_an_answer_leaves_the_connection_unusable(
    monkeypatch: pytest.MonkeyPatch, exc: type[BaseException], where: str, call: int
) -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    conn.send(simple_request())
    conn.receive_data(http_response(200, b'{"sequenceNumber":1}'))
    assert isinstance(conn.next_event(), cp.ResponseReceived)
    assert conn.can_reuse
    _inject(monkeypatch, where, call, exc)

    with pytest.raises(exc):
        conn.send(simple_request())
    monkeypatch.undo()

    _assert_unusable(conn)
    assert session.last_sequence_number == 2
    assert cp.ClientConnection(session).send(simple_request()) == _expected_bytes(3)


@pytest.mark.parametrize("exc", INTERRUPTS)
@pytest.mark.parametrize("where", ["before", "after"])
def test_an_interrupt_as_the_next_cycle_starts_leaves_the_connection_unusable(
    monkeypatch: pytest.MonkeyPatch, exc: type[BaseException], where: str
) -> None:
    conn = cp.ClientConnection(make_session())
    conn.send(simple_request())
    conn.receive_data(http_response(200, b'{"sequenceNumber":1}'))
    assert isinstance(conn.next_event(), cp.ResponseReceived)

    def start_next_cycle(self: h11.Connection) -> None:
        if where == "before":
            raise exc
        _real_start_next_cycle(self)
        raise exc

    monkeypatch.setattr(h11.Connection, "start_next_cycle", start_next_cycle)
    with pytest.raises(exc):
        conn.send(simple_request())
    monkeypatch.undo()

    _assert_unusable(conn)


def test_an_interrupt_before_the_framing_leaves_the_connection_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    # While the request is encoded nothing of the connection has changed: it stays reusable.
    session = make_session()
    conn = cp.ClientConnection(session)

    def encode(*args: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr("chatproto._client.encode_request", encode)
    with pytest.raises(KeyboardInterrupt):
        conn.send(simple_request())
    monkeypatch.undo()

    assert conn.state is cp.ConnectionState.IDLE
    assert conn.can_reuse
    assert session.last_sequence_number == 0
    assert conn.send(simple_request()) == _expected_bytes(1)


def test_h11_refusing_to_frame_is_our_local_error_and_withholds_its_text(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = cp.ClientConnection(make_session())

    def send(self: h11.Connection, event: h11.Event) -> bytes | None:
        raise h11.LocalProtocolError("Illegal header value b'node01h8m13tljpm7ns8nayp0pid91'")

    monkeypatch.setattr(h11.Connection, "send", send)
    with pytest.raises(cp.LocalProtocolError, match="could not be framed") as caught:
        conn.send(simple_request())
    monkeypatch.undo()

    assert not isinstance(caught.value, h11.ProtocolError)
    assert isinstance(caught.value.__cause__, h11.LocalProtocolError)
    assert "node01" not in str(caught.value.__cause__)
    _assert_unusable(conn)


@pytest.mark.parametrize("where", ["before", "inside", "after"])
def test_an_interrupted_site_call_leaves_its_connection_unusable(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    # The site calls frame their requests through the same step.
    conn = cp.SiteConnection(make_site())
    _inject(monkeypatch, where, 1, KeyboardInterrupt)

    with pytest.raises(KeyboardInterrupt):
        conn.send(cp.ServiceSettingsRequest())
    monkeypatch.undo()

    assert conn.state is cp.ConnectionState.ERROR
    assert not conn.can_reuse
    with pytest.raises(cp.LocalProtocolError, match="cannot carry another request") as caught:
        conn.send(cp.ServiceSettingsRequest())
    assert not isinstance(caught.value, h11.ProtocolError)
    assert cp.SiteConnection(make_site()).send(cp.ServiceSettingsRequest()).startswith(b"GET ")
