"""What the server loop asks of the core: the 503 for a connection beyond the cap, and a
request as the access log shows it, secrets left out."""

from __future__ import annotations

import h11
import pytest
from emulator_helpers import (
    POST_PATH,
    POST_TARGET,
    REFERENCE_SESSION_ID,
    SITE,
    busy_bytes,
    post_body,
    receive,
    request_bytes,
)

import chatproto as cp
from chatproto.emulator import busy_answer, request_line


@pytest.mark.parametrize("cap", [1, 16, 1024])
def test_busy_answer_is_a_503_that_closes(cap: int) -> None:
    data = busy_answer(cap)
    assert data == busy_bytes(cap)
    # A client that sent nothing yet, or a whole request, reads it as the answer to its request.
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="POST", target="/", headers=[("Host", "x"), ("Content-Length", "0")]))
    client.send(h11.EndOfMessage())
    client.receive_data(data)
    response = client.next_event()
    assert isinstance(response, h11.Response)
    assert (response.status_code, response.reason) == (503, b"Service Unavailable")
    assert (b"connection", b"close") in response.headers
    assert isinstance(client.next_event(), h11.Data)
    assert isinstance(client.next_event(), h11.EndOfMessage)


def line_of(data: bytes) -> str:
    _, event = receive(data)
    assert not isinstance(event, cp.ConnectionClosed)
    return request_line(event)


AGENT = "/engagement/api/agent/"
#: rerouteAvailability's input, URL-encoded JSON: a credential-free value, left out all the same.
REROUTE = "%7B%22engagementId%22%3A27%7D"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # Agent API requests: the operation's path and the pool, never the headers.
        (request_bytes(post_body()), f"POST {POST_TARGET} HTTP/1.1"),
        (request_bytes(post_body(), target=POST_PATH), f"POST {POST_PATH} HTTP/1.1"),
        (
            request_bytes(post_body(), target=f"{POST_PATH}?request=secret&pool=297:1"),
            f"POST {POST_PATH}?pool=297:1 HTTP/1.1",
        ),
        (
            request_bytes(method="GET", target=f"{AGENT}{SITE}/v1/rerouteAvailability?request={REROUTE}&pool=1:2"),
            f"GET {AGENT}{SITE}/v1/rerouteAvailability?pool=1:2 HTTP/1.1",
        ),
        # Requests under the agent path that cannot be served: what the event knows.
        (request_bytes(b"{"), f"POST {POST_PATH} HTTP/1.1"),
        (request_bytes(method="GET"), f"- {POST_PATH} HTTP/1.1"),  # 405: the method is not the operation's
        (request_bytes(target=f"{AGENT}{SITE}/v1/noSuchThing"), f"- {AGENT}{SITE}/... HTTP/1.1"),
        (request_bytes(target=f"{AGENT}a%2Fb/v1/postMessage"), f"- {AGENT}... HTTP/1.1"),
        (request_bytes(target=f"{AGENT}{SITE}/v2/postMessage"), f"- {AGENT}... HTTP/1.1"),
        # The control surface: the path and the query's names, not the values nor a session id.
        (request_bytes(method="GET", target="/emulator/faults"), "GET /emulator/faults HTTP/1.1"),
        (
            request_bytes(method="GET", target=f"/emulator/sessions/{REFERENCE_SESSION_ID}"),
            "GET /emulator/sessions/<30 chars ...91> HTTP/1.1",
        ),
        (
            request_bytes(method="GET", target=f"/emulator/sessions/{REFERENCE_SESSION_ID}/pool"),
            "GET /emulator/sessions/<30 chars ...91>/pool HTTP/1.1",
        ),
        (request_bytes(method="GET", target="/emulator/sessions/ab"), "GET /emulator/sessions/<2 chars> HTTP/1.1"),
        (
            request_bytes(method="GET", target="/x/emulator/sessions/abcdefghij"),
            "GET /x/emulator/sessions/abcdefghij HTTP/1.1",
        ),
        (
            request_bytes(method="GET", target="/nowhere?token=abc&pool=297:1&flag&=x&empty="),
            "GET /nowhere?token=<redacted>&pool=297:1&flag&=<redacted>&empty=<redacted> HTTP/1.1",
        ),
    ],
)
def test_request_line(data: bytes, line: str) -> None:
    assert line_of(data) == line


def test_request_line_of_bytes_that_are_no_request() -> None:
    assert request_line(None) == "-"


def test_request_line_is_bounded_and_printable() -> None:
    long_path = "/" + "a" * 10_000
    assert line_of(request_bytes(method="GET", target=long_path)) == f"GET /{'a' * 199}... HTTP/1.1"
    # Whatever reaches the event, the line has no character a terminal would act on.
    event = cp.HTTPRequestReceived("GE\x1bT", "/a\x00b\x7f\x85c", "pool=\x1b[2J", (), b"")
    assert request_line(event) == "GE\\x1bT /a\\x00b\\x7f\\x85c?pool=\\x1b[2J HTTP/1.1"
