"""A bot's whole life against the emulator over loopback sockets: with raw httpx (not chatproto),
with each of our transports, and the held polls, pool moves, poll faults and strict mode as a
client meets them over HTTP.

No assertion here is about time: a poll that should answer at once is held for a minute, so a
missed wake would end the test with a ``ChatGetTimeout`` (or the client's timeout), not pass it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_helpers import NETWORK_TIMEOUT, RawClient, request_bytes
from tests.transports.transport_clients import KINDS, client_factory

import chatproto as cp
from chatproto.emulator import (
    AGENT_TOKENS_PATH,
    DEFAULT_ACCOUNT,
    SERVICE_SETTINGS_PATH,
    Emulator,
    EngagementStatus,
    FaultPlan,
)
from transports.emulator import BackgroundEmulator, new_session_id, new_token
from transports.pytest_plugin import POLL_HOLD_MS, ChatEmulator

SITE = "day001_221100_sql_001h"
CONTEXT = {"OSvC-CREST-Application-Context": "chatproto flow tests"}
#: How long a poll that must be woken is held: far past the test run, so a missed wake fails it.
LONG_HOLD_MS = 60_000


@contextlib.contextmanager
def serving(backend: str = "asyncio", **options: Any) -> Iterator[BackgroundEmulator]:
    emulator = Emulator(session_id_factory=new_session_id, token_factory=new_token, **options)
    with BackgroundEmulator(emulator, backend=backend) as server:
        yield server


BACKENDS = pytest.mark.parametrize("backend", ["asyncio", "trio"])


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (the server loop runs in another thread)."""
    event = threading.Event()
    for _ in range(int(NETWORK_TIMEOUT / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("the condition did not come true")


class RawBot:
    """A bot written with httpx alone, as someone without chatproto would write it."""

    def __init__(
        self,
        url: str,
        username: str = DEFAULT_ACCOUNT.username,
        password: str = DEFAULT_ACCOUNT.password,
        agent_id: str = DEFAULT_ACCOUNT.agent_id,
    ) -> None:
        self.http = httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT)
        self.auth = (username, password)
        self.agent_id = agent_id
        self.sequence = 0
        self.headers: dict[str, str] = {}
        self.base = ""
        self.pool = ""

    def __enter__(self) -> RawBot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    def log_on(self, *, override: bool = True) -> dict[str, Any]:
        settings = self.http.get(SERVICE_SETTINGS_PATH, auth=self.auth, headers=CONTEXT)
        assert settings.status_code == 200, settings.text
        found = settings.json()
        token = self.http.post(AGENT_TOKENS_PATH, auth=self.auth, headers=CONTEXT, json={}).json()["sessionToken"]
        # Where serviceSettings says the chat server is: here again.
        self.base = f"http://{found['domain']}:{found['port']}/engagement/api/agent/{found['siteName']}/v1/"
        self.pool = found["pool"]
        self.headers = {"Authorization": f"Bearer {token}", **CONTEXT}
        created = self.call("createAutomatedAgentSession", {"logonOverride": True} if override else {})
        # What Oracle's own client sends after it: Bearer, then X-JSESSIONID and X-AID; no charset.
        self.headers.update({"X-JSESSIONID": created["sessionId"], "X-AID": self.agent_id})
        return created

    def request(self, operation: str, body: dict[str, Any]) -> httpx.Response:
        self.sequence += 1
        return self.http.post(
            f"{self.base}{operation}?pool={self.pool}",
            headers={**self.headers, "Content-Type": "application/json"},
            json={**body, "sequenceNumber": self.sequence},
        )

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.request(operation, body)
        assert response.status_code == 200, (operation, response.text)
        answer: dict[str, Any] = response.json()
        assert (answer["sequenceNumber"], answer["sequenceNumberString"]) == (self.sequence, str(self.sequence))
        return answer

    def poll(self) -> list[tuple[str, dict[str, Any]]]:
        answer = self.call("getMessages", {})
        return [next(iter(item.items())) for item in answer["getResponseTypes"]]


def test_a_raw_httpx_bot_runs_the_whole_flow() -> None:
    with serving(poll_hold_ms=LONG_HOLD_MS) as server, RawBot(server.url) as bot, RawBot(server.url) as helper:
        created = bot.log_on()
        session_id = created["sessionId"]
        bot.call("setActivityStatus", {"status": "AVAILABLE", "subTypeId": 21})
        bot.call("requestAssignment", {"assignmentRequested": True, "idleSessionCount": 1, "maxSessionCount": 1})
        engagement_id = server.queue_engagement(first_name="Ann", question="Where is my order?")
        [(name, offer)] = bot.poll()
        assert (name, offer["engagementId"], offer["question"]) == (
            "ChatEngagementAssignmentNotification",
            engagement_id,
            "Where is my order?",
        )
        bot.call(
            "assignmentAcknowledgement",
            {"action": "ACCEPT", "actionType": "MANUAL", "assignmentType": "LEAD", "engagementId": engagement_id},
        )
        # Oracle's client sets QUESTION from a fresh session that is not in the engagement, then logs off.
        helper.log_on(override=False)  # an override would end the bot's own session
        helper.call(
            "setEngagementProperty", {"engagementId": engagement_id, "type": "USER", "name": "QUESTION", "value": "Q?"}
        )
        helper.call("logoff", {"forceLogoff": True})

        # A poll held until the end user speaks.
        said: list[list[tuple[str, dict[str, Any]]]] = []
        poller = threading.Thread(target=lambda: said.append(bot.poll()))
        poller.start()
        wait_for(lambda: server.session(session_id).polling)
        server.end_user_says(engagement_id, "Hello?")
        poller.join(NETWORK_TIMEOUT)
        [[(name, message)]] = said
        assert (name, message["body"], message["senderType"]) == ("ChatPostMessage", "Hello?", "END_USER")

        bot.call(
            "postMessage",
            {"body": "Hi Ann", "destinationId": engagement_id, "destinationType": "ENGAGEMENT", "messageType": "TEXT"},
        )
        server.end_user_leaves(engagement_id)
        [(name, left)] = bot.poll()
        assert (name, left["reason"]) == ("ChatDisconnectNotification", "END_USER_CONCLUDED")
        refused = bot.request(
            "postMessage",
            {"body": "?", "destinationId": engagement_id, "destinationType": "ENGAGEMENT", "messageType": "TEXT"},
        )
        assert (refused.status_code, refused.json()["exceptionCode"]) == (409, "CONFLICT")
        bot.call("concludeChat", {"engagementId": engagement_id})
        bot.call("releaseChat", {"engagementId": engagement_id})
        bot.call("logoff", {"forceLogoff": True})
        assert bot.request("getMessages", {}).json() == {
            "exceptionCode": "ACCESS_DENIED",
            "message": "the agent session was logged off",
        }
        state = server.engagement(engagement_id)
        assert state.status is EngagementStatus.RELEASED
        assert state.user_properties == {"FIRST_NAME": "Ann", "QUESTION": "Q?"}
        assert [(e.sender, e.kind, e.body) for e in state.transcript][:2] == [
            ("END_USER", "MESSAGE", "Hello?"),
            ("AGENT", "MESSAGE", "Hi Ann"),
        ]


def test_chatproto_emulator_serves_a_whole_bot() -> None:
    # The command as a user runs it, with a short hold, and the raw bot through its whole loop.
    command = [str(Path(sys.executable).with_name("chatproto")), "emulator", "--port", "0", "--poll-hold-ms", "100"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            with RawBot(url) as bot, httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as control:
                bot.log_on()
                bot.call("setActivityStatus", {"status": "AVAILABLE", "subTypeId": 21})
                bot.call(
                    "requestAssignment", {"assignmentRequested": True, "idleSessionCount": 1, "maxSessionCount": 1}
                )
                engagement_id = control.post("/emulator/engagements", json={"question": "Hi?"}).json()["engagementId"]
                [(name, _)] = bot.poll()
                assert name == "ChatEngagementAssignmentNotification"
                accept = {"action": "ACCEPT", "actionType": "MANUAL", "assignmentType": "LEAD"}
                bot.call("assignmentAcknowledgement", {**accept, "engagementId": engagement_id})
                control.post(f"/emulator/engagements/{engagement_id}/end-user/messages", json={"body": "Hello?"})
                [(name, said)] = bot.poll()
                assert (name, said["body"]) == ("ChatPostMessage", "Hello?")
                post = {"body": "Hi!", "destinationType": "ENGAGEMENT", "messageType": "TEXT"}
                bot.call("postMessage", {**post, "destinationId": engagement_id})
                control.post(f"/emulator/engagements/{engagement_id}/end-user/leave")
                assert [name for name, _ in bot.poll()] == ["ChatDisconnectNotification"]
                bot.call("concludeChat", {"engagementId": engagement_id})
                bot.call("releaseChat", {"engagementId": engagement_id})
                assert bot.poll() == [("ChatGetTimeout", {})]  # held 100 ms, then nothing came
                bot.call("logoff", {"forceLogoff": True})
                state = control.get(f"/emulator/engagements/{engagement_id}").json()
            assert state["status"] == "RELEASED"
            assert [entry["kind"] for entry in state["transcript"]][:3] == ["MESSAGE", "MESSAGE", "LEFT"]
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=NETWORK_TIMEOUT)
    assert process.returncode == 0, err


def messages(response: Any) -> list[tuple[str, dict[str, Any]]]:
    assert isinstance(response, cp.GetMessagesResponse), response
    # The typed messages, as the wire writes them: (wire name, camelCase fields).
    return [next(iter(item.items())) for item in json.loads(cp.encode_messages(response.messages))]


def site_call(url: str, request: cp.SiteRequest) -> Any:
    """``request`` sent with the core's own site client over a plain socket; its decoded answer."""
    host, _, port = url.removeprefix("http://").rpartition(":")
    account = DEFAULT_ACCOUNT
    conn = cp.SiteConnection(
        cp.SiteSession(host=f"{host}:{port}", username=account.username, password=account.password)
    )
    with socket.create_connection((host, int(port)), timeout=NETWORK_TIMEOUT) as sock:
        sock.sendall(conn.send(request))
        while (event := conn.next_event()) is cp.NEED_DATA:
            conn.receive_data(sock.recv(65536))
    assert isinstance(event, cp.SiteResponseReceived), event
    return event.response


def test_our_site_client_logs_on_to_the_emulator() -> None:
    with serving() as server:
        settings = site_call(server.url, cp.ServiceSettingsRequest())
        assert isinstance(settings, cp.ServiceSettings)
        assert (f"http://{settings.domain}:{settings.port}", settings.site_name, settings.pool) == (
            server.url,
            SITE,
            "297:1",
        )
        tokens = site_call(server.url, cp.AgentTokensRequest())
        assert isinstance(tokens, cp.AgentTokens)
        with client_factory("sync") as make:
            client = make(server.url, site=settings.site_name, session_id=None, token=tokens.session_token,
                          pool=settings.pool)  # fmt: skip
            created = client.send(cp.CreateAgentSessionRequest(logon_override=True))
        assert server.session(created.session_id).agent_id == DEFAULT_ACCOUNT.agent_id


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_whole_flow_with_each_transport(kind: str) -> None:
    with serving(poll_hold_ms=100) as server, client_factory(kind) as make:
        token = httpx.post(
            server.url + AGENT_TOKENS_PATH,
            auth=(DEFAULT_ACCOUNT.username, DEFAULT_ACCOUNT.password),
            json={},
            timeout=NETWORK_TIMEOUT,
        ).json()["sessionToken"]
        client = make(server.url, session_id=None, token=token, pool="297:1")
        created = client.send(cp.CreateAgentSessionRequest(logon_override=True))
        assert client.session.session_id == created.session_id  # the session follows the answer
        client.send(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=21))
        client.send(cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=1, max_session_count=1))
        engagement_id = server.queue_engagement(question="Hi")
        [(name, _)] = messages(client.send(cp.GetMessagesRequest()))
        assert name == "ChatEngagementAssignmentNotification"
        client.send(
            cp.AssignmentAcknowledgementRequest(
                action=cp.AssignmentAction.ACCEPT,
                action_type=cp.AssignmentActionType.MANUAL,
                assignment_type=cp.AssignmentType.LEAD,
                engagement_id=engagement_id,
            )
        )
        server.end_user_says(engagement_id, f"Hello {kind}")
        [(name, said)] = messages(client.send(cp.GetMessagesRequest()))
        assert (name, said["body"]) == ("ChatPostMessage", f"Hello {kind}")
        client.post_message("Hi there", destination_id=engagement_id)
        server.end_user_leaves(engagement_id)
        assert [name for name, _ in messages(client.send(cp.GetMessagesRequest()))] == ["ChatDisconnectNotification"]
        with pytest.raises(cp.ConflictError):
            client.post_message("too late", destination_id=engagement_id)
        client.send(cp.ConcludeEngagementRequest(engagement_id=engagement_id))
        client.send(cp.ReleaseEngagementRequest(engagement_id=engagement_id))
        # Nothing more: the poll is held, then answers one ChatGetTimeout.
        assert messages(client.send(cp.GetMessagesRequest())) == [("ChatGetTimeout", {})]
        assert isinstance(client.send(cp.LogoffRequest(force_logoff=True)), cp.LogoffResponse)
        assert [m.body for m in server.messages(engagement_id)] == ["Hi there"]


