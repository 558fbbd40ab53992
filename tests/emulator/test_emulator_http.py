"""The running emulator, driven by clients nobody here wrote: curl, httpx, raw sockets with h11."""

from __future__ import annotations

import json
import subprocess
import time

import httpx
import pytest
from emulator_helpers import (
    JSON_UTF8,
    NETWORK_TIMEOUT,
    POST_PATH,
    POST_TARGET,
    REFERENCE_AGENT_ID,
    REFERENCE_BODY,
    REFERENCE_SESSION_ID,
    SITE,
    RawClient,
    post_body,
    request_bytes,
)

from transports.emulator import BackgroundEmulator
from transports.pytest_plugin import ChatEmulator

CURL = "/usr/bin/curl"
#: The keys of the reference's "Response Body Example", in its order.
REFERENCE_RESPONSE_KEYS = [
    "chatPostResult",
    "chatSystemError",
    "clientSendTime",
    "serviceStartTime",
    "serviceFinishTime",
    "sessionId",
    "clientId",
    "clientIdString",
    "sequenceNumber",
    "sequenceNumberString",
]


@pytest.fixture
def reference_server(server: BackgroundEmulator) -> BackgroundEmulator:
    """An emulator holding the reference example's session (agent 12) and engagement 27."""
    server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
    server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
    return server


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [CURL, "--silent", "--show-error", "--max-time", "10", *args], capture_output=True, timeout=20, check=False
    )


def test_reference_curl_example(reference_server: BackgroundEmulator) -> None:
    # The reference's cURL command, with its X-AID header moved out of the body
    # quotes where the page misplaced it.
    body = (
        '{"timeCreated" :1618317020415, "sequenceNumber" : 5, "visibility" : "ALL", "body" : "Sample message text.", '
        '"destinationId" : 27, "destinationType" : "ENGAGEMENT", "messageType" : "TEXT", "messageId" : "1", '
        '"richText" : null, "messageDataMap" : null}'
    )
    before = int(time.time() * 1000)
    result = curl(
        "--include",
        "-X",
        "POST",
        f"{reference_server.url}{POST_TARGET}",
        "-H",
        "Content-Type: application/json; charset=UTF-8",
        "-H",
        f"X-JSESSIONID: {REFERENCE_SESSION_ID}",
        "-d",
        body,
        "-H",
        "X-AID: 12",
    )
    after = int(time.time() * 1000)
    assert result.returncode == 0, result.stderr
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
    assert b"\r\nContent-Type: application/json; charset=utf-8" in head
    document = json.loads(payload)
    assert list(document) == REFERENCE_RESPONSE_KEYS
    assert document["chatPostResult"] == {"clientReset": 0}
    assert document["chatSystemError"] is None
    assert document["clientSendTime"] == 1618317020415
    assert before <= document["serviceStartTime"] <= document["serviceFinishTime"] <= after
    assert document["sessionId"] == REFERENCE_SESSION_ID
    assert isinstance(document["clientId"], int)
    assert document["clientIdString"] == str(document["clientId"])
    assert (document["sequenceNumber"], document["sequenceNumberString"]) == (5, "5")
    [recorded] = reference_server.messages(27)
    assert (recorded.body, recorded.message_id, recorded.time_created) == ("Sample message text.", "1", 1618317020415)


def test_reference_request_body_example_with_httpx(reference_server: BackgroundEmulator) -> None:
    headers = {"Content-Type": JSON_UTF8, "X-JSESSIONID": REFERENCE_SESSION_ID, "X-AID": "12"}
    with httpx.Client(base_url=reference_server.url, timeout=NETWORK_TIMEOUT) as client:
        response = client.post(POST_PATH, params={"pool": "297:1"}, headers=headers, content=REFERENCE_BODY)
        recorded = client.get("/emulator/engagements/27/messages")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert list(response.json()) == REFERENCE_RESPONSE_KEYS
    assert response.json()["sequenceNumberString"] == "5"
    assert recorded.status_code == 200
    assert recorded.json() == [
        {
            "body": "Sample message text.",
            "destinationId": 27,
            "destinationType": "ENGAGEMENT",
            "messageType": "TEXT",
            "messageId": "1",
            "sequenceNumber": 5,
            "timeCreated": 1621869388454,
            "visibility": "ALL",
        }
    ]


