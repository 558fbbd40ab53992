"""The server role reads the site calls, and the agent calls as Oracle's own client sends them.

Every request goes through `first_server_event`, fed whole, byte by byte, in
strides, at random points and with trailing bytes, or through
`server_outcome`.
"""

from __future__ import annotations

import base64

import pytest

import chatproto as cp
from tests.core.helpers import minimal_request
from tests.drivers import first_server_event, server_outcome
from tests.reference import (
    AGENT_ID,
    AGENT_TOKENS_PATH,
    APP_CONTEXT,
    BASIC_CREDENTIALS,
    PASSWORD,
    POOL,
    SERVICE_SETTINGS_PATH,
    SESSION_ID,
    SITE,
    SITE_HOST,
    TOKEN,
    USERNAME,
    bearer_session,
    golden,
    make_site,
    request_bytes,
)

SERVICE_SETTINGS = cp.SITE_OPERATIONS["serviceSettings"]
AGENT_TOKENS = cp.SITE_OPERATIONS["agentTokens"]


def site_call(
    path: str = SERVICE_SETTINGS_PATH,
    *,
    method: bytes = b"GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
) -> bytes:
    """A site call as a client writes it; ``headers`` replace the credentials and the comment."""
    if headers is None:
        headers = [(b"Authorization", BASIC_CREDENTIALS.encode()), (b"OSvC-CREST-Application-Context", b"bot")]
    lines = [method + b" " + path.encode() + b" HTTP/1.1", b"Host: " + SITE_HOST.encode()]
    lines.extend(name + b": " + value for name, value in headers)
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def event_of(data: bytes) -> cp.ServerEvent:
    conn, event = first_server_event(data)
    # Every one of these is answered, and the connection carries on.
    if isinstance(event, cp.InvalidRequest):
        conn.send_error(event.status, event.code, event.message)
    else:
        conn.send_response(200, {})
    assert conn.can_reuse
    return event