# -- Held polls over sockets -------------------------------------------------------------------------


def poll_bytes(session: Any, sequence: int) -> bytes:
    return request_bytes(
        b'{"sequenceNumber": %d}' % sequence,
        target=f"/engagement/api/agent/{SITE}/v1/getMessages?pool=297:1",
        session_id=session.session_id,
        agent_id=session.agent_id,
        content_type="application/json",
    )


@BACKENDS
def test_a_held_poll_whose_client_hangs_up_is_released_at_once(backend: str) -> None:
    with serving(backend, poll_hold_ms=LONG_HOLD_MS) as server:
        session = server.open_session("12")
        engagement_id = server.start_engagement(session.session_id)
        client = RawClient(server.url)
        client.send(poll_bytes(session, 1))
        wait_for(lambda: server.session(session.session_id).polling)
        client.close()
        wait_for(lambda: not server.session(session.session_id).polling)
        server.end_user_says(engagement_id, "kept for the next poll")
        with RawClient(server.url) as again:
            status, _, body = again.exchange(poll_bytes(session, 2))
        assert status == 200
        assert b'"body":"kept for the next poll"' in body


@BACKENDS
def test_a_second_poll_on_another_connection_answers_the_first_with_a_timeout(backend: str) -> None:
    with serving(backend, poll_hold_ms=LONG_HOLD_MS) as server:
        session = server.open_session("12")
        engagement_id = server.start_engagement(session.session_id)
        with RawClient(server.url) as first, RawClient(server.url) as second:
            first.send(poll_bytes(session, 1))
            wait_for(lambda: server.session(session.session_id).polling)
            second.send(poll_bytes(session, 2))
            status, _, body = first.response()
            assert status == 200
            assert body.startswith(b'{"getResponseTypes":[{"ChatGetTimeout":{}}],')
            assert b'"sequenceNumber":1,' in body
            server.end_user_says(engagement_id, "to the second")
            status, _, body = second.response()
            assert (status, b'"body":"to the second"' in body, b'"sequenceNumber":2,' in body) == (200, True, True)


