"""What the message tests share: a getMessages answer fed to a client every way, and bodies built from elements.

`poll` feeds a 200 carrying ``body`` to a `cp.ClientConnection` that sent a
getMessages, whole, byte by byte, in strides and at seeded points, and with
trailing bytes after it (`client_outcome_with_trailing`), and returns the
decoded answer; `poll_error` does the same for an answer that must fail.
"""

from __future__ import annotations

from typing import Any

import msgspec

import chatproto as cp
from tests.drivers import client_outcome, client_outcome_with_trailing
from tests.reference import http_response

POLL = cp.GetMessagesRequest(sequence_number=1)  # what a fresh session numbers its first poll


def body_of(*elements: object, **envelope: object) -> bytes:
    """A getMessages body: ``elements`` under ``getResponseTypes``, then the envelope's fields."""
    return msgspec.json.encode({"getResponseTypes": list(elements), **envelope})


def poll(body: bytes, limits: cp.Limits | None = None) -> cp.GetMessagesResponse:
    """The answer a client makes of a 200 carrying ``body``, the same however it is cut and with trailing bytes."""
    record = client_outcome_with_trailing(http_response(200, body), request=cp.GetMessagesRequest(), limits=limits)
    assert record[-1] is cp.ConnectionState.IDLE, record
    (event,) = record[:-1]
    assert isinstance(event, cp.ResponseReceived), event
    assert event.request == POLL
    response = event.response
    assert type(response) is cp.GetMessagesResponse
    return response


def messages(*elements: object) -> tuple[Any, ...]:
    """The messages a client decodes from ``elements`` (JSON values) under ``getResponseTypes``."""
    return poll(body_of(*elements)).messages


def poll_error(body: bytes, limits: cp.Limits | None = None) -> tuple[object, ...]:
    """The error signature a 200 carrying ``body`` raises, the same however it is cut."""
    record = client_outcome(http_response(200, body), request=cp.GetMessagesRequest(), limits=limits)
    assert record[-1] is cp.ConnectionState.ERROR, record
    signature = record[-2]
    assert isinstance(signature, tuple)
    return signature


def raised(body: bytes, limits: cp.Limits | None = None) -> cp.RemoteProtocolError:
    """The error itself, from the body fed whole."""
    conn = cp.ClientConnection(
        cp.AgentSession(host="h", site="s", agent_id="12", session_id="s1"),
        **({} if limits is None else {"limits": limits}),
    )
    conn.send(cp.GetMessagesRequest())
    conn.receive_data(http_response(200, body))
    try:
        conn.next_event()
    except cp.RemoteProtocolError as exc:
        return exc
    raise AssertionError("no error")