def basic(credentials: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Authorization", b"Basic " + base64.b64encode(credentials))]


# --- the site calls ----------------------------------------------------------------------------


def test_the_golden_site_requests_are_typed_site_calls() -> None:
    event = event_of(golden("request-servicesettings.http"))
    assert isinstance(event, cp.SiteRequestReceived)
    assert (event.operation, event.username, event.password, event.app_context, event.request) == (
        SERVICE_SETTINGS,
        USERNAME,
        PASSWORD,
        APP_CONTEXT,
        cp.ServiceSettingsRequest(),
    )
    # Still the plain HTTP request it is, for a server that does not serve the site calls.
    assert isinstance(event, cp.HTTPRequestReceived)
    assert (event.method, event.path, event.query, event.body) == ("GET", SERVICE_SETTINGS_PATH, "", b"")
    assert ("host", SITE_HOST) in event.headers

    event = event_of(golden("request-agenttokens.http"))
    assert isinstance(event, cp.SiteRequestReceived)
    assert (event.operation, event.username, event.password, event.app_context, event.request) == (
        AGENT_TOKENS,
        USERNAME,
        PASSWORD,
        APP_CONTEXT,
        cp.AgentTokensRequest(),
    )
    assert (event.method, event.path, event.body) == ("POST", AGENT_TOKENS_PATH, b"{}")


def test_the_whole_site_exchange_through_the_server_role() -> None:
    site = cp.SiteConnection(make_site())
    settings = cp.ServiceSettings(domain="127.0.0.1", port=8080, pool="1:1", site_name=SITE)
    record = server_outcome(
        site.send(cp.ServiceSettingsRequest()), respond=lambda conn, event: conn.send_response(200, settings)
    )
    assert isinstance(record[0], cp.SiteRequestReceived)
    answer = record[1]
    assert isinstance(answer, bytes)
    assert answer.endswith(
        b'\r\n\r\n{"domain":"127.0.0.1","port":8080,"pool":"1:1","siteName":"day001_221100_sql_001h","links":null}'
    )
    site.receive_data(answer)
    assert site.next_event() == cp.SiteResponseReceived(cp.ServiceSettingsRequest(), settings)
    server = cp.ServerConnection()
    server.receive_data(site.send(cp.AgentTokensRequest()))
    assert isinstance(server.next_event(), cp.SiteRequestReceived)
    site.receive_data(server.send_error(401, "UNAUTHORIZED", "Bad credentials."))
    assert site.next_event() == cp.SiteErrorReceived(cp.AgentTokensRequest(), 401, "UNAUTHORIZED", "Bad credentials.")


@pytest.mark.parametrize(
    ("headers", "username", "password", "app_context"),
    [
        # Header names and the scheme in any case.
        (
            [(b"AUTHORIZATION", BASIC_CREDENTIALS.encode()), (b"osvc-crest-application-context", b"x")],
            USERNAME,
            PASSWORD,
            "x",
        ),
        ([(b"authorization", b"bAsIc " + BASIC_CREDENTIALS[6:].encode())], USERNAME, PASSWORD, None),
        ([(b"Authorization", b"Basic   " + BASIC_CREDENTIALS[6:].encode() + b"  ")], USERNAME, PASSWORD, None),
        # No credentials, or another scheme: well formed; logging on is the server's to refuse.
        ([], None, None, None),
        ([(b"Authorization", b"Bearer " + TOKEN.encode())], None, None, None),
        ([(b"Authorization", b"Basicx")], None, None, None),
        # A ':' belongs to the password after the first; empty parts are the server's to refuse.
        (basic(b"u:p:q"), "u", "p:q", None),
        (basic(b":"), "", "", None),
        (basic("jos\u00e9:p\u00e4ss".encode()), "jos\u00e9", "p\u00e4ss", None),
        # Not UTF-8: read as Latin-1.
        (basic("jos\u00e9:p\u00e4ss".encode("latin-1")), "jos\u00e9", "p\u00e4ss", None),
        # An empty comment is none.
        ([(b"OSvC-CREST-Application-Context", b"")], None, None, None),
        ([(b"OSvC-CREST-Application-Context", b"x" * 40)], None, None, "x" * 40),
        ([(b"OSvC-CREST-Application-Context", b"  two words  ")], None, None, "two words"),
    ],
)
def test_the_credentials_and_the_comment(
    headers: list[tuple[bytes, bytes]], username: str | None, password: str | None, app_context: str | None
) -> None:
    event = event_of(site_call(headers=headers))
    assert isinstance(event, cp.SiteRequestReceived)
    assert (event.username, event.password, event.app_context) == (username, password, app_context)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([(b"Authorization", b"Basic !!!!")], "Authorization: the Basic credentials are not base64"),
        ([(b"Authorization", b"Basic Y2hhdGJvdA")], "Authorization: the Basic credentials are not base64"),
        ([(b"Authorization", b"Basic \xe9\xe9\xe9\xe9")], "Authorization: the Basic credentials are not base64"),
        (
            [(b"Authorization", b"Basic")],
            "Authorization: the Basic credentials hold no ':' between user id and password",
        ),
        (basic(b"chatbot"), "Authorization: the Basic credentials hold no ':' between user id and password"),
        (basic(b"chat\nbot:pw"), "Authorization: the Basic credentials hold a control character (at index 4)"),
        (basic(b"chatbot:p\x00w"), "Authorization: the Basic credentials hold a control character (at index 9)"),
        (
            [(b"Authorization", BASIC_CREDENTIALS.encode()), (b"authorization", BASIC_CREDENTIALS.encode())],
            "authorization given more than once",
        ),
        (
            [(b"OSvC-CREST-Application-Context", b"x" * 41)],
            "OSvC-CREST-Application-Context may be at most 40 characters, not 41",
        ),
        (
            [(b"OSvC-CREST-Application-Context", b"a\tb")],
            "OSvC-CREST-Application-Context may not contain '\\t' (at index 1)",
        ),
        (
            [(b"OSvC-CREST-Application-Context", b"caf\xe9")],
            "OSvC-CREST-Application-Context may not contain '\u00e9' (at index 3)",
        ),
        (
            [(b"OSvC-CREST-Application-Context", b"a"), (b"OSVC-CREST-APPLICATION-CONTEXT", b"b")],
            "osvc-crest-application-context given more than once",
        ),
    ],
)
def test_unreadable_credentials_or_a_bad_comment_are_400(headers: list[tuple[bytes, bytes]], message: str) -> None:
    event = event_of(site_call(headers=headers))
    assert event == cp.InvalidRequest(400, "BAD_REQUEST", message, site_operation=SERVICE_SETTINGS)