@BACKENDS
def test_a_request_pipelined_behind_a_held_poll_is_answered_after_it(backend: str) -> None:
    with serving(backend, poll_hold_ms=LONG_HOLD_MS) as server:
        session = server.open_session("12")
        engagement_id = server.start_engagement(session.session_id)
        with RawClient(server.url) as client:
            client.send(poll_bytes(session, 1) + request_bytes(method="GET", target="/emulator/faults"))
            wait_for(lambda: server.session(session.session_id).polling)
            server.end_user_says(engagement_id, "first things first")
            status, _, body = client.response()
            assert (status, b'"body":"first things first"' in body) == (200, True)
            status, _, body = client.response()
            assert (status, body.startswith(b'{"seed":0,')) == (200, True)


def test_a_client_that_floods_a_held_poll_is_closed_and_its_poll_released() -> None:
    with serving(poll_hold_ms=LONG_HOLD_MS) as server:
        session = server.open_session("12")
        with RawClient(server.url) as client:
            client.send(poll_bytes(session, 1))
            wait_for(lambda: server.session(session.session_id).polling)
            # Far more pipelined bytes than one more request of the largest size.
            with contextlib.suppress(OSError):
                client.send(b"x" * (5 * 1024 * 1024))
            try:
                closed = client.closed_by_server()
            except ConnectionResetError:  # closed with the flood unread: a reset
                closed = True
            assert closed
        wait_for(lambda: not server.session(session.session_id).polling)


