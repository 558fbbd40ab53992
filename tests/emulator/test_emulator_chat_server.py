"""The emulator as a whole chat server, in process: the site calls, sessions, the queue and offers,
engagements through their life, the end user, held polls, pool moves, strict mode and the poll faults.

Requests are the bytes our `cp.ClientConnection` sends, fed to a server connection whole, byte by
byte and with trailing bytes; answers are decoded by the client connection (see `agent_driver`).
"""

from __future__ import annotations

import json

import msgspec
import pytest
from agent_driver import (
    HOST,
    NOW_MS,
    Driver,
    accept,
    basic,
    log_on,
    messages_of,
    names_of,
    open_driver,
    post,
    ready,
    site_call,
    site_request,
)
from emulator_helpers import receive, request_bytes

import chatproto as cp
from chatproto.emulator import (
    AGENT_TOKENS_PATH,
    CHAT_CLUSTER_POOL_ID,
    DEFAULT_ACCOUNT,
    SERVICE_SETTINGS_PATH,
    AgentAccount,
    Emulator,
    EmulatorError,
    EngagementStatus,
    ErrorBody,
    FaultPlan,
    Hold,
    TranscriptEntry,
)

SITE = "day001_221100_sql_001h"


def ok_bytes(body: bytes) -> bytes:
    """The bytes of a 200 answer with ``body``."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def body_of(data: bytes) -> object:
    return json.loads(data.partition(b"\r\n\r\n")[2])


def offered(emulator: Emulator, driver: Driver, **details: str) -> int:
    """Queue an engagement, poll its offer, accept it: its id."""
    engagement_id = emulator.queue_engagement(**details)
    assert names_of(driver.poll()) == ["ChatEngagementAssignmentNotification"]
    accept(driver, engagement_id)
    return engagement_id


# -- The site calls ---------------------------------------------------------------------------------


def test_service_settings_names_the_emulator_and_the_accounts_site() -> None:
    emulator = Emulator()
    reply, data = site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH))
    assert reply.status == 200
    body = (
        b'{"domain":"127.0.0.1","port":8080,"pool":"297:1","siteName":"day001_221100_sql_001h","links":'
        b'[{"rel":"canonical","href":"http://127.0.0.1:8080/services/rest/crossChannelServices/latest/'
        b'serviceSettings/1","mediaType":"application/json"}]}'
    )
    assert data == ok_bytes(body)
    # Once the server loop says where it serves, that address is named, whatever the Host.
    emulator.set_address("::1", 41000)
    _, data = site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH))
    settings = body_of(data)
    assert isinstance(settings, dict)
    assert (settings["domain"], settings["port"]) == ("::1", 41000)
    assert settings["links"][0]["href"].startswith("http://[::1]:41000/")


@pytest.mark.parametrize(
    ("host", "domain", "port"),
    [("example.test", "example.test", 80), ("[::1]:9", "::1", 9), ("[::1]", "::1", 80), ("::1", "::1", 80)],
)
def test_service_settings_without_an_address_reads_the_host(host: str, domain: str, port: int) -> None:
    data = site_request("GET", SERVICE_SETTINGS_PATH).replace(f"Host: {HOST}".encode(), f"Host: {host}".encode())
    settings = body_of(site_call(Emulator(), data)[1])
    assert isinstance(settings, dict)
    assert (settings["domain"], settings["port"]) == (domain, port)


def test_agent_tokens_issues_a_token_per_call() -> None:
    emulator = Emulator()
    answers = [body_of(site_call(emulator, site_request("POST", AGENT_TOKENS_PATH, body=b))[1]) for b in (b"", b"{}")]
    assert answers == [{"sessionToken": "emulator-token-00000001"}, {"sessionToken": "emulator-token-00000002"}]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer abc", basic("bot", "wrong"), basic("nobody", "emulator"), basic("", "")]
)
@pytest.mark.parametrize("path", [SERVICE_SETTINGS_PATH, AGENT_TOKENS_PATH])
def test_a_bad_basic_login_is_401_with_a_challenge_and_json(authorization: str | None, path: str) -> None:
    method = "GET" if path == SERVICE_SETTINGS_PATH else "POST"
    reply, data = site_call(Emulator(), site_request(method, path, account=None, authorization=authorization))
    assert data.startswith(b"HTTP/1.1 401 Unauthorized\r\n")
    assert b'\r\nWWW-Authenticate: Basic realm="chatproto emulator", charset="UTF-8"\r\n' in data
    assert body_of(data) == {
        "exceptionCode": "UNAUTHORIZED",
        "message": "a registered account's HTTP Basic credentials are required",
    }
    assert reply.status == 401


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Basic !!!", "Authorization: the Basic credentials are not base64"),
        ("Basic Ym90", "Authorization: the Basic credentials hold no ':' between user id and password"),
    ],
)
def test_basic_credentials_that_cannot_be_read_are_400(authorization: str, message: str) -> None:
    reply, data = site_call(Emulator(), site_request("GET", SERVICE_SETTINGS_PATH, authorization=authorization))
    assert body_of(data) == {"exceptionCode": "BAD_REQUEST", "message": message}
    assert reply.status == 400


def test_the_application_context_may_have_40_characters_not_41() -> None:
    emulator = Emulator()
    assert site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH, context="x" * 40))[0].status == 200
    assert site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH, context=None))[0].status == 200
    _, data = site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH, context="x" * 41))
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    document = body_of(data)
    assert isinstance(document, dict)
    assert document["exceptionCode"] == "BAD_REQUEST"
    assert "OSvC-CREST-Application-Context" in document["message"]
    assert "40" in document["message"]


def test_the_application_context_of_a_chat_call_is_held_to_40_characters_too() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    for context, status in (("x" * 40, 200), ("x" * 41, 400)):
        data = raw_agent_request(bot, "setActivityStatus", b'{"status":"AVAILABLE","subTypeId":1}').replace(
            b"\r\n\r\n", f"\r\nOSvC-CREST-Application-Context: {context}\r\n\r\n".encode(), 1
        )
        _, event = receive(data)
        assert not isinstance(event, cp.ConnectionClosed)
        assert emulator.handle(event, now_ms=NOW_MS).status == status


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "message"),
    [
        ("POST", SERVICE_SETTINGS_PATH, b"", 405, "METHOD_NOT_ALLOWED", "serviceSettings takes GET, not POST"),
        ("GET", AGENT_TOKENS_PATH, b"", 405, "METHOD_NOT_ALLOWED", "agentTokens takes POST, not GET"),
        ("GET", "/services/rest/crossChannelServices/latest/x", b"", 404, "NOT_FOUND", "no site call at"),
        ("POST", AGENT_TOKENS_PATH, b"[1]", 400, "INVALID_FIELD", "Expected `object`, got `array`"),
    ],
)
def test_site_call_errors(method: str, path: str, body: bytes, status: int, code: str, message: str) -> None:
    reply, _ = site_call(Emulator(), site_request(method, path, body=body))
    assert isinstance(reply.body, ErrorBody)
    assert (reply.status, reply.body.exception_code) == (status, code)
    assert message in reply.body.message
    if status == 405:
        assert reply.headers == (("Allow", "GET" if path == SERVICE_SETTINGS_PATH else "POST"),)


def test_a_token_that_does_not_fit_is_503() -> None:
    emulator = Emulator(max_stored_bytes=Emulator().stored_bytes + 5)
    reply, _ = site_call(emulator, site_request("POST", AGENT_TOKENS_PATH))
    assert isinstance(reply.body, ErrorBody)
    assert (reply.status, reply.body.exception_code) == (503, "CAPACITY_EXCEEDED")


def test_registering_an_account_again_replaces_it_and_its_tokens_lapse() -> None:
    emulator = Emulator()
    old = log_on(emulator)
    token = old.session.token
    emulator.register_agent("bot", "new password", 44)
    assert emulator.accounts == (AgentAccount("bot", "new password", "44", SITE),)
    # The old password no longer logs on; the old token no longer opens a session.
    assert site_call(emulator, site_request("GET", SERVICE_SETTINGS_PATH))[0].status == 401
    session = cp.AgentSession(host=HOST, site=SITE, agent_id="12", token=token)
    assert Driver(emulator, session).error(cp.CreateAgentSessionRequest())[:2] == (403, "ACCESS_DENIED")
    new = log_on(emulator, AgentAccount("bot", "new password", "44"))
    assert emulator.session(new.session.session_id or "").agent_id == "44"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "p", "1"), "username: a non-empty string is required"),
        (("u", "", "1"), "password: a non-empty string is required"),
        (("a:b", "p", "1"), "username: HTTP Basic credentials cannot hold a ':' in it"),
        (("u", "p", "1 2"), "agentId may not contain ' ' (at index 1)"),
    ],
)
def test_register_agent_refuses_bad_accounts(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(EmulatorError) as raised:
        Emulator().register_agent(*args)
    assert (raised.value.status, str(raised.value)) == (400, message)
    with pytest.raises(EmulatorError, match="is not served here"):
        Emulator().register_agent("u", "p", "1", site="elsewhere")


def test_the_accounts_given_replace_the_default_one() -> None:
    account = AgentAccount("ops", "pw", "7", SITE)
    assert Emulator(accounts=(account,)).accounts == (account,)
    assert Emulator().accounts == (AgentAccount(DEFAULT_ACCOUNT.username, DEFAULT_ACCOUNT.password, "12", SITE),)
    assert "emulator" not in repr(DEFAULT_ACCOUNT)  # the password is a credential


# -- createAutomatedAgentSession -------------------------------------------------------------------


def test_create_session_answers_with_the_new_session_of_the_tokens_agent() -> None:
    emulator = Emulator()
    _, data = site_call(emulator, site_request("POST", AGENT_TOKENS_PATH))
    token = msgspec.json.decode(data.partition(b"\r\n\r\n")[2])["sessionToken"]
    session = cp.AgentSession(host=HOST, site=SITE, agent_id="12", token=token, pool="297:1")
    driver = Driver(emulator, session)
    pending = driver.send(cp.CreateAgentSessionRequest(logon_override=True))
    pending.answer()
    assert driver.answers[-1] == ok_bytes(
        b'{"chatLogonResult":{},"chatSystemError":null,"clientSendTime":1653492901569,'
        b'"serviceStartTime":1653492901569,"serviceFinishTime":1653492901569,'
        b'"sessionId":"node0emulator00000001","clientId":1,"clientIdString":"1",'
        b'"sequenceNumber":1,"sequenceNumberString":"1"}'
    )
    state = emulator.session("node0emulator00000001")
    assert (state.agent_id, state.pool, state.status) == ("12", "297:1", "NONE")
    assert repr(state).startswith("SessionState(site='day001_221100_sql_001h', agent_id='12', session_id=<21 chars")
    assert "node0emulator00000001" not in repr(state)  # a credential


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "createAutomatedAgentSession needs a token from agentTokens, and came with no bearer token"),
        (
            "forged",
            "createAutomatedAgentSession needs a token from agentTokens, and came with a bearer token "
            "agentTokens did not issue",
        ),
    ],
)
def test_create_session_without_an_issued_token_is_403(token: str | None, message: str) -> None:
    data = request_bytes(
        b"{}",
        target=f"/engagement/api/agent/{SITE}/v1/createAutomatedAgentSession?pool=297:1",
        session_id=None,
        agent_id=None,
        extra=[("Authorization", f"Bearer {token}")] if token else [],
    )
    conn, event = receive(data)
    assert not isinstance(event, cp.ConnectionClosed)
    reply = Emulator().handle(event, now_ms=NOW_MS)
    assert conn.send_response(reply.status, reply.body).endswith(
        json.dumps({"exceptionCode": "ACCESS_DENIED", "message": message}, separators=(",", ":")).encode()
    )
    assert reply.status == 403


def test_a_token_of_another_sites_account_is_403_on_this_site() -> None:
    other = "day002_221100_sql_002h"
    emulator = Emulator(sites=(SITE, other))
    emulator.register_agent("them", "pw", 5, site=other)
    with pytest.raises(AssertionError, match="the token's account belongs to the site day002_221100_sql_002h"):
        log_on(emulator, AgentAccount("them", "pw", "5"), site=SITE)
    assert log_on(emulator, AgentAccount("them", "pw", "5"), site=other).session.site == other


def test_logon_override_ends_the_agents_older_sessions_and_takes_their_engagements() -> None:
    emulator = Emulator()
    first = log_on(emulator)
    second = log_on(emulator)  # without override, both stay
    engagement_id = emulator.start_engagement(first.session.session_id or "")
    other_agent = open_driver(emulator, "13")
    third = log_on(emulator, logon_override=True)
    for ended in (first, second):
        assert ended.error(cp.GetMessagesRequest()) == (
            403,
            "ACCESS_DENIED",
            "the agent session was taken over by a newer logon of the same agent",
        )
    assert emulator.engagement(engagement_id).session_id == third.session.session_id
    assert post(third, engagement_id).response.chat_post_result.client_reset == 0
    # Another agent's session is untouched.
    assert emulator.session(other_agent.session.session_id or "").agent_id == "13"


def test_sessions_are_bounded_and_an_override_makes_room_first() -> None:
    emulator = Emulator(max_sessions=1)
    log_on(emulator)
    with pytest.raises(AssertionError, match="max_sessions"):
        log_on(emulator)
    log_on(emulator, logon_override=True)


# -- The gate: sessions, agents, pools, before the body ---------------------------------------------


@pytest.mark.parametrize("name", [name for name, op in cp.OPERATIONS.items() if op.needs_session])
def test_an_unknown_session_is_403_on_every_operation_even_with_a_bad_body(name: str) -> None:
    operation = cp.OPERATIONS[name]
    target = f"/engagement/api/agent/{SITE}/v1/{name}"
    if operation.method == "GET":
        target += "?request=%7B%22engagementId%22%3A%22x%22%7D"
    data = request_bytes(b'{"engagementId": "x"}', method=operation.method, target=target, session_id="node0nobody")
    _, event = receive(data)
    assert not isinstance(event, cp.ConnectionClosed)
    reply = Emulator().handle(event, now_ms=NOW_MS)
    assert isinstance(reply.body, ErrorBody)
    assert (reply.status, reply.body.exception_code, reply.body.message) == (
        403,
        "ACCESS_DENIED",
        "the agent session identifier is unknown",
    )


def test_a_bad_body_from_a_good_session_is_still_400() -> None:
    emulator = Emulator()
    driver = open_driver(emulator)
    data = request_bytes(
        b'{"status": "SLEEPY", "subTypeId": 1}',
        target=f"/engagement/api/agent/{SITE}/v1/setActivityStatus",
        session_id=driver.session.session_id,
        agent_id="12",
    )
    _, event = receive(data)
    assert isinstance(event, cp.InvalidRequest)
    reply = emulator.handle(event, now_ms=NOW_MS)
    assert reply.status == 400
    # An invalid request outside the agent operations (no operation) is answered as it is.
    assert emulator.handle(cp.InvalidRequest(404, "NOT_FOUND", "x"), now_ms=NOW_MS).status == 404


def test_an_ended_session_says_why() -> None:
    emulator = Emulator()
    driver = log_on(emulator)
    assert isinstance(driver.ok(cp.LogoffRequest(force_logoff=True)), cp.LogoffResponse)
    with pytest.raises(cp.LocalProtocolError):  # our client knows the session ended
        driver.send(cp.GetMessagesRequest())
    status, code, message = driver.twin().error(cp.GetMessagesRequest())
    assert (status, code, message) == (403, "ACCESS_DENIED", "the agent session was logged off")
    with pytest.raises(EmulatorError, match="no agent session with this id"):
        emulator.session(driver.session.session_id or "")


def test_ended_sessions_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatproto.emulator import _store

    monkeypatch.setattr(_store, "_ENDED_KEPT", 2)
    emulator = Emulator()
    drivers = [log_on(emulator) for _ in range(3)]
    twins = [driver.twin() for driver in drivers]
    for driver in drivers:
        driver.ok(cp.LogoffRequest(force_logoff=True))
    messages = [twin.error(cp.GetMessagesRequest())[2] for twin in twins]
    assert messages == [
        "the agent session identifier is unknown",  # forgotten
        "the agent session was logged off",
        "the agent session was logged off",
    ]


# -- The bot's loop, end to end --------------------------------------------------------------------


def test_the_whole_flow_in_process() -> None:
    emulator = Emulator()
    bot = log_on(emulator, logon_override=True)
    ready(bot)
    engagement_id = emulator.queue_engagement(
        first_name="Ann", last_name="Lee", email="ann@example.test", question="Where is my order?"
    )
    [(name, offer)] = bot.poll()
    assert name == "ChatEngagementAssignmentNotification"
    assert offer == {
        "assignmentType": "LEAD",
        "engagementId": engagement_id,
        "engagementIdString": str(engagement_id),
        "queueId": 1,
        "queueIdString": "1",
        "firstName": "Ann",
        "lastName": "Lee",
        "email": "ann@example.test",
        "question": "Where is my order?",
        "createdTime": NOW_MS,
        "createdTimeString": str(NOW_MS),
        "sequenceNumber": 1,
        "sequenceNumberString": "1",
    }
    result = accept(bot, engagement_id).chat_assignment_acknowledgement_result
    assert result == cp.ChatAssignmentAcknowledgementResult(
        client_list=(
            cp.ChatClientInfo(client_id=1, client_id_string="1", role="LEAD", account_id=12, account_id_string="12"),
            cp.ChatClientInfo(client_id=1000000000, client_id_string="1000000000", name="Ann Lee"),
        )
    )
    emulator.end_user_types(engagement_id, "Hel")
    emulator.end_user_says(engagement_id, "Hello?")
    typing, said = bot.poll()
    assert typing == (
        "ChatActivitySignal",
        {
            "engagementId": engagement_id,
            "engagementIdString": str(engagement_id),
            "clientId": 1000000000,
            "clientIdString": "1000000000",
            "mode": "RESPONDING",
            "sneakPreviewState": "ENABLED",
            "sneakPreviewInterval": 3000,
            "sneakPreview": "Hel",
            "sneakPreviewFocus": True,
            "destinationId": engagement_id,
            "destinationIdString": str(engagement_id),
            "destinationType": "ENGAGEMENT",
            "senderId": 1000000000,
            "senderIdString": "1000000000",
            "senderType": "END_USER",
            "messageType": "ACTIVITY_SIGNAL",
            "visibility": "ALL",
            "createdTime": NOW_MS,
            "createdTimeString": str(NOW_MS),
            "sequenceNumber": 2,
            "sequenceNumberString": "2",
        },
    )
    assert said == (
        "ChatPostMessage",
        {
            "senderType": "END_USER",
            "body": "Hello?",
            "richText": False,
            "offTheRecord": False,
            "senderId": 1000000000,
            "senderIdString": "1000000000",
            "engagementId": engagement_id,
            "engagementIdString": str(engagement_id),
            "destinationId": engagement_id,
            "destinationIdString": str(engagement_id),
            "destinationType": "ENGAGEMENT",
            "visibility": "ALL",
            "messageType": "TEXT",
            "createdTime": NOW_MS,
            "createdTimeString": str(NOW_MS),
            "sequenceNumber": 3,
            "sequenceNumberString": "3",
        },
    )
    signal = bot.ok(
        cp.ActivitySignalChangeRequest(
            client_id=1, engagement_id=engagement_id, mode=cp.InteractionMode.RESPONDING, sneak_preview="Let me"
        )
    )
    assert signal.chat_activity_signal_change_result == cp.ChatActivitySignalChangeResult(
        sneak_preview_state="ENABLED", sneak_preview_interval=3000
    )
    assert isinstance(post(bot, engagement_id, "Let me look.").response, cp.PostMessageResponse)
    emulator.end_user_leaves(engagement_id)
    [(name, left)] = bot.poll()
    assert (name, left["reason"], left["clientId"], left["sequenceNumber"]) == (
        "ChatDisconnectNotification",
        "END_USER_CONCLUDED",
        1000000000,
        4,
    )
    event = post(bot, engagement_id, "Still there?")
    assert (event.status, event.code) == (409, "CONFLICT")
    bot.ok(cp.ConcludeEngagementRequest(engagement_id=engagement_id))
    bot.ok(cp.ReleaseEngagementRequest(engagement_id=engagement_id))
    bot.ok(cp.LogoffRequest(force_logoff=True))
    state = emulator.engagement(engagement_id)
    assert state.status is EngagementStatus.RELEASED
    assert state.end_user_left
    assert state.user_properties == {
        "FIRST_NAME": "Ann",
        "LAST_NAME": "Lee",
        "EMAIL": "ann@example.test",
        "QUESTION": "Where is my order?",
    }
    assert [(entry.sender, entry.kind, entry.body) for entry in state.transcript] == [
        ("END_USER", "TYPING", "Hel"),
        ("END_USER", "MESSAGE", "Hello?"),
        ("AGENT", "TYPING", "Let me"),
        ("AGENT", "MESSAGE", "Let me look."),
        ("END_USER", "LEFT", None),
        ("AGENT", "CONCLUDED", None),
        ("AGENT", "RELEASED", None),
    ]
    assert [m.body for m in emulator.messages(engagement_id)] == ["Let me look."]
    assert msgspec.json.decode(msgspec.json.encode(state))["transcript"][0] == {
        "sender": "END_USER",
        "kind": "TYPING",
        "timeMs": NOW_MS,
        "body": "Hel",
    }
    assert "node0" not in repr(state)  # the session id is a credential


def test_every_answer_echoes_the_sequence_number_with_its_twin() -> None:
    emulator = Emulator()
    bot = log_on(emulator)
    ready(bot)
    engagement_id = offered(emulator, bot)
    for request in (
        cp.RerouteAvailabilityRequest(engagement_id=engagement_id),
        cp.SetEngagementPropertyRequest(engagement_id=engagement_id, name="QUESTION", value="x"),
        cp.ModifyPropertiesRequest(engagement_id=engagement_id, properties_map={"EMAIL": "a@b.test"}),
        cp.RetrieveAgentsAndQueuesRequest(
            id=12, include_agent_information=False, include_queue_information=True, include_queue_statistics=False
        ),
        cp.RerouteEngagementRequest(engagement_id=engagement_id, sequence_number=900),
    ):
        pending = bot.send(request)
        pending.answer()
        document = body_of(bot.answers[-1])
        assert isinstance(document, dict)
        number = bot.session.last_sequence_number
        assert (document["sequenceNumber"], document["sequenceNumberString"]) == (number, str(number))
        assert document["sessionId"] == bot.session.session_id


# -- Offers and the queue -------------------------------------------------------------------------


def test_only_an_available_session_that_asked_is_offered() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.queue_engagement(question="hi")
    bot.ok(cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=1, max_session_count=1))
    assert emulator.engagement(engagement_id).status is EngagementStatus.QUEUED
    bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.UNAVAILABLE, sub_type_id=3))
    assert emulator.engagement(engagement_id).status is EngagementStatus.QUEUED
    bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=21))
    state = emulator.engagement(engagement_id)
    assert (state.status, state.session_id) == (EngagementStatus.OFFERED, bot.session.session_id)
    session = emulator.session(bot.session.session_id or "")
    assert (session.status, session.sub_type_id, session.offers_left, session.engagements) == (
        "AVAILABLE",
        21,
        0,
        (engagement_id,),
    )


def test_offers_go_to_the_session_holding_fewest_then_the_oldest() -> None:
    emulator = Emulator()
    a, b = open_driver(emulator), open_driver(emulator, "13")
    ready(a, 3)
    ready(b, 3)
    first, second, third = (emulator.queue_engagement() for _ in range(3))
    assert [emulator.engagement(n).session_id for n in (first, second, third)] == [
        a.session.session_id,
        b.session.session_id,
        a.session.session_id,
    ]


def test_request_assignment_asks_for_at_most_the_idle_slots() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot, 1)
    ids = [emulator.queue_engagement() for _ in range(3)]
    assert [emulator.engagement(n).status for n in ids] == [
        EngagementStatus.OFFERED,
        EngagementStatus.QUEUED,
        EngagementStatus.QUEUED,
    ]
    # Asking again with room for two more: one more is offered, as max allows two held.
    bot.ok(cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=2, max_session_count=2))
    assert [emulator.engagement(n).status for n in ids][1:] == [EngagementStatus.OFFERED, EngagementStatus.QUEUED]
    bot.ok(cp.RequestAssignmentRequest(assignment_requested=False, idle_session_count=0, max_session_count=2))
    assert emulator.session(bot.session.session_id or "").offers_left == 0


@pytest.mark.parametrize(
    ("idle", "most", "message"),
    [(0, -1, "maxSessionCount: -1 is below 0"), (3, 2, "idleSessionCount: 3 is not from 0 to maxSessionCount (2)")],
)
def test_request_assignment_refuses_impossible_counts(idle: int, most: int, message: str) -> None:
    bot = open_driver(Emulator())
    request = cp.RequestAssignmentRequest(assignment_requested=True, idle_session_count=idle, max_session_count=most)
    assert bot.error(request) == (400, "BAD_REQUEST", message)


def test_status_none_is_a_conflict() -> None:
    bot = open_driver(Emulator())
    assert bot.error(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.NONE, sub_type_id=0)) == (
        409,
        "CONFLICT",
        "status: the status could not be changed to NONE",
    )


def test_a_declined_offer_goes_to_another_session_and_never_back() -> None:
    emulator = Emulator()
    a = open_driver(emulator)
    ready(a)
    engagement_id = emulator.queue_engagement()
    a.ok(
        cp.AssignmentAcknowledgementRequest(
            action=cp.AssignmentAction.DECLINE,
            action_type=cp.AssignmentActionType.MANUAL,
            assignment_type=cp.AssignmentType.LEAD,
            engagement_id=engagement_id,
        )
    )
    ready(a)
    assert emulator.engagement(engagement_id).status is EngagementStatus.QUEUED
    b = open_driver(emulator, "13")
    ready(b)
    assert emulator.engagement(engagement_id).session_id == b.session.session_id


def test_acknowledgement_errors() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    other = emulator.queue_engagement()

    def ack(engagement_id: int, action: cp.AssignmentAction = cp.AssignmentAction.ACCEPT) -> tuple[object, ...]:
        return bot.error(
            cp.AssignmentAcknowledgementRequest(
                action=action,
                action_type=cp.AssignmentActionType.AUTO,
                assignment_type=cp.AssignmentType.LEAD,
                engagement_id=engagement_id,
            )
        )

    assert ack(99) == (404, "NOT_FOUND", "engagementId: no engagement 99")
    assert ack(other) == (400, "BAD_REQUEST", f"engagementId: engagement {other} is not held by this agent session")
    ready(bot)
    assert ack(other, cp.AssignmentAction.AVAILABLE) == (
        400,
        "BAD_REQUEST",
        "action: an offered engagement is answered ACCEPT or DECLINE, not AVAILABLE",
    )
    accept(bot, other)
    assert ack(other) == (400, "BAD_REQUEST", f"engagementId: engagement {other} is ACTIVE")


def test_what_the_end_user_said_before_the_accept_is_delivered_on_it() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot)
    engagement_id = emulator.queue_engagement(question="Hi")
    emulator.end_user_types(engagement_id, "any")  # not delivered before the accept
    emulator.end_user_says(engagement_id, "anyone?")
    assert names_of(bot.poll()) == ["ChatEngagementAssignmentNotification"]
    accept(bot, engagement_id)
    [(name, fields)] = bot.poll()
    assert (name, fields["body"]) == ("ChatPostMessage", "anyone?")


def test_reroute_puts_it_back_for_another_session() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot)
    engagement_id = offered(emulator, bot)
    response = bot.ok(cp.RerouteEngagementRequest(engagement_id=engagement_id))
    assert isinstance(response, cp.RerouteEngagementResponse)
    state = emulator.engagement(engagement_id)
    assert (state.status, state.session_id, state.transcript[-1].kind) == (EngagementStatus.QUEUED, None, "REROUTED")
    human = open_driver(emulator, "40")
    ready(human)
    assert emulator.engagement(engagement_id).session_id == human.session.session_id
    assert bot.error(cp.RerouteEngagementRequest(engagement_id=engagement_id)) == (
        400,
        "BAD_REQUEST",
        f"engagementId: engagement {engagement_id} is not held by this agent session",
    )
    assert bot.error(cp.RerouteEngagementRequest(engagement_id=98)) == (
        404,
        "ENGAGEMENT_ID_UNKNOWN",
        "engagementId: no engagement 98",
    )
    accept(human, engagement_id)
    emulator.end_user_leaves(engagement_id)
    assert human.error(cp.RerouteEngagementRequest(engagement_id=engagement_id)) == (
        400,
        "BAD_REQUEST",
        f"engagementId: the end user has left engagement {engagement_id}",
    )


def test_reroute_availability_needs_an_engagement_of_the_session() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    assert isinstance(
        bot.ok(cp.RerouteAvailabilityRequest(engagement_id=engagement_id)), cp.RerouteAvailabilityResponse
    )
    other = emulator.queue_engagement()
    for unknown in (other, 77):
        assert bot.error(cp.RerouteAvailabilityRequest(engagement_id=unknown)) == (
            404,
            "ENGAGEMENT_ID_UNKNOWN",
            f"engagementId: engagement {unknown} is not valid here",
        )


def test_conclude_and_release() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot, 2)
    engagement_id = emulator.queue_engagement()
    assert bot.error(cp.ConcludeEngagementRequest(engagement_id=engagement_id)) == (
        400,
        "BAD_REQUEST",
        f"engagementId: engagement {engagement_id} is OFFERED",
    )
    accept(bot, engagement_id)
    bot.ok(cp.ConcludeEngagementRequest(engagement_id=engagement_id))
    bot.ok(cp.ConcludeEngagementRequest(engagement_id=engagement_id))  # again: the same
    assert (post(bot, engagement_id).status, emulator.engagement(engagement_id).status) == (
        409,
        EngagementStatus.CONCLUDED,
    )
    for _ in range(2):
        bot.ok(cp.ReleaseEngagementRequest(engagement_id=engagement_id))  # again: the same
    assert emulator.engagement(engagement_id).status is EngagementStatus.RELEASED
    assert emulator.session(bot.session.session_id or "").engagements == ()
    # Releasing an active engagement concludes it first.
    second = emulator.start_engagement(bot.session.session_id or "")
    bot.ok(cp.ReleaseEngagementRequest(engagement_id=second))
    assert [e.kind for e in emulator.engagement(second).transcript] == ["CONCLUDED", "RELEASED"]
    assert bot.error(cp.ReleaseEngagementRequest(engagement_id=5000))[:2] == (404, "NOT_FOUND")


def test_logoff_requeues_what_the_session_held_and_releases_what_it_concluded() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot, 3)
    active, concluded = offered(emulator, bot), offered(emulator, bot)
    waiting = emulator.queue_engagement()
    bot.ok(cp.ConcludeEngagementRequest(engagement_id=concluded))
    bot.ok(cp.LogoffRequest(force_logoff=False))
    assert [emulator.engagement(n).status for n in (active, concluded, waiting)] == [
        EngagementStatus.QUEUED,
        EngagementStatus.RELEASED,
        EngagementStatus.QUEUED,
    ]


def test_interaction_status_needs_an_active_engagement() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    signal = bot.ok(
        cp.ActivitySignalChangeRequest(
            client_id=1,
            engagement_id=engagement_id,
            mode=cp.InteractionMode.LISTENING,
            sneak_preview_state=cp.SneakPreviewState.DISABLED,
            sneak_preview_interval=500,
        )
    )
    assert signal.chat_activity_signal_change_result == cp.ChatActivitySignalChangeResult(
        sneak_preview_state="DISABLED", sneak_preview_interval=500
    )
    assert emulator.engagement(engagement_id).transcript[-1] == TranscriptEntry("AGENT", "TYPING", NOW_MS, "LISTENING")
    assert bot.error(
        cp.ActivitySignalChangeRequest(client_id=1, engagement_id=4444, mode=cp.InteractionMode.LISTENING)
    ) == (404, "NOT_FOUND", "engagementId: no engagement 4444")


# -- Properties, from any session of the site --------------------------------------------------------


def test_properties_are_set_from_a_session_not_in_the_engagement() -> None:
    # Oracle's own client: a fresh session sets QUESTION on someone else's engagement, then logs off.
    emulator = Emulator()
    holder = open_driver(emulator)
    engagement_id = emulator.start_engagement(holder.session.session_id or "", question="old")
    helper = log_on(emulator, logon_override=False)
    helper.ok(
        cp.SetEngagementPropertyRequest(
            engagement_id=engagement_id, type=cp.PropertyType.USER, name="QUESTION", value="new"
        )
    )
    helper.ok(cp.LogoffRequest(force_logoff=True))
    assert emulator.engagement(engagement_id).user_properties == {"QUESTION": "new"}


def test_set_engagement_property_by_type() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "", first_name="Ann")
    bot.ok(
        cp.SetEngagementPropertyRequest(
            engagement_id=engagement_id, name="CONTACT_ID", value="9", type=cp.PropertyType.ENGAGEMENT
        )
    )
    bot.ok(cp.SetEngagementPropertyRequest(engagement_id=engagement_id, name="FIRST_NAME"))  # no value: removed
    state = emulator.engagement(engagement_id)
    assert (state.user_properties, state.engagement_properties) == ({}, {"CONTACT_ID": "9"})
    assert bot.error(cp.SetEngagementPropertyRequest(engagement_id=engagement_id, name="")) == (
        400,
        "BAD_REQUEST",
        "name: a property name is required",
    )
    assert bot.error(cp.SetEngagementPropertyRequest(engagement_id=3, name="X"))[:2] == (404, "NOT_FOUND")


def test_modify_properties_and_custom_fields() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    field = cp.RestApiCustomField(name="c$frombot", type=cp.CustomFieldType.BOOLEAN, value="1")
    response = bot.ok(
        cp.ModifyPropertiesRequest(
            engagement_id=engagement_id,
            properties_map={"EMAIL": "a@b.test", "QUESTION": "q"},
            custom_fields=[field],
            type=cp.PropertyType.USER,
        )
    )
    assert response.properties_result_map == {"EMAIL": "SUCCESS", "QUESTION": "SUCCESS", "c$frombot": "SUCCESS"}
    state = emulator.engagement(engagement_id)
    assert (state.user_properties, state.custom_fields) == ({"EMAIL": "a@b.test", "QUESTION": "q"}, {"c$frombot": "1"})
    bot.ok(
        cp.ModifyPropertiesRequest(
            engagement_id=engagement_id, properties_map={"INCIDENT_ID": "5"}, type=cp.PropertyType.ENGAGEMENT
        )
    )
    assert emulator.engagement(engagement_id).engagement_properties == {"INCIDENT_ID": "5"}
    assert bot.error(
        cp.ModifyPropertiesRequest(engagement_id=engagement_id, custom_fields=[field], type=cp.PropertyType.ENGAGEMENT)
    ) == (400, "BAD_REQUEST", "customFields: custom fields are set with type USER only")
    assert bot.ok(cp.ModifyPropertiesRequest(engagement_id=engagement_id)).properties_result_map == {}


def test_retrieve_agents_and_queues() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot)
    other = open_driver(emulator, "13")
    emulator.queue_engagement()
    emulator.queue_engagement()
    response = bot.ok(
        cp.RetrieveAgentsAndQueuesRequest(
            id=12,
            include_agent_information=True,
            include_queue_information=True,
            include_queue_statistics=True,
            type="AGENT",
        )
    )
    assert response.agents == [
        {
            "accountId": "12",
            "clientId": 1,
            "clientIdString": "1",
            "status": "AVAILABLE",
            "engagementCount": 1,
            "mediaList": [],
        },
        {
            "accountId": "13",
            "clientId": 2,
            "clientIdString": "2",
            "status": "NONE",
            "engagementCount": 0,
            "mediaList": [],
        },
    ]
    assert response.queues == [
        {
            "id": 1,
            "idString": "1",
            "profileIdsList": [],
            "engagementsInQueue": 1,
            "totalAvailableAgents": 1,
            "availableAgentSessions": 1,
            "expectedWaitSeconds": 0,
        }
    ]
    plain = other.ok(
        cp.RetrieveAgentsAndQueuesRequest(
            id=0, include_agent_information=False, include_queue_information=False, include_queue_statistics=False
        )
    )
    assert (plain.agents, plain.queues) == (None, None)
    assert other.error(
        cp.RetrieveAgentsAndQueuesRequest(
            id=0, include_agent_information=True, include_queue_information=False, include_queue_statistics=False
        )
    ) == (400, "INVALID_FIELD", "type: an agent information type is required with includeAgentInformation")


# -- postMessage as a bot meets it -----------------------------------------------------------------


def test_a_post_may_come_from_any_session_of_the_agent_but_in_strict_mode_only_from_the_offered_one() -> None:
    for strict in (False, True):
        emulator = Emulator(strict=strict)
        first, second = open_driver(emulator), open_driver(emulator)
        engagement_id = emulator.start_engagement(first.session.session_id or "")
        event = post(second, engagement_id)
        if strict:
            assert (event.status, event.code, event.message) == (
                400,
                "INVALID_FIELD",
                f"destinationId: engagement {engagement_id} was never offered to this agent session (strict mode)",
            )
        else:
            assert isinstance(event, cp.ResponseReceived)
        assert isinstance(post(first, engagement_id), cp.ResponseReceived)


def test_a_post_after_the_end_user_left_is_conflict_and_conclude_release_still_succeed() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    emulator.end_user_leaves(engagement_id)
    event = post(bot, engagement_id)
    assert (event.status, event.code, event.message) == (
        409,
        "CONFLICT",
        f"the lead participant has left the engagement {engagement_id}",
    )
    bot.ok(cp.ConcludeEngagementRequest(engagement_id=engagement_id))
    bot.ok(cp.ReleaseEngagementRequest(engagement_id=engagement_id))


# -- Strict mode ---------------------------------------------------------------------------------


def raw_agent_request(driver: Driver, name: str, body: bytes) -> bytes:
    return request_bytes(
        body,
        target=f"/engagement/api/agent/{SITE}/v1/{name}?pool=297:1",
        session_id=driver.session.session_id,
        agent_id=driver.session.agent_id,
    )


def test_strict_mode_refuses_sequence_numbers_that_do_not_increase() -> None:
    for strict in (False, True):
        emulator = Emulator(strict=strict)
        assert emulator.strict is strict
        bot = open_driver(emulator)
        replies = []
        for number in (5, 5, 4, 6):
            _, event = receive(
                raw_agent_request(
                    bot, "setActivityStatus", b'{"status":"AVAILABLE","subTypeId":1,"sequenceNumber":%d}' % number
                )
            )
            assert not isinstance(event, cp.ConnectionClosed)
            reply = emulator.handle(event, now_ms=NOW_MS)
            replies.append((reply.status, reply.body.message if isinstance(reply.body, ErrorBody) else None))
        if strict:
            assert replies == [
                (200, None),
                (400, "sequenceNumber: 5 does not increase on the session's last one, 5 (strict mode)"),
                (400, "sequenceNumber: 4 does not increase on the session's last one, 5 (strict mode)"),
                (200, None),
            ]
        else:
            assert replies == [(200, None)] * 4


def test_strict_mode_refuses_a_second_poll_while_one_is_held() -> None:
    emulator = Emulator(strict=True)
    bot = open_driver(emulator)
    first = bot.send(cp.GetMessagesRequest())
    assert first.reply.hold is not None
    assert bot.twin().error(cp.GetMessagesRequest()) == (
        409,
        "CONFLICT",
        "getMessages: a poll is already held for this agent session; one at a time (strict mode)",
    )
    assert emulator.session(bot.session.session_id or "").polling


# -- Held polls ------------------------------------------------------------------------------------


def test_a_poll_with_nothing_queued_is_held_and_times_out_with_one_chat_get_timeout() -> None:
    emulator = Emulator(poll_hold_ms=1234)
    assert emulator.poll_hold_ms == 1234
    bot = open_driver(emulator)
    pending = bot.send(cp.GetMessagesRequest())
    assert pending.reply.hold == Hold(1, 1234)
    assert emulator.session(bot.session.session_id or "").polling
    event = pending.expire()
    assert messages_of(event.response) == [("ChatGetTimeout", {})]
    assert bot.answers[-1].partition(b"\r\n\r\n")[2].startswith(b'{"getResponseTypes":[{"ChatGetTimeout":{}}],')
    assert not emulator.session(bot.session.session_id or "").polling


def test_a_held_poll_is_woken_by_what_is_queued_for_its_session_only() -> None:
    emulator = Emulator()
    woken: list[int] = []
    emulator.set_wake_listener(woken.append)
    bot, other = open_driver(emulator), open_driver(emulator, "13")
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    theirs = emulator.start_engagement(other.session.session_id or "")
    pending = bot.send(cp.GetMessagesRequest())
    emulator.end_user_says(theirs, "not for you")
    assert woken == []
    emulator.end_user_says(engagement_id, "for you")
    emulator.end_user_says(engagement_id, "and this")
    assert woken == [pending.poll_id, pending.poll_id]
    event = pending.answer(emulator.answer_poll(pending.poll_id, now_ms=NOW_MS))
    assert [fields["body"] for _, fields in messages_of(event.response)] == ["for you", "and this"]
    emulator.set_wake_listener(None)
    emulator.end_user_says(engagement_id, "no listener")


def test_a_released_poll_frees_the_slot_and_keeps_what_was_queued() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    pending = bot.send(cp.GetMessagesRequest())
    pending.abandon()  # the client hung up, and the server loop saw it
    emulator.release_poll(pending.poll_id)
    assert not emulator.session(bot.session.session_id or "").polling
    with pytest.raises(EmulatorError, match=f"no poll {pending.poll_id} is held"):
        emulator.release_poll(pending.poll_id)
    with pytest.raises(EmulatorError, match=f"no poll {pending.poll_id} is held"):
        emulator.answer_poll(pending.poll_id, now_ms=NOW_MS)
    emulator.end_user_says(engagement_id, "later")
    assert [fields["body"] for _, fields in bot.poll()] == ["later"]


def test_a_second_poll_answers_the_first_with_a_timeout_and_takes_its_place() -> None:
    emulator = Emulator()
    woken: list[int] = []
    emulator.set_wake_listener(woken.append)
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    first = bot.send(cp.GetMessagesRequest())
    second = bot.twin().send(cp.GetMessagesRequest())  # our client allows one poll per session
    assert woken == [first.poll_id]
    assert messages_of(first.expire().response) == [("ChatGetTimeout", {})]
    emulator.end_user_says(engagement_id, "hi")
    assert woken == [first.poll_id, second.poll_id]
    assert [fields["body"] for _, fields in messages_of(second.expire().response)] == ["hi"]


def test_a_held_poll_of_a_session_that_logs_off_answers_a_timeout() -> None:
    emulator = Emulator()
    woken: list[int] = []
    emulator.set_wake_listener(woken.append)
    bot = open_driver(emulator)
    pending = bot.send(cp.GetMessagesRequest())
    Driver(emulator, bot.session).ok(cp.LogoffRequest(force_logoff=True))
    assert woken == [pending.poll_id]
    event = pending.expire()
    assert messages_of(event.response) == [("ChatGetTimeout", {})]
    assert event.response.session_id == bot.session.session_id


def test_a_held_poll_of_a_session_taken_over_answers_403() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    pending = bot.send(cp.GetMessagesRequest())
    heir = emulator.take_over(bot.session.session_id or "")
    event = pending.expire()
    assert (event.status, event.code, event.message) == (
        403,
        "ACCESS_DENIED",
        "the agent session was taken over by a newer logon of the same agent",
    )
    assert emulator.engagement(engagement_id).session_id == heir.session_id
    assert heir.agent_id == "12"


def test_messages_are_numbered_per_session_and_a_poll_carries_at_most_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chatproto.emulator import _store

    monkeypatch.setattr(_store, "DEFAULT_MAX_MESSAGES_PER_POLL", 2)
    emulator = Emulator()
    a, b = open_driver(emulator), open_driver(emulator, "13")
    mine = emulator.start_engagement(a.session.session_id or "")
    theirs = emulator.start_engagement(b.session.session_id or "")
    for text in ("1", "2", "3"):
        emulator.end_user_says(mine, text)
    emulator.end_user_says(theirs, "x")
    assert [f["sequenceNumber"] for _, f in a.poll()] == [1, 2]
    assert [f["sequenceNumber"] for _, f in a.poll()] == [3]
    assert [f["sequenceNumber"] for _, f in b.poll()] == [1]


def test_a_session_that_never_polls_keeps_only_the_newest_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatproto.emulator import _store

    monkeypatch.setattr(_store, "DEFAULT_MAX_PENDING_MESSAGES", 2)
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    held = emulator.stored_bytes
    for text in ("1", "2", "3"):
        emulator.end_user_says(engagement_id, text)
    assert emulator.session(bot.session.session_id or "").pending_messages == 2
    assert [f["body"] for _, f in bot.poll()] == ["2", "3"]
    assert emulator.stored_bytes > held


# -- Pool moves --------------------------------------------------------------------------------------


def test_a_pool_move_is_announced_and_the_old_pool_refused_once_delivered() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    session_id = bot.session.session_id or ""
    assert emulator.move_pool(session_id) == "297:2"
    state = emulator.session(session_id)
    assert (state.pool, state.pending_pool, state.pending_messages) == ("297:1", "297:2", 1)
    # Before the announcement is delivered, both pools serve the session.
    bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=1))
    bot.session.pool = "297:2"
    bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=1))
    bot.session.pool = "297:1"
    [(name, fields)] = bot.poll()
    assert (name, fields["name"], fields["value"]) == ("ChatConfigChangeNotification", CHAT_CLUSTER_POOL_ID, "297:2")
    assert (emulator.session(session_id).pool, emulator.session(session_id).pending_pool) == ("297:2", None)
    assert bot.session.pool == "297:2"  # the client followed the announcement by itself
    bot.session.pool = "297:1"  # as a client that did not follow it
    assert bot.error(cp.GetMessagesRequest()) == (
        403,
        "ACCESS_DENIED",
        "pool: the agent session moved from pool 297:1 to 297:2; 297:1 no longer serves it",
    )
    bot.session.renew(session_id)  # the 403 expired it; a client that follows the move
    bot.session.pool = "297:2"
    bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=1))
    bot.session.pool = "elsewhere"
    assert bot.error(cp.GetMessagesRequest())[2] == "pool: the agent session is not served by pool elsewhere"


def test_pool_moves_chain_and_take_a_pool_of_their_own() -> None:
    emulator = Emulator(pool="east")
    session_id = emulator.open_session("12").session_id
    assert emulator.move_pool(session_id) == "east:1"
    assert emulator.move_pool(session_id) == "east:2"  # from the pending one
    assert emulator.move_pool(session_id, "west:9") == "west:9"
    with pytest.raises(EmulatorError, match="pool may not contain"):
        emulator.move_pool(session_id, "a b")
    with pytest.raises(EmulatorError, match="no agent session"):
        emulator.move_pool("nobody")


# -- The poll faults ---------------------------------------------------------------------------------


def test_fault_drop_poll_loses_the_messages_for_good() -> None:
    emulator = Emulator(faults=FaultPlan(drop_poll=1.0))
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    empty = bot.send(cp.GetMessagesRequest())  # nothing to deliver: not eligible, held
    empty.abandon()
    emulator.release_poll(empty.poll_id)
    emulator.end_user_says(engagement_id, "lost")
    pending = bot.send(cp.GetMessagesRequest())
    assert pending.reply.drop
    assert pending.answer() is None
    emulator.set_faults(None)
    emulator.end_user_says(engagement_id, "found")
    # The client sees a gap in the numbers: 1 never came.
    assert [(f["sequenceNumber"], f["body"]) for _, f in bot.poll()] == [(2, "found")]


def test_fault_replay_sends_the_transcript_again_first() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    emulator.end_user_says(engagement_id, "one")
    bot.poll()
    emulator.set_faults(FaultPlan(replay=1.0))
    emulator.end_user_says(engagement_id, "two")
    pending = bot.send(cp.GetMessagesRequest())
    assert [(m.sequence_number, m.body) for m in pending.reply.body.messages] == [(1, "one"), (1 + 1, "two")]
    # The client delivers each message once: the replayed one is left out.
    assert [(f["sequenceNumber"], f["body"]) for _, f in messages_of(pending.answer().response)] == [(2, "two")]


def test_fault_replay_history_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatproto.emulator import _store

    monkeypatch.setattr(_store, "DEFAULT_REPLAY_HISTORY", 1)
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    for text in ("one", "two"):
        emulator.end_user_says(engagement_id, text)
        bot.poll()
    emulator.set_faults(FaultPlan(replay=1.0))
    emulator.end_user_says(engagement_id, "three")
    assert [m.body for m in bot.send(cp.GetMessagesRequest()).reply.body.messages] == ["two", "three"]


def test_fault_takeover_ends_the_session_at_a_poll() -> None:
    emulator = Emulator(faults=FaultPlan(takeover=1.0))
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    emulator.end_user_says(engagement_id, "hi")
    assert bot.error(cp.GetMessagesRequest()) == (
        403,
        "ACCESS_DENIED",
        "the agent session was taken over by a newer logon of the same agent",
    )
    holder = emulator.engagement(engagement_id).session_id
    assert holder is not None
    assert holder != bot.session.session_id
    assert emulator.session(holder).engagements == (engagement_id,)


def test_poll_faults_are_reproducible_and_counted_apart_from_posts() -> None:
    plan = FaultPlan(seed=3, drop_poll=0.3, replay=0.3, server_error=0.5)
    outcomes = []
    for _ in range(2):
        emulator = Emulator(faults=plan)
        bot = open_driver(emulator)
        engagement_id = emulator.start_engagement(bot.session.session_id or "")
        run = []
        for n in range(12):
            emulator.end_user_says(engagement_id, str(n))
            reply = bot.send(cp.GetMessagesRequest()).reply
            run.append("drop" if reply.drop else len(reply.body.messages))
        outcomes.append(run)
    assert outcomes[0] == outcomes[1]
    assert "drop" in outcomes[0]
    assert any(isinstance(n, int) and n > 1 for n in outcomes[0])
    assert [plan.poll_fault_for(n) for n in range(12)] != [plan.fault_for(n) for n in range(12)]


def test_the_poll_fault_rates_may_not_add_up_past_1() -> None:
    with pytest.raises(EmulatorError, match=r"the poll fault rates add up to 1\.2; at most one fault applies"):
        FaultPlan(replay=0.6, takeover=0.6)
    assert FaultPlan(replay=0.6, server_error=0.6).polls_active


# -- The end user's calls ------------------------------------------------------------------------


def test_end_user_calls_refuse_what_cannot_be() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    with pytest.raises(EmulatorError, match="body: a non-empty string is required"):
        emulator.end_user_says(engagement_id, "")
    with pytest.raises(EmulatorError, match="sneakPreview: a string is required"):
        emulator.end_user_types(engagement_id, 5)  # type: ignore[arg-type]
    with pytest.raises(EmulatorError, match="no engagement 99"):
        emulator.end_user_says(99, "x")
    emulator.end_user_leaves(engagement_id)  # still queued: nobody waits for it now
    assert emulator.engagement(engagement_id).status is EngagementStatus.RELEASED
    with pytest.raises(EmulatorError) as raised:
        emulator.end_user_leaves(engagement_id)
    assert (raised.value.status, str(raised.value)) == (
        409,
        f"engagement {engagement_id} is over: the end user can say no more",
    )


def test_the_end_user_who_left_an_offer_is_not_queued_again() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    ready(bot)
    engagement_id = emulator.queue_engagement()
    emulator.end_user_leaves(engagement_id)
    assert names_of(bot.poll()) == ["ChatEngagementAssignmentNotification", "ChatDisconnectNotification"]
    bot.ok(
        cp.AssignmentAcknowledgementRequest(
            action=cp.AssignmentAction.DECLINE,
            action_type=cp.AssignmentActionType.AUTO,
            assignment_type=cp.AssignmentType.LEAD,
            engagement_id=engagement_id,
        )
    )
    assert emulator.engagement(engagement_id).status is EngagementStatus.RELEASED


def test_conclude_engagement_ends_it_as_the_end_user_would() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    emulator.conclude_engagement(engagement_id)
    emulator.conclude_engagement(engagement_id)  # idempotent
    assert names_of(bot.poll()) == ["ChatDisconnectNotification"]
    state = emulator.engagement(engagement_id)
    assert (state.status, state.end_user_left) == (EngagementStatus.CONCLUDED, True)
    queued = emulator.queue_engagement()
    emulator.conclude_engagement(queued)
    assert emulator.engagement(queued).status is EngagementStatus.RELEASED


def test_end_user_input_is_charged_and_refused_past_the_bytes() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    tight = Emulator(max_stored_bytes=emulator.stored_bytes + 10)
    tight_bot = open_driver(tight)
    tight_engagement = tight.start_engagement(tight_bot.session.session_id or "")
    with pytest.raises(EmulatorError) as raised:
        tight.end_user_says(tight_engagement, "x" * 100)
    assert (raised.value.status, raised.value.code) == (503, "CAPACITY_EXCEEDED")
    with pytest.raises(EmulatorError):
        tight.end_user_types(tight_engagement, "x" * 100)
    before = emulator.stored_bytes
    emulator.end_user_says(engagement_id, "x" * 100)
    assert emulator.stored_bytes >= before + 200
    Driver(emulator, bot.session).ok(cp.LogoffRequest(force_logoff=True))


def test_tokens_past_their_bound_lapse_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatproto.emulator import _store

    monkeypatch.setattr(_store, "DEFAULT_MAX_TOKENS", 1)
    emulator = Emulator()
    first = log_on(emulator)
    log_on(emulator)
    session = cp.AgentSession(host=HOST, site=SITE, agent_id="12", token=first.session.token)
    assert Driver(emulator, session).error(cp.CreateAgentSessionRequest())[:2] == (403, "ACCESS_DENIED")


# -- Construction --------------------------------------------------------------------------------


@pytest.mark.parametrize("hold", [-1, 600_001, 1.5, "5"])
def test_the_poll_hold_is_bounded(hold: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match="poll_hold_ms must be an int from 0 to 600000"):
        Emulator(poll_hold_ms=hold)  # type: ignore[arg-type]


def test_engagement_details_must_be_text() -> None:
    with pytest.raises(EmulatorError, match="question: a string is required"):
        Emulator().queue_engagement(question=5)  # type: ignore[arg-type]
    with pytest.raises(EmulatorError, match="is not served here"):
        Emulator().queue_engagement(site="elsewhere")


def test_a_post_while_no_poll_is_held_says_so_once_the_session_polls() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    before = post(bot, engagement_id)  # a session that never polled is not told
    assert (before.response.chat_post_result.client_reset, before.poll_needed) == (0, False)
    held = bot.twin().send(cp.GetMessagesRequest())
    during = post(bot, engagement_id)
    assert (during.response.chat_post_result.client_reset, during.poll_needed) == (0, False)
    held.expire()
    after = post(bot, engagement_id)
    assert (after.response.chat_post_result.client_reset, after.poll_needed) == (2, True)


def test_a_takeover_with_no_room_for_the_new_session_is_503_to_the_held_poll() -> None:
    # The bytes hold the account, the session and a little more, but not a second session.
    emulator = Emulator(faults=FaultPlan(takeover=1.0), max_stored_bytes=Emulator().stored_bytes + 200)
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    held = bot.send(cp.GetMessagesRequest())
    emulator.end_user_says(engagement_id, "x")
    event = held.expire()
    assert (event.status, event.code) == (503, "CAPACITY_EXCEEDED")
    assert emulator.session(bot.session.session_id or "").pending_messages == 1  # nothing was lost