def test_the_password_is_never_shown_whole() -> None:
    password = "hunter2-secret-pass"
    headers = basic(f"{USERNAME}:{password}".encode())
    event = event_of(site_call(headers=headers))
    assert isinstance(event, cp.SiteRequestReceived)
    assert event.password == password
    secrets = (password, headers[0][1].decode()[6:])
    shown = repr(event) + str(event) + repr(event.__rich_repr__())
    assert not any(secret in shown for secret in secrets), shown
    assert repr(event) == (
        "SiteRequestReceived(method='GET', path='/services/rest/crossChannelServices/latest/serviceSettings/1', "
        "query='', headers=(('host', 'b2c-site.example.com'), ('authorization', '<42 chars ...Nz>')), body=b'', "
        "operation='serviceSettings', username='chatbot', password='<19 chars ...ss>', app_context=None, "
        "request=ServiceSettingsRequest())"
    )
    for bad in (f"{USERNAME}:{password}\x01", f"{USERNAME}\x00:{password}"):
        invalid = event_of(site_call(headers=basic(bad.encode())))
        assert isinstance(invalid, cp.InvalidRequest)
        assert "hunter2" not in repr(invalid)


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "call", "message"),
    [
        (
            b"GET",
            "/services/rest/crossChannelServices/latest/serviceSettings/2",
            404,
            "NOT_FOUND",
            None,
            "no site call at",
        ),
        (b"GET", "/services/rest/crossChannelServices/latest/", 404, "NOT_FOUND", None, "no site call at"),
        (b"GET", AGENT_TOKENS_PATH + "/", 404, "NOT_FOUND", None, "no site call at"),
        (
            b"POST",
            SERVICE_SETTINGS_PATH,
            405,
            "METHOD_NOT_ALLOWED",
            SERVICE_SETTINGS,
            "serviceSettings takes GET, not POST",
        ),
        (
            b"HEAD",
            SERVICE_SETTINGS_PATH,
            405,
            "METHOD_NOT_ALLOWED",
            SERVICE_SETTINGS,
            "serviceSettings takes GET, not HEAD",
        ),
        (b"GET", AGENT_TOKENS_PATH, 405, "METHOD_NOT_ALLOWED", AGENT_TOKENS, "agentTokens takes POST, not GET"),
    ],
)
def test_an_unknown_site_resource_or_the_wrong_method(
    method: bytes, path: str, status: int, code: str, call: cp.SiteOperation | None, message: str
) -> None:
    event = event_of(site_call(path, method=method))
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.operation, event.site, event.site_operation) == (
        status,
        code,
        None,
        None,
        call,
    )
    assert event.message.startswith(message)


def test_other_paths_beside_the_site_calls_stay_plain_requests() -> None:
    for path in ("/services/rest/crossChannelServices/v1.4/serviceSettings/1", "/services/rest/connect/latest"):
        event = event_of(site_call(path))
        assert type(event) is cp.HTTPRequestReceived


def test_a_query_is_kept_and_a_body_of_the_get_is_no_input() -> None:
    event = event_of(site_call(SERVICE_SETTINGS_PATH + "?x=1", body=b"not json"))
    assert isinstance(event, cp.SiteRequestReceived)
    assert (event.query, event.body, event.request) == ("x=1", b"not json", cp.ServiceSettingsRequest())


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", None),
        (b"{}", b"application/json"),
        (b"{ }", b"Application/JSON; charset=UTF-8"),
        (b'{"ignored": [1, {"a": null}]}', b"application/json"),
    ],
)
def test_agent_tokens_takes_an_empty_body_or_an_object(body: bytes, content_type: bytes | None) -> None:
    headers = [(b"Authorization", BASIC_CREDENTIALS.encode())]
    if content_type is not None:
        headers.append((b"Content-Type", content_type))
    event = event_of(site_call(AGENT_TOKENS_PATH, method=b"POST", headers=headers, body=body))
    assert isinstance(event, cp.SiteRequestReceived)
    assert (event.request, event.body) == (cp.AgentTokensRequest(), body)