def test_in_strict_mode_a_second_poll_is_refused_over_http() -> None:
    with serving(poll_hold_ms=LONG_HOLD_MS, strict=True) as server:
        session = server.open_session("12")
        with RawClient(server.url) as first, RawClient(server.url) as second:
            first.send(poll_bytes(session, 1))
            wait_for(lambda: server.session(session.session_id).polling)
            status, headers, body = second.exchange(poll_bytes(session, 2))
            assert (status, headers["content-type"]) == (409, "application/json; charset=utf-8")
            assert body == (
                b'{"exceptionCode":"CONFLICT","message":"getMessages: a poll is already held for this agent session;'
                b' one at a time (strict mode)"}'
            )


@BACKENDS
def test_a_poll_expires_with_one_chat_get_timeout_and_the_connection_serves_on(backend: str) -> None:
    with serving(backend, poll_hold_ms=50) as server:
        session = server.open_session("12")
        with RawClient(server.url) as client:
            for sequence in (1, 2):
                status, _, body = client.exchange(poll_bytes(session, sequence))
                assert status == 200
                assert body.startswith(b'{"getResponseTypes":[{"ChatGetTimeout":{}}],')


def test_a_poll_is_released_when_the_server_stops() -> None:
    server = BackgroundEmulator(Emulator(poll_hold_ms=LONG_HOLD_MS))
    with server:
        session = server.open_session("12")
        sock = socket.create_connection(tuple(server.url.removeprefix("http://").split(":")))  # type: ignore[arg-type]
        sock.sendall(poll_bytes(session, 1))
        wait_for(lambda: server.session(session.session_id).polling)
    sock.close()
    assert not server.emulator.session(session.session_id).polling