def test_control_surface_with_curl(server: BackgroundEmulator) -> None:
    opened = curl("-X", "POST", f"{server.url}/emulator/sessions", "-d", '{"agentId": "12"}')
    session = json.loads(opened.stdout)
    assert list(session) == ["site", "agentId", "sessionId", "pool"]
    assert (session["site"], session["agentId"], session["pool"]) == (SITE, "12", "297:1")
    # Served over a network, session ids are random: 128 bits, never the same twice.
    assert session["sessionId"].startswith("node0")
    assert len(session["sessionId"]) == 37
    assert (
        session["sessionId"]
        != json.loads(curl("-X", "POST", f"{server.url}/emulator/sessions", "-d", '{"agentId": 1}').stdout)["sessionId"]
    )

    started = curl(
        "-X", "POST", f"{server.url}/emulator/engagements", "-d", json.dumps({"sessionId": session["sessionId"]})
    )
    engagement_id = json.loads(started.stdout)["engagementId"]
    assert engagement_id == 1
    posted = curl(
        "-X",
        "POST",
        f"{server.url}{POST_TARGET}",
        "-H",
        "Content-Type: application/json",
        "-H",
        f"X-JSESSIONID: {session['sessionId']}",
        "-H",
        "X-AID: 12",
        "-d",
        post_body(destinationId=engagement_id).decode(),
    )
    assert json.loads(posted.stdout)["sequenceNumber"] == 1
    messages = curl(f"{server.url}/emulator/engagements/{engagement_id}/messages")
    assert json.loads(messages.stdout) == [json.loads(post_body(destinationId=engagement_id))]
    concluded = curl("-X", "POST", f"{server.url}/emulator/engagements/{engagement_id}/conclude")
    assert json.loads(concluded.stdout) == {"engagementId": engagement_id}
    assert server.call(lambda: server.emulator.message_count) == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "needle"),
    [
        ({"body": post_body(destinationId=...)}, 400, "INVALID_FIELD", "`destinationId`"),
        ({"body": post_body(destinationId="27")}, 400, "INVALID_FIELD", "`$.destinationId`"),
        ({"body": post_body(destinationType="CHANNEL")}, 400, "INVALID_FIELD", "`$.destinationType`"),
        ({"body": post_body(destinationId=2**63)}, 400, "INVALID_FIELD", "`$.destinationId`"),
        ({"body": post_body(messageType="HTML")}, 400, "INVALID_FIELD", "`$.messageType`"),
        ({"body": b'{"body": "Hi",'}, 400, "INVALID_FIELD", "request body"),
        ({"content_type": "text/plain"}, 400, "BAD_REQUEST", "Content-Type"),
        ({"body": post_body(destinationId=28)}, 400, "INVALID_FIELD", "destinationId"),
        ({"session_id": None}, 403, "ACCESS_DENIED", "X-JSESSIONID"),
        ({"session_id": "node01h8m13tljpm7ns8nayp0pid92"}, 403, "ACCESS_DENIED", "unknown"),
        ({"agent_id": "13"}, 403, "ACCESS_DENIED", "X-AID"),
        ({"agent_id": None}, 403, "ACCESS_DENIED", "X-AID"),
        ({"target": f"/engagement/api/agent/{SITE}/v1/postMesage"}, 404, "NOT_FOUND", "postMesage"),
        ({"target": "/engagement/api/agent/day002/v1/postMessage"}, 404, "NOT_FOUND", "day002"),
        ({"target": "/engagement/api/consumer/x/v1/postMessage"}, 404, "NOT_FOUND", "no resource"),
    ],
)
def test_errors_over_a_raw_socket(
    reference_server: BackgroundEmulator, change: dict[str, object], status: int, code: str, needle: str
) -> None:
    options: dict[str, object] = {"body": post_body()}
    options.update(change)
    body = options.pop("body")
    with RawClient(reference_server.url) as client:
        got_status, headers, payload = client.exchange(request_bytes(body, **options))  # type: ignore[arg-type]
        # The connection stays usable after an error answer.
        again = client.exchange(request_bytes(post_body()))
    assert got_status == status
    assert headers["content-type"] == "application/json; charset=utf-8"
    document = json.loads(payload)
    assert document["exceptionCode"] == code
    assert needle in document["message"]
    assert again[0] == 200
    assert len(reference_server.messages(27)) == 1


