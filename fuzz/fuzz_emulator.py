"""Harness: the emulator's request handling, through `cp.ServerConnection`.

Input: a flags byte (bit 0: small limits, bit 1: raw bytes rather than built
requests), then either raw bytes or up to four requests built from the
fuzzer's choices: method, path (every agent operation and control route,
with known or fuzzed sites and ids), identity headers, content type, and a
body that is the operation's example with fuzzed values, or raw bytes.

The requests go, pipelined, to a `cp.ServerConnection` whose events the
emulator answers, as ``transports.emulator`` does.  The emulator must always
answer, with a 2xx or 4xx (5xx only for an injected fault or a capacity it
was given), never raise, and never hand back a reply `send_response` cannot
send; malformed HTTP gets `send_error_for`'s 4xx.  A held poll is answered
at once, as if its hold had expired.  Afterwards it must keep serving: a new
connection can open a session and read it back.
"""

from __future__ import annotations

from typing import Any

import msgspec
from tests.reference import AGENT_ID, HOST, POOL, SESSION_ID, SITE, TOKEN

import chatproto as cp
from chatproto.emulator import Emulator, ErrorBody

from ._common import LIMIT_PROFILES, Reader, run_main
from ._requests import example_request, wild_value

NOW_MS = 1621869388454
ENGAGEMENT = 27
MAX_MESSAGES = 6
OPERATION_NAMES = tuple(cp.OPERATIONS)
METHODS = ("POST", "POST", "POST", "GET", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE")
CONTROL_PATHS = (
    "/emulator/agents",
    "/emulator/sessions",
    f"/emulator/sessions/{SESSION_ID}",
    f"/emulator/sessions/{SESSION_ID}/pool",
    f"/emulator/sessions/{SESSION_ID}/takeover",
    "/emulator/engagements",
    f"/emulator/engagements/{ENGAGEMENT}",
    f"/emulator/engagements/{ENGAGEMENT}/conclude",
    f"/emulator/engagements/{ENGAGEMENT}/messages",
    f"/emulator/engagements/{ENGAGEMENT}/end-user/messages",
    f"/emulator/engagements/{ENGAGEMENT}/end-user/typing",
    f"/emulator/engagements/{ENGAGEMENT}/end-user/leave",
    "/emulator/faults",
    "/services/rest/crossChannelServices/latest/serviceSettings/1",
    "/services/rest/crossChannelServices/latest/agentTokens",
)


def new_emulator() -> Emulator:
    emulator = Emulator(max_sessions=3, max_engagements=3, max_messages=MAX_MESSAGES)
    emulator.open_session(AGENT_ID, session_id=SESSION_ID)
    emulator.start_engagement(SESSION_ID, engagement_id=ENGAGEMENT)
    return emulator


def _fuzzed_json(reader: Reader, operation: cp.Operation) -> bytes:
    """The operation's example body, some of its fields replaced by any JSON the fuzzer picks."""
    document: dict[str, Any] = msgspec.to_builtins(example_request(operation))
    if operation.name == "postMessage":
        document.update(destinationId=ENGAGEMENT, destinationType="ENGAGEMENT", body="hi")
    for _ in range(reader.below(4)):
        name = ("body", "destinationId", "sequenceNumber", "messageDataMap", "agentId", "sessionId", "x")[
            reader.below(7)
        ]
        value = wild_value(reader)
        try:
            msgspec.json.encode(value)
        except (TypeError, ValueError, OverflowError):
            continue  # not JSON; raw bytes are the other branch's job
        document[name] = value
    if reader.byte() & 1:
        # Raw bytes inside a string: invalid UTF-8, stray quotes and controls.
        document[("agentId", "sessionId", "body", "x")[reader.below(4)]] = "\x00SPLICE"
    try:
        encoded = msgspec.json.encode(document)
    except (TypeError, ValueError, OverflowError):
        return b"{}"
    return encoded.replace(b"\\u0000SPLICE", reader.sized(16), 1)


def _built_request(reader: Reader) -> bytes:
    method = METHODS[reader.below(len(METHODS))]
    choice = reader.below(8)
    operation = cp.OPERATIONS[OPERATION_NAMES[reader.below(len(OPERATION_NAMES))]]
    if choice <= 4:
        site = SITE if choice <= 3 else reader.text(16)
        path = f"/engagement/api/agent/{site}/v1/{operation.name}"
        if reader.byte() & 1:
            path += f"?pool={POOL if reader.byte() & 1 else reader.text(8)}"
    elif choice <= 6:
        path = CONTROL_PATHS[reader.below(len(CONTROL_PATHS))]
    else:
        path = "/" + reader.text(24)
    body = _fuzzed_json(reader, operation) if reader.byte() & 3 else reader.sized(200)
    headers = [("Host", HOST)]
    flags = reader.byte()
    if flags & 1:
        headers.append(("Content-Type", "application/json; charset=utf-8" if flags & 2 else reader.text(16)))
    if flags & 4:
        headers.append(("X-AID", AGENT_ID if flags & 8 else reader.text(8)))
    if flags & 16:
        headers.append(("X-JSESSIONID", SESSION_ID if flags & 32 else reader.text(24)))
    if flags & 64:
        headers.append(("Authorization", f"Bearer {TOKEN}"))
    if flags & 128:
        headers.append(("Connection", "close"))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("utf-8", "surrogateescape") + b"Content-Length: %d\r\n\r\n" % len(body) + body


def _check_reply(emulator: Emulator, reply: Any) -> None:
    if 200 <= reply.status <= 499:
        return
    code = reply.body.exception_code if isinstance(reply.body, ErrorBody) else None
    if reply.status == 503 and code == "CAPACITY_EXCEEDED":
        return
    if reply.status == 500 and (emulator.faults.active or emulator.message_count >= MAX_MESSAGES):
        return
    raise AssertionError(f"the emulator answered {reply!r}")


def serve(emulator: Emulator, stream: bytes, limits: cp.Limits) -> list[bytes]:
    """Serve ``stream`` then the end of the stream as the server loop does; the answers sent."""
    conn = cp.ServerConnection(limits=limits)
    sent: list[bytes] = []
    try:
        for piece in (stream, b""):
            conn.receive_data(piece)
            while True:
                event = conn.next_event()
                if event is cp.NEED_DATA or isinstance(event, cp.ConnectionClosed):
                    break
                reply = emulator.handle(event, now_ms=NOW_MS)
                if reply.hold is not None:  # answered as if its hold expired
                    reply = emulator.answer_poll(reply.hold.poll_id, now_ms=NOW_MS)
                _check_reply(emulator, reply)
                if reply.drop:
                    return sent
                answer = conn.send_response(reply.status, reply.body)
                assert answer.startswith(b"HTTP/1.1 %d " % reply.status), answer[:40]
                sent.append(answer)
                if not conn.can_reuse:
                    return sent
    except cp.RemoteProtocolError as exc:
        answer = conn.send_error_for(exc)
        assert answer == b"" or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 501 ")), answer[:40]
        sent.append(answer)
    return sent


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    flags = reader.byte()
    limits = LIMIT_PROFILES[flags & 1]
    raw = flags & 2
    stream = reader.rest() if raw else b"".join(_built_request(reader) for _ in range(1 + reader.below(4)))
    emulator = new_emulator()
    serve(emulator, stream, limits)

    # Still serving: a new connection can open a session (in room a logoff or a takeover may
    # have made) and read it back.
    opened = serve(emulator, _control_request("POST", "/emulator/sessions", b'{"agentId": "77"}'), cp.Limits())
    assert len(opened) == 1, opened
    if opened[0].startswith(b"HTTP/1.1 503 "):
        return  # the fuzzed requests filled the capacity it was given
    assert opened[0].startswith(b"HTTP/1.1 200 "), opened
    session_id = msgspec.json.decode(opened[0].partition(b"\r\n\r\n")[2])["sessionId"]
    answers = serve(emulator, _control_request("GET", f"/emulator/sessions/{session_id}", b""), cp.Limits())
    assert len(answers) == 1, answers
    assert answers[0].startswith(b"HTTP/1.1 200 "), answers
    info = msgspec.json.decode(answers[0].partition(b"\r\n\r\n")[2])
    assert info["sessionId"] == session_id, info


def _control_request(method: str, path: str, body: bytes) -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


if __name__ == "__main__":
    run_main(test_one_input)
