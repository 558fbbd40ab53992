"""Harness: request encoding from arbitrary field values.

Input: the session's values (host, site, agent id, session id, pool, token),
each the reference's value, the fuzzer's text, or the reference's value with
one fuzzer byte spliced in; then an operation and its fields, each of the
right type or of any type (`fuzz._requests.fuzzed_request`).

`cp.AgentSession` and `cp.ClientConnection.send` may only return or raise
`cp.LocalProtocolError`.  A session is accepted only if every value is clean
(the characters the architecture allows).  Bytes that come out are parsed
back twice: by a fresh ``h11.Connection(h11.SERVER)``, which must see exactly
the expected request line and exactly the expected header names, in order,
with the session's values, and nothing after the request; and by a
`cp.ServerConnection`, which must decode the same request, site, pool and
credentials that were sent.  So no value can inject a header, change the
path or the query, or be encoded as something else than it was (bytes as
base64, NaN as null, an int key as a str).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import h11
from tests.reference import AGENT_ID, HOST, POOL, SESSION_ID, SITE, TOKEN

import chatproto as cp

from ._common import Reader, run_main
from ._requests import fuzzed_request

OPERATIONS = tuple(cp.OPERATIONS.values())
#: The reference host with a port, so that the default value already holds a ``:`` that the
#: Host header must carry unchanged, and the fuzzer's splices land around it.
HOST_WITH_PORT = f"{HOST}:8443"
# What the architecture allows in each value (and nothing else may pass).
_CLEAN = {
    "site": re.compile(r"[A-Za-z0-9._~-]+"),
    "pool": re.compile(r"[A-Za-z0-9._~:-]+"),
    "host": re.compile(r"[!-~]+"),
    "agent_id": re.compile(r"[!-~]+"),
    "session_id": re.compile(r"[!-~]+"),
    "token": re.compile(r"[!-~]+"),
}
_DEFAULTS: dict[str, str] = {
    "host": HOST_WITH_PORT,
    "site": SITE,
    "agent_id": AGENT_ID,
    "session_id": SESSION_ID,
    "pool": POOL,
    "token": TOKEN,
}
_OPTIONAL = ("session_id", "pool", "token")


def _session_value(name: str, reader: Reader) -> Any:
    choice = reader.below(8)
    default = _DEFAULTS[name]
    if choice <= 3:
        return default
    if choice == 4:
        return reader.text(32)
    if choice == 5 and name in _OPTIONAL:
        return None
    # The reference's value with one byte (a control, a separator, anything) spliced in.
    at = reader.below(len(default) + 1)
    return default[:at] + chr(reader.byte()) + default[at:]


def _is_clean(name: str, value: object) -> bool:
    if value is None:
        return name in _OPTIONAL
    if not isinstance(value, str) or _CLEAN[name].fullmatch(value) is None:
        return False
    if name == "site":
        return value not in (".", "..")
    if name in ("host", "agent_id", "session_id"):
        return not any(char in value for char in "/\\?#@")
    return True


def _expected_headers(session: cp.AgentSession, operation: cp.Operation, body_length: int) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", session.host.encode())]
    if operation.method != "GET":
        headers.append((b"content-type", b"application/json; charset=utf-8"))
    if operation.needs_session:
        assert session.session_id is not None
        headers += [(b"x-aid", session.agent_id.encode()), (b"x-jsessionid", session.session_id.encode())]
    if operation.method != "GET":
        headers.append((b"content-length", b"%d" % body_length))
    if session.token is not None:
        headers.append((b"authorization", b"Bearer " + session.token.encode()))
    return headers


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    values = {name: _session_value(name, reader) for name in _DEFAULTS}
    clean = all(_is_clean(name, value) for name, value in values.items())
    try:
        session = cp.AgentSession(**values)
    except cp.LocalProtocolError:
        assert not clean, f"a clean session was refused: {values!r}"
        return
    assert clean, f"a session with a bad value was accepted: {values!r}"

    operation = OPERATIONS[reader.below(len(OPERATIONS))]
    try:
        request = fuzzed_request(operation, reader)
    except (TypeError, ValueError):
        return  # the Struct itself refused the arguments: nothing reaches send
    conn = cp.ClientConnection(session)
    try:
        wire = conn.send(request)
    except cp.LocalProtocolError:
        assert conn.state is cp.ConnectionState.IDLE
        return
    sent = conn.pending_request
    assert sent is not None
    _check_with_h11(wire, session, operation)
    _check_with_server(wire, session, operation, sent)


def _check_with_h11(wire: bytes, session: cp.AgentSession, operation: cp.Operation) -> None:
    server = h11.Connection(h11.SERVER)
    server.receive_data(wire)
    head = server.next_event()
    assert isinstance(head, h11.Request), head
    assert head.method == operation.method.encode()
    body = b""
    while True:
        event = server.next_event()
        if isinstance(event, h11.Data):
            body += event.data
            continue
        assert isinstance(event, h11.EndOfMessage), event
        break
    assert server.trailing_data == (b"", False), "bytes after the request"

    target = operation.path(session.site) + ("" if session.pool is None else f"?pool={session.pool}")
    if operation.method == "GET":
        separator = "&" if "?" in target else "?"
        assert head.target.startswith(f"{target}{separator}request=".encode()), head.target
        json_text = head.target.split(b"request=", 1)[1].decode()
        assert quote(json_text, safe="%") == json_text, "the query input is not fully percent-encoded"
        assert body == b""
    else:
        assert head.target == target.encode(), (head.target, target)
    received = [(name.lower(), value) for name, value in head.headers.raw_items()]
    assert received == _expected_headers(session, operation, len(body)), received


def _check_with_server(wire: bytes, session: cp.AgentSession, operation: cp.Operation, sent: cp.Request) -> None:
    server = cp.ServerConnection()
    server.receive_data(wire)
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived), event
    assert event.operation == operation
    assert event.site == session.site
    assert event.pool == session.pool
    assert event.token == session.token
    if operation.needs_session:
        assert (event.agent_id, event.session_id) == (session.agent_id, session.session_id)
    else:
        assert (event.agent_id, event.session_id) == (None, None)
    assert event.request == sent, f"sent {sent!r}, the server decoded {event.request!r}"


if __name__ == "__main__":
    run_main(test_one_input)