# -- Pool moves and poll faults as clients meet them ---------------------------------------------------


def test_a_pool_move_over_the_control_surface_and_a_client_that_follows_it(chat_emulator: ChatEmulator) -> None:
    with httpx.Client(base_url=chat_emulator.url, timeout=NETWORK_TIMEOUT) as http:
        moved = http.post(f"/emulator/sessions/{chat_emulator.session_id}/pool", json={})
        assert moved.json() == {"pool": "297:2"}
    with client_factory("sync") as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        [(name, change)] = messages(client.send(cp.GetMessagesRequest()))
        assert (name, change["name"], change["value"]) == (
            "ChatConfigChangeNotification",
            "CHAT_CLUSTER_POOL_ID",
            "297:2",
        )
        assert client.session.pool == "297:2"  # the client followed the announcement
        client.post_message("new pool", destination_id=chat_emulator.engagement_id)
        unaware = make(chat_emulator.url, **chat_emulator.client_options)  # one that did not hear it
        with pytest.raises(cp.SessionExpiredError) as raised:
            unaware.post_message("old pool", destination_id=chat_emulator.engagement_id)
        assert (
            raised.value.message == "pool: the agent session moved from pool 297:1 to 297:2; 297:1 no longer serves it"
        )
    assert [m.body for m in chat_emulator.messages()] == ["new pool"]