@pytest.mark.parametrize(
    ("body", "content_type", "code", "message"),
    [
        (b"{}", None, "BAD_REQUEST", "agentTokens: a body's Content-Type must be application/json"),
        (b"{}", b"text/plain", "BAD_REQUEST", "agentTokens: a body's Content-Type must be application/json"),
        (
            b"[]",
            b"application/json",
            "INVALID_FIELD",
            "invalid agentTokens request body: Expected `object`, got `array`",
        ),
        (b"nope", b"application/json", "INVALID_FIELD", "invalid agentTokens request body: JSON is malformed"),
        (b'{"a":"\xff"}', b"application/json", "INVALID_FIELD", "invalid agentTokens request body: "),
        (b"[" * 65 + b"]" * 65, b"application/json", "BAD_REQUEST", "request body: max_json_depth exceeded: 65 > 64"),
    ],
)
def test_agent_tokens_refuses_another_body(body: bytes, content_type: bytes | None, code: str, message: str) -> None:
    headers = [] if content_type is None else [(b"Content-Type", content_type)]
    event = event_of(site_call(AGENT_TOKENS_PATH, method=b"POST", headers=headers, body=body))
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.site_operation) == (400, code, AGENT_TOKENS)
    assert event.message.startswith(message)


def test_a_repeated_content_type_is_400() -> None:
    headers = [(b"Content-Type", b"application/json"), (b"Content-Type", b"application/json")]
    event = event_of(site_call(AGENT_TOKENS_PATH, method=b"POST", headers=headers, body=b"{}"))
    assert event == cp.InvalidRequest(
        400, "BAD_REQUEST", "content-type given more than once", site_operation=AGENT_TOKENS
    )


# --- agent calls as Oracle's own client sends them ------------------------------------------------------


def test_the_oracle_client_form_of_an_agent_call() -> None:
    """Header names in other cases, no charset, a bearer token and the comment on getMessages."""
    event = event_of(golden("request-getmessages-oracle-client.http"))
    assert event == cp.RequestReceived(
        cp.OPERATIONS["getMessages"], SITE, POOL, AGENT_ID, SESSION_ID, TOKEN, cp.GetMessagesRequest(), APP_CONTEXT
    )


@pytest.mark.parametrize("name", list(cp.OPERATIONS))
def test_every_agent_call_exposes_the_bearer_token_and_the_comment(name: str) -> None:
    operation = cp.OPERATIONS[name]
    sent = cp.ClientConnection(bearer_session()).send(minimal_request(operation))
    # As Oracle's client: the comment added, header names and the scheme in other cases.
    data = (
        sent.replace(b"\r\nHost: ", b"\r\nOSvC-CREST-Application-Context: " + APP_CONTEXT.encode() + b"\r\nhost: ")
        .replace(b"\r\nAuthorization: Bearer ", b"\r\nauthorization: bearer ")
        .replace(b"\r\nX-AID: ", b"\r\nx-aid: ")
        .replace(b"; charset=utf-8", b"")
    )
    event = event_of(data)
    assert isinstance(event, cp.RequestReceived)
    assert (event.operation, event.token, event.agent_id, event.session_id, event.app_context) == (
        operation,
        TOKEN,
        None if operation.name == "createAutomatedAgentSession" else AGENT_ID,
        None if operation.name == "createAutomatedAgentSession" else SESSION_ID,
        APP_CONTEXT,
    )
    assert APP_CONTEXT in repr(event)
    assert TOKEN not in repr(event)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"x" * 41, "OSvC-CREST-Application-Context may be at most 40 characters, not 41"),
        (b"a\x7fb", "OSvC-CREST-Application-Context may not contain '\\x7f' (at index 1)"),
    ],
)
def test_a_bad_comment_on_an_agent_call_is_400(value: bytes, message: str) -> None:
    data = request_bytes(
        b'{"body":"Hi","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT"}',
        headers=[(b"OSvC-CREST-Application-Context", value)],
    )
    assert event_of(data) == cp.InvalidRequest(400, "BAD_REQUEST", message, cp.OPERATIONS["postMessage"], SITE)


def test_an_agent_call_without_the_comment_has_none() -> None:
    event = event_of(golden("request-postmessage-reference.http"))
    assert isinstance(event, cp.RequestReceived)
    assert event.app_context is None
