"""Writes the seed corpora (``fuzz/seeds/<harness>/``) and the token dictionary
(``fuzz/chatproto.dict``).

Seeds are the golden exchanges of ``tests/data`` plus what the core itself
produces (every operation's request from `cp.ClientConnection.send`, the
reference's example response, chunked and limit-edge variants), each behind
the control bytes its harness reads first.  The output is deterministic:
run ``python -m fuzz.make_seeds`` after changing the golden files or an input
layout, and commit the result.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import msgspec
from tests.reference import DATA, POOL, REFERENCE_RESPONSE_BODY, bearer_session, chunked, http_response

import chatproto as cp

from ._common import DICTIONARY, SEEDS_DIR
from ._requests import example_request

OPERATION_NAMES = tuple(cp.OPERATIONS)
ERROR_BODIES = (
    b'{"exceptionCode":"INVALID_FIELD","message":"destinationId: no engagement 27"}',
    b'{"exceptionCode":"CONFLICT","message":"the lead participant has left the engagement"}',
    b'{"detail":"Access denied"}',
    b'{"chatSystemError":{"errorCondition":"SESSION_EXPIRED","text":"expired","type":"ERROR"}}',
    b"<html><body>Not Found</body></html>",
)
ODD_BODIES = (
    b'{"sequenceNumber":1,"sequenceNumber":2}',
    b'{"sequenceNumberString":"1","clientIdString":"--47"}',
    b'{"x":' + b"[" * 8 + b"]" * 8 + b',"sequenceNumber":1}',
    b'{"x":"\xff\xfe","sequenceNumber":1}',
    b'{"x":1' + b"0" * 400 + b',"sequenceNumber":1}',
    b'{"x":1e999,"sequenceNumber":1}',
    b'{"x":"\\ud800","sequenceNumber":1}',
    b'{"clientSendTime":"2021-05-24T15:16:28+00:00","sequenceNumber":1}',
    b'{"chatSystemError":null,"getResponseTypes":[{"ChatGetTimeout":{}}],"sequenceNumber":1}',
    b"",
)

#: getMessages answers: the documented signal with its twins, every type of the table, an unknown
#: type, fields that do not fit, an unlisted value, non-objects, the consumer list name, date times.
GET_MESSAGES_BODIES = (
    b'{"getResponseTypes":[{"ChatGetTimeout":{}}],"sequenceNumber":1,"sequenceNumberString":"1"}',
    b'{"getResponseTypes":[{"ChatActivitySignal":{"engagementId":27,"engagementIdString":"27","clientId":47,'
    b'"clientIdString":"47","mode":"RESPONDING","sneakPreviewState":"ENABLED","sneakPreviewInterval":3000,'
    b'"sneakPreview":"Where is","sneakPreviewFocus":true,"destinationId":27,"destinationType":"ENGAGEMENT",'
    b'"senderId":47,"senderType":"END_USER","messageType":"ACTIVITY_SIGNAL","visibility":"ALL",'
    b'"createdTime":1621869388454,"createdTimeString":"1621869388454","sequenceNumber":216,'
    b'"sequenceNumberString":"216"}},{"ChatPostMessage":{"engagementId":27,"body":"Where is my order?",'
    b'"richText":false,"offTheRecord":false,"messageId":"m-1","vaResponse":"{}","sequenceNumberString":"217"}}],'
    b'"sessionId":"node01","containsDisconnect":false,"sequenceNumber":1}',
    b'{"getResponseTypes":[{"ChatConfigChangeNotification":{"name":"CHAT_CLUSTER_POOL_ID","value":"298:2"}},'
    b'{"ChatEngagementParticipantAdded":{"name":"Ann","role":"CONFEREE","virtualAgent":false,"accountIdString":"5"}},'
    b'{"ChatDisconnectNotification":{"reason":"END_USER_CONCLUDED","createdTime":"2021-05-24T15:16:28Z"}},'
    b'{"ChatEngagementUpdateNotification":{"connectionState":"ABSENT","secondsToDisconnect":60}},'
    b'{"ChatRoleChangeNotification":{"leadClientIdString":"48"}},'
    b'{"ChatSystemError":{"errorCondition":"X","text":"t","type":"ERROR"}},'
    b'{"ChatEngagementAssignmentNotification":{"engagementId":27,"assignmentType":"LEAD","queueId":3,'
    b'"firstName":"Jo","lastName":"Doe","email":"jo@example.com","question":"?"}}]}',
    b'{"getResponseTypes":[{"ChatQueuePositionNotification":{"position":2,"sequenceNumber":5}},'
    b'{"ChatActivitySignal":{"engagementId":"x"}},{"ChatActivitySignal":{"mode":"SLEEPING"}},null,3,[],{},'
    b'{"ChatGetTimeout":{},"ChatPostMessage":{"body":"a"}}]}',
    b'{"systemMessages":[{"ChatGetTimeout":{}}],"getResponseTypes":[{"ChatNew":{"a":[[[[1]]]]}}]}',
    b'{"getResponseTypes":[{"ChatPostMessage":{"x":' + b"[" * 8 + b"]" * 8 + b',"sequenceNumber":2}}]}',
    b'{"system\\u004dessages":[{"ChatPostMessage":{"body":"\\u00e9"}}]}',
)


def response(status: int, body: bytes, *, halves: bool = False, headers: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """A response of ``status`` carrying ``body``: by Content-Length, or chunked in two ``halves``."""
    if not halves:
        return http_response(status, body, reason=b"X", headers=headers)
    framing = [*headers, (b"Transfer-Encoding", b"chunked")]
    return http_response(status, chunked(body, len(body) // 2), reason=b"X", headers=framing, content_length=False)


def golden(prefix: str) -> list[bytes]:
    """Every golden exchange of ``tests/data`` whose name starts with ``prefix``."""
    return [path.read_bytes() for path in sorted(DATA.glob(f"{prefix}-*.http"))]


def requests() -> list[bytes]:
    wires = [cp.ClientConnection(bearer_session()).send(example_request(op)) for op in cp.OPERATIONS.values()]
    control = (
        b'POST /emulator/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n{"agentId":"12"}',
        b"GET /emulator/engagements/27/messages HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HEAD /emulator/faults HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    return [*golden("request"), *wires, *control]


def responses() -> list[bytes]:
    made = [
        response(200, REFERENCE_RESPONSE_BODY),
        response(200, REFERENCE_RESPONSE_BODY, halves=True),
        response(200, REFERENCE_RESPONSE_BODY, headers=[(b"Connection", b"close")]),
        b"HTTP/1.1 100 Continue\r\n\r\n" + response(200, REFERENCE_RESPONSE_BODY),
        *(response(status, body) for status, body in zip((400, 409, 403, 403, 404), ERROR_BODIES, strict=True)),
        *(response(200, body) for body in ODD_BODIES),
    ]
    return [*golden("response"), *made]


def seeds() -> dict[str, list[bytes]]:
    """Each harness's seeds, control bytes first (see each harness's docstring)."""
    post = OPERATION_NAMES.index("postMessage")
    return {
        # flags (default limits / small limits), no split / a split in the middle
        "client_receive": [
            flags + splits + wire for wire in responses() for flags in (b"\x00", b"\x01") for splits in (b"\x00",)
        ]
        + [b"\x00\x02\x00\x10\x00\x40" + wire for wire in responses()[:4]],
        # operation, status index (0: 200, 4: 400), flags, no split, then the body
        "response_body": [bytes([post, 0, 0, 0]) + body for body in (REFERENCE_RESPONSE_BODY, *ODD_BODIES)]
        + [bytes([post, 4, 1, 0]) + body for body in ERROR_BODIES]
        + [bytes([index, 0, 0, 1, 0, 7]) + b'{"sequenceNumber":1}' for index in range(len(OPERATION_NAMES))],
        "server_receive": [flags + b"\x00" + wire for wire in requests() for flags in (b"\x00", b"\x01")]
        + [b"\x00\x00" + b"".join(requests()[:3])],
        # raw mode (flag 2) with the requests, and built mode with a few choice bytes
        "emulator": [b"\x02" + wire for wire in requests()]
        + [bytes([0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF])]
        + [bytes([0, 0, 5, 0, 0, 0, 1, 0xFF])],
        # all reference values, every operation, fields at their defaults
        "request_encode": [bytes(6) + bytes([index]) + bytes(40) for index in range(len(OPERATION_NAMES))]
        + [bytes([4, 4, 4, 4, 4, 4, 0]) + bytes(40), bytes([6, 0, 1, 13, 0, 0, 0, 0, 0, 0, 0])],
        # flags (default limits / small limits), no split, then the body; and one split in three places
        "get_messages": [flags + b"\x00" + body for body in GET_MESSAGES_BODIES for flags in (b"\x00", b"\x01")]
        + [b"\x00\x02\x00\x10\x00\x40" + body for body in GET_MESSAGES_BODIES[:3]],
    }


def dictionary() -> list[bytes]:
    """Protocol tokens: HTTP framing, the API's paths, headers, JSON names and enum values."""
    tokens: set[bytes] = {
        b"HTTP/1.1 ",
        b"HTTP/1.0 ",
        b"HTTP/1.1 200 OK\r\n",
        b"\r\n",
        b"\r\n\r\n",
        b"\n\n",
        b"\r\n ",
        b"\r\n\t",
        b"Content-Length: ",
        b"Content-Length: 0\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Connection: close\r\n",
        b"Connection: keep-alive\r\n",
        b"Content-Type: application/json; charset=utf-8\r\n",
        b"Expect: 100-continue\r\n",
        b"Upgrade: websocket\r\n",
        b"Host: ",
        b"X-AID: ",
        b"X-JSESSIONID: ",
        b"Authorization: Bearer ",
        b"Authorization: Basic ",
        b"OSvC-CREST-Application-Context: ",
        b"0\r\n\r\n",
        b";ext=1",
        b"ffffffffffffffff",
        b"POST ",
        b"GET ",
        b"HEAD ",
        b"CONNECT ",
        b"/engagement/api/agent/",
        b"/v1/",
        b"?pool=" + POOL.encode(),
        b"&request=",
        b"/emulator/sessions",
        b"/emulator/engagements/27/conclude",
        b"/emulator/faults",
        b"%2e%2e",
        b"..",
        b"null",
        b"true",
        b"false",
        b"[[[[[[[[",
        b"]]]]]]]]",
        b'"\\ud800"',
        b"1e999",
        b"-9223372036854775809",
        b"9223372036854775808",
    }
    for operation in cp.OPERATIONS.values():
        tokens.add(operation.name.encode())
        for kind in (operation.request_type, operation.response_type):
            for field in msgspec.structs.fields(kind):
                tokens.add(b'"%s":' % field.encode_name.encode())
    for call in cp.SITE_OPERATIONS.values():
        tokens.update((call.name.encode(), call.path.encode()))
        tokens.update(b'"%s":' % field.encode_name.encode() for field in msgspec.structs.fields(call.response_type))
    for name, kind in cp.MESSAGE_TYPES.items():
        tokens.add(b'{"%s":' % name.encode())
        tokens.update(b'"%s":' % field.encode_name.encode() for field in msgspec.structs.fields(kind))
    tokens.update((b'"systemMessages":', b'"ChatNotInTheTable":'))
    for enum_type in (
        cp.DestinationType,
        cp.Visibility,
        cp.MessageType,
        cp.InteractionMode,
        cp.SneakPreviewState,
        cp.ChatMessageType,
        cp.ParticipantRole,
        cp.DisconnectReason,
        cp.EngagementConnectionState,
        cp.ConfigChangeName,
        cp.AssignmentType,
    ):
        tokens.update(b'"%s"' % member.value.encode() for member in enum_type)
    return sorted(tokens)


def _escape(token: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\x{b:02x}" for b in token)


def main(seeds_dir: Path = SEEDS_DIR, dictionary_file: Path = DICTIONARY) -> None:
    if seeds_dir.exists():
        shutil.rmtree(seeds_dir)
    for harness, inputs in seeds().items():
        directory = seeds_dir / harness
        directory.mkdir(parents=True)
        for data in inputs:
            (directory / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
    lines = [f'"{_escape(token)}"' for token in dictionary()]
    dictionary_file.write_text("# libFuzzer dictionary: written by make_seeds.py\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
