"""Helpers for the emulator tests: request bytes, feeding a ServerConnection, a raw socket client.

The reference example's values come from `tests.reference`; `receive` is the
shared drivers' `first_server_event`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable

import h11
from tests.drivers import first_server_event
from tests.reference import AGENT_ID as REFERENCE_AGENT_ID
from tests.reference import POOL, POST_PATH, POST_TARGET, SITE
from tests.reference import REFERENCE_REQUEST_BODY as REFERENCE_BODY
from tests.reference import SESSION_ID as REFERENCE_SESSION_ID

import chatproto as cp

__all__ = [
    "JSON_UTF8",
    "NETWORK_TIMEOUT",
    "POOL",
    "POST_PATH",
    "POST_TARGET",
    "REFERENCE_AGENT_ID",
    "REFERENCE_BODY",
    "REFERENCE_SESSION_ID",
    "SITE",
    "RawClient",
    "post_body",
    "read_until_closed",
    "receive",
    "request_bytes",
]

JSON_UTF8 = "application/json; charset=UTF-8"
NETWORK_TIMEOUT = 10.0


def request_bytes(
    body: bytes = b"",
    *,
    method: str = "POST",
    target: str = POST_TARGET,
    session_id: str | None = REFERENCE_SESSION_ID,
    agent_id: str | None = REFERENCE_AGENT_ID,
    content_type: str | None = JSON_UTF8,
    extra: Iterable[tuple[str, str]] = (),
) -> bytes:
    """The bytes of one HTTP/1.1 request, headers in the reference's order."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if session_id is not None:
        lines.append(f"X-JSESSIONID: {session_id}")
    if agent_id is not None:
        lines.append(f"X-AID: {agent_id}")
    lines.extend(f"{name}: {value}" for name, value in extra)
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def post_body(**fields: object) -> bytes:
    """A valid postMessage body into engagement 27, with ``fields`` replacing or adding members."""
    document: dict[str, object] = {
        "body": "Hi",
        "destinationId": 27,
        "destinationType": "ENGAGEMENT",
        "messageType": "TEXT",
        "sequenceNumber": 1,
    }
    document.update(fields)
    return json.dumps({key: value for key, value in document.items() if value is not ...}).encode()


def receive(data: bytes) -> tuple[cp.ServerConnection, cp.ServerEvent]:
    """The first event of ``data``, the same however it is cut and with trailing bytes.

    Returns the connection that was fed whole, ready to answer.
    """
    return first_server_event(data)


class RawClient:
    """An HTTP/1.1 client over a plain socket, with h11 parsing the answers (nobody here wrote either)."""

    def __init__(self, url: str, timeout: float = NETWORK_TIMEOUT) -> None:
        host, _, port = url.removeprefix("http://").rpartition(":")
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        self.h11 = h11.Connection(h11.CLIENT)

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """The next response: status, headers (lower-case names), body."""
        # h11's client side reads a response only after it has sent a request;
        # the real request went out as raw bytes, so h11 is told of one.
        self.h11.send(h11.Request(method="POST", target="/", headers=[("Host", "x"), ("Content-Length", "0")]))
        self.h11.send(h11.EndOfMessage())
        status = 0
        headers: dict[str, str] = {}
        body = b""
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                self.h11.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {name.decode(): value.decode() for name, value in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
                    self.h11.start_next_cycle()
                return status, headers, body
            else:
                raise AssertionError(f"unexpected {event!r}")

    def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send a whole request (built by `request_bytes`) and read its response."""
        self.send(request)
        return self.response()

    def closed_by_server(self) -> bool:
        """Read until the server ends the stream (True) or the socket times out (an exception)."""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return True


def busy_bytes(max_connections: int) -> bytes:
    """The answer to a connection beyond the emulator's cap, byte for byte."""
    message = f"max_connections exceeded: {max_connections + 1} > {max_connections}"
    body = json.dumps({"exceptionCode": "LIMIT_EXCEEDED", "message": message}, separators=(",", ":"))
    return (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    ).encode()


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the peer sends until it ends the stream (the socket's timeout bounds each read)."""
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)