def test_conflict_after_conclude_with_httpx(chat_emulator: ChatEmulator) -> None:
    headers = {"X-JSESSIONID": chat_emulator.session_id, "X-AID": chat_emulator.agent_id}
    path = f"/engagement/api/agent/{chat_emulator.site}/v1/postMessage"
    with httpx.Client(base_url=chat_emulator.url, timeout=NETWORK_TIMEOUT, headers=headers) as client:
        body = json.loads(post_body(destinationId=chat_emulator.engagement_id, visibility=None, richText=None))
        first = client.post(path, params={"pool": chat_emulator.pool}, json=body)
        concluded = client.post(f"/emulator/engagements/{chat_emulator.engagement_id}/conclude")
        second = client.post(path, params={"pool": chat_emulator.pool}, json=body)
    assert first.status_code == 200
    assert concluded.status_code == 200
    assert second.status_code == 409
    assert second.json() == {
        "exceptionCode": "CONFLICT",
        "message": f"the lead participant has left the engagement {chat_emulator.engagement_id}",
    }
    assert len(chat_emulator.messages()) == 1


def test_keep_alive_and_pipelining(reference_server: BackgroundEmulator) -> None:
    with RawClient(reference_server.url) as client:
        for sequence in (1, 2, 3):
            status, _, payload = client.exchange(request_bytes(post_body(sequenceNumber=sequence)))
            assert (status, json.loads(payload)["sequenceNumber"]) == (200, sequence)
        # Two requests in one write: answered in order on the same connection.
        client.send(request_bytes(post_body(sequenceNumber=4)) + request_bytes(post_body(sequenceNumber=5)))
        for sequence in (4, 5):
            status, _, payload = client.response()
            assert (status, json.loads(payload)["sequenceNumber"]) == (200, sequence)
    assert [message.sequence_number for message in reference_server.messages(27)] == [1, 2, 3, 4, 5]


def test_connection_close_is_honoured(reference_server: BackgroundEmulator) -> None:
    with RawClient(reference_server.url) as client:
        status, headers, _ = client.exchange(request_bytes(post_body(), extra=[("Connection", "close")]))
        assert status == 200
        assert headers.get("connection") == "close"
        assert client.closed_by_server()


def test_serves_on_ipv6_loopback() -> None:
    with BackgroundEmulator(host="::1", port=0) as server:
        assert server.url.startswith("http://[::1]:")
        session = server.open_session("12")
        engagement_id = server.start_engagement(session.session_id)
        with httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as client:
            response = client.post(
                POST_PATH,
                headers={"X-AID": "12", "X-JSESSIONID": session.session_id},
                json={
                    "body": "over IPv6",
                    "destinationId": engagement_id,
                    "destinationType": "ENGAGEMENT",
                    "messageType": "TEXT",
                },
            )
        assert response.status_code == 200
        assert [message.body for message in server.messages(engagement_id)] == ["over IPv6"]


def test_head_is_answered_without_a_body(server: BackgroundEmulator) -> None:
    with httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as client:
        head = client.head("/emulator/faults")
        get = client.get("/emulator/faults")  # on the same kept-alive connection
    assert (head.status_code, head.content) == (405, b"")
    assert get.status_code == 200
    assert get.json()["seed"] == 0