def test_a_dropped_poll_is_an_outcome_unknown_and_its_messages_are_gone(chat_emulator: ChatEmulator) -> None:
    import transports

    chat_emulator.set_faults(FaultPlan(drop_poll=1.0))
    chat_emulator.say("lost")
    with client_factory("sync") as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        with pytest.raises(transports.OutcomeUnknownError):
            client.send(cp.GetMessagesRequest())
        chat_emulator.set_faults(None)
        chat_emulator.say("found")
        [(_, found)] = messages(client.send(cp.GetMessagesRequest()))
    assert (found["body"], found["sequenceNumber"]) == ("found", 2)


def test_a_takeover_at_a_poll_is_a_403(chat_emulator: ChatEmulator) -> None:
    chat_emulator.set_faults(FaultPlan(takeover=1.0))
    chat_emulator.say("hi")
    with client_factory("sync") as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        with pytest.raises(cp.SessionExpiredError) as raised:
            client.send(cp.GetMessagesRequest())
    assert raised.value.message == "the agent session was taken over by a newer logon of the same agent"
    assert chat_emulator.engagement().session_id != chat_emulator.session_id


# -- The fixture's helpers ---------------------------------------------------------------------------


def test_the_fixture_plays_the_end_user_and_queues_engagements(chat_emulator: ChatEmulator) -> None:
    chat_emulator.type("Hel")
    chat_emulator.say("Hello")
    with client_factory("sync") as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        assert [name for name, _ in messages(client.send(cp.GetMessagesRequest()))] == [
            "ChatActivitySignal",
            "ChatPostMessage",
        ]
        chat_emulator.leave()
        assert [name for name, _ in messages(client.send(cp.GetMessagesRequest()))] == ["ChatDisconnectNotification"]
        # Held at most POLL_HOLD_MS, then a ChatGetTimeout.
        assert messages(client.send(cp.GetMessagesRequest())) == [("ChatGetTimeout", {})]
    assert chat_emulator.engagement().end_user_left
    assert chat_emulator.session().pool == chat_emulator.pool
    assert POLL_HOLD_MS == 1000
    queued = chat_emulator.queue_engagement(first_name="Bo", last_name="Li", email="b@x.test", question="Q")
    assert chat_emulator.server.engagement(queued).status is EngagementStatus.QUEUED
    assert chat_emulator.move_pool("9:9") == "9:9"
    heir = chat_emulator.take_over()
    assert heir.agent_id == chat_emulator.agent_id
    assert chat_emulator.account.username == "bot"
    assert chat_emulator.site_url == chat_emulator.url


def test_the_fixture_logs_a_bot_on_through_the_site_calls(chat_emulator: ChatEmulator) -> None:
    account = chat_emulator.account
    with httpx.Client(base_url=chat_emulator.site_url, timeout=NETWORK_TIMEOUT) as http:
        settings = http.get(SERVICE_SETTINGS_PATH, auth=(account.username, account.password)).json()
        token = http.post(AGENT_TOKENS_PATH, auth=(account.username, account.password)).json()["sessionToken"]
    assert f"http://{settings['domain']}:{settings['port']}" == chat_emulator.url
    with client_factory("sync") as make:
        client = make(chat_emulator.url, site=settings["siteName"], session_id=None, token=token, pool=settings["pool"])
        created = client.send(cp.CreateAgentSessionRequest())
    assert chat_emulator.server.session(created.session_id).agent_id == account.agent_id


# -- The control surface over HTTP, and every error as JSON ----------------------------------------------


def test_background_calls_register_accounts_and_read_the_faults() -> None:
    with serving(faults=FaultPlan(replay=0.5)) as server:
        account = server.register_agent("ops", "pw", 31)
        assert server.faults == FaultPlan(replay=0.5)
        with RawBot(server.url, "ops", "pw", "31") as bot:
            created = bot.log_on()
            bot.call("setActivityStatus", {"status": "AVAILABLE", "subTypeId": 1})
        assert server.session(created["sessionId"]).agent_id == account.agent_id == "31"


