"""A strict hand-written chat server on loopback: each request's exact bytes, in order, then a scripted answer.

It does not use the core: it reads a request (head to the blank line, then
``Content-Length`` bytes), compares it byte for byte with the next expected
one, and answers what the script says for it, or closes, resets, or holds
the connection until the client hangs up.  A request other than the one
expected is answered 400 and noted in ``failures``; the tests assert there
are none, and that the whole script was consumed.

The expected bytes name the server's own address as ``{host}``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass

import msgspec

WAIT_TIMEOUT = 10.0
#: A fixed clock for the clients under test (seconds), so ``timeCreated`` is known: this, in ms.
CLOCK = 1_700_000_000.0
TIME_CREATED = 1_700_000_000_000

SITE = "site_x"
AGENT_ID = "12"
SESSION_ID = "J1"
TOKEN = "tok123"
POOL = "297:1"
USERNAME, PASSWORD = "bot", "s3cret"


@dataclass(frozen=True)
class Answer:
    """What the server does with one request."""

    status: int = 200
    body: object = None  # encoded as JSON; None: {}
    #: "answer", "close" (unanswered), "reset" (RST), "hold" (until the client hangs up).
    act: str = "answer"


class StrictServer:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self._script: collections.deque[tuple[bytes, Answer]] = collections.deque()
        self._changed = threading.Condition()
        self.failures: list[str] = []
        self.requests: list[bytes] = []
        self.connections = 0
        #: Connections held ("hold") whose client then hung up.
        self.hung_up = 0
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def __enter__(self) -> StrictServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping = True
        # A shutdown wakes the accept() waiting in the accepting thread; a close alone would not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._changed:
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(WAIT_TIMEOUT)

    # -- The script ------------------------------------------------------------------------------

    def expect(self, request: bytes, answer: Answer | None = None) -> None:
        with self._changed:
            self._script.append((request.replace(b"{host}", self.host.encode()), answer or Answer()))

    def wait_for(self, condition: object) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, WAIT_TIMEOUT), "timed out waiting on the server"  # type: ignore[arg-type]

    def assert_done(self) -> None:
        with self._changed:
            assert self.failures == []
            assert not self._script, f"{len(self._script)} expected requests never came: {self._script[0][0]!r}"

    # -- Serving ---------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._changed:
                self.connections += 1
                self._changed.notify_all()
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            conn.settimeout(WAIT_TIMEOUT)
            while True:
                try:
                    request, buffer = _read_request(conn, buffer)
                except OSError:
                    return
                if request is None:
                    return
                with self._changed:
                    self.requests.append(request)
                    expected, answer = self._script.popleft() if self._script else (b"", Answer(status=400))
                    if request != expected:
                        self.failures.append(f"expected {expected!r}\n     got {request!r}")
                        answer = Answer(status=400, body={"exceptionCode": "BAD_REQUEST", "message": "unexpected"})
                    self._changed.notify_all()
                if answer.act == "close":
                    return
                if answer.act == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if answer.act == "hold":
                    conn.settimeout(None)
                    try:
                        while conn.recv(65536):
                            pass
                    except OSError:
                        pass
                    with self._changed:
                        self.hung_up += 1
                        self._changed.notify_all()
                    return
                body = msgspec.json.encode({} if answer.body is None else answer.body)
                head = (
                    f"HTTP/1.1 {answer.status} X\r\nContent-Type: application/json; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                )
                try:
                    conn.sendall(head.encode() + body)
                except OSError:
                    return


def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes | None, bytes]:
    """The next whole request from ``conn`` (None at the end of the stream) and what followed it."""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


# -- The requests a bot sends, byte for byte -----------------------------------------------------

_BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()


def service_settings() -> bytes:
    return (
        "GET /services/rest/crossChannelServices/latest/serviceSettings/1 HTTP/1.1\r\nHost: {host}\r\n"
        f"OSvC-CREST-Application-Context: chatproto\r\nAuthorization: Basic {_BASIC}\r\n\r\n"
    ).encode()


def agent_tokens() -> bytes:
    return (
        "POST /services/rest/crossChannelServices/latest/agentTokens HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/json\r\nOSvC-CREST-Application-Context: chatproto\r\nContent-Length: 2\r\n"
        f"Authorization: Basic {_BASIC}\r\n\r\n{{}}"
    ).encode()


def agent_call(operation: str, body: str, sequence_number: int, *, pool: str = POOL, session: bool = True) -> bytes:
    """An agent operation's request: ``body`` is its JSON less the closing sequence number and time."""
    fields = f"{body[:-1]}," if body != "{}" else "{"
    json = f'{fields}"sequenceNumber":{sequence_number},"timeCreated":{TIME_CREATED}}}'
    ids = f"X-AID: {AGENT_ID}\r\nX-JSESSIONID: {SESSION_ID}\r\n" if session else ""
    return (
        f"POST /engagement/api/agent/{SITE}/v1/{operation}?pool={pool} HTTP/1.1\r\nHost: {{host}}\r\n"
        f"Content-Type: application/json; charset=utf-8\r\n{ids}Content-Length: {len(json)}\r\n"
        f"Authorization: Bearer {TOKEN}\r\n\r\n{json}"
    ).encode()


def envelope(sequence_number: int, **fields: object) -> dict[str, object]:
    """An answer's JSON: the request's number echoed, the session, and ``fields``."""
    return {"sequenceNumber": sequence_number, "sessionId": SESSION_ID, "clientId": 500, **fields}


def poll_answer(sequence_number: int, *messages: dict[str, object]) -> Answer:
    return Answer(body=envelope(sequence_number, getResponseTypes=list(messages)))


TIMEOUT = {"ChatGetTimeout": {}}