def test_the_control_surface_over_http() -> None:
    with serving() as server, httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as http:
        account = http.post("/emulator/agents", json={"username": "ops", "password": "pw", "agentId": 31})
        assert account.json() == {"username": "ops", "agentId": "31", "site": SITE}  # no password
        session = http.post("/emulator/sessions", json={"agentId": "31"}).json()
        queued = http.post("/emulator/engagements", json={"question": "Hi?", "firstName": "Ann"}).json()
        engagement_id = queued["engagementId"]
        assigned = http.post("/emulator/engagements", json={"sessionId": session["sessionId"], "email": "a@b.test"})
        other = assigned.json()["engagementId"]
        for route, body in (("messages", {"body": "hello"}), ("typing", {"sneakPreview": "hel"}), ("leave", None)):
            answer = http.post(f"/emulator/engagements/{other}/end-user/{route}", json=body)
            assert answer.json() == {"engagementId": other}, route
        state = http.get(f"/emulator/engagements/{other}").json()
        assert (state["status"], state["endUserLeft"], state["userProperties"]) == (
            "ACTIVE",
            True,
            {"EMAIL": "a@b.test"},
        )
        assert [entry["kind"] for entry in state["transcript"]] == ["MESSAGE", "TYPING", "LEFT"]
        assert http.get(f"/emulator/engagements/{engagement_id}").json()["status"] == "QUEUED"
        session_state = http.get(f"/emulator/sessions/{session['sessionId']}").json()
        assert (session_state["engagements"], session_state["pendingMessages"]) == ([other], 3)
        assert http.post(f"/emulator/sessions/{session['sessionId']}/pool", json={"pool": "5:5"}).json() == {
            "pool": "5:5"
        }
        heir = http.post(f"/emulator/sessions/{session['sessionId']}/takeover").json()
        assert (heir["agentId"], heir["pool"]) == ("31", "297:1")
        assert http.get(f"/emulator/sessions/{session['sessionId']}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/emulator/agents", {"username": "x"}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/engagements", {"sessionId": "nobody"}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/engagements", {"sessionId": "x", "site": SITE}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/engagements", {"site": "elsewhere"}, 400, "INVALID_FIELD"),
        ("GET", "/emulator/engagements/404", None, 404, "NOT_FOUND"),
        ("POST", "/emulator/engagements/404/end-user/messages", {"body": "x"}, 404, "NOT_FOUND"),
        ("POST", "/emulator/engagements/1/end-user/messages", {"text": "x"}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/engagements/1/end-user/typing", {}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/engagements/1/end-user/leave", {"x": 1}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/sessions/nobody/pool", {}, 404, "NOT_FOUND"),
        ("POST", "/emulator/sessions/nobody/pool", {"pool": 5}, 400, "INVALID_FIELD"),
        ("POST", "/emulator/sessions/nobody/takeover", None, 404, "NOT_FOUND"),
        ("GET", "/emulator/sessions/nobody/takeover", None, 405, "METHOD_NOT_ALLOWED"),
        ("GET", SERVICE_SETTINGS_PATH, None, 401, "UNAUTHORIZED"),
        ("POST", f"/engagement/api/agent/{SITE}/v1/getMessages", {}, 403, "ACCESS_DENIED"),
        ("POST", f"/engagement/api/agent/{SITE}/v1/nothing", {}, 404, "NOT_FOUND"),
    ],
)
def test_every_error_is_json(method: str, path: str, body: object, status: int, code: str) -> None:
    with serving() as server, httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as http:
        server.queue_engagement()
        answer = http.request(method, path, json=body)
        assert (answer.status_code, answer.headers["content-type"]) == (status, "application/json; charset=utf-8")
        document = answer.json()
        assert set(document) == {"exceptionCode", "message"}
        assert document["exceptionCode"] == code
