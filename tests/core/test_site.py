"""The site calls, client role: `SiteSession`, `SiteConnection` and their typed answers.

Requests are compared byte for byte with the golden files; every answer goes
through `client_outcome`, fed whole, byte by byte, in strides and at random
points, and (`client_outcome_with_trailing`) with bytes after it.
"""

from __future__ import annotations

from typing import Any

import pytest

import chatproto as cp
from tests.drivers import client_outcome, client_outcome_with_trailing
from tests.reference import (
    AGENT_TOKENS_BODY,
    AGENT_TOKENS_PATH,
    APP_CONTEXT,
    BASIC_CREDENTIALS,
    HOST,
    PASSWORD,
    SERVICE_SETTINGS_BODY,
    SERVICE_SETTINGS_PATH,
    SITE,
    SITE_HOST,
    TOKEN,
    USERNAME,
    golden,
    http_response,
    make_site,
)

SETTINGS = cp.ServiceSettingsRequest()
TOKENS = cp.AgentTokensRequest()
REFERENCE_SETTINGS = cp.ServiceSettings(
    domain=HOST,
    port=8084,
    pool="123:4",
    site_name=SITE,
    links=(
        cp.ServiceSettingsLink(
            rel="canonical", href=f"https://{SITE_HOST}{SERVICE_SETTINGS_PATH}", media_type="application/json"
        ),
    ),
)


def sent(request: cp.SiteRequest, **site: Any) -> cp.SiteConnection:
    conn = cp.SiteConnection(make_site(**site))
    conn.send(request)
    return conn


def outcome(data: bytes, request: cp.SiteRequest = SETTINGS, **kwargs: Any) -> list[object]:
    return client_outcome(data, make=lambda: sent(request), **kwargs)


def with_trailing(data: bytes, request: cp.SiteRequest = SETTINGS, **kwargs: Any) -> list[object]:
    return client_outcome_with_trailing(data, make=lambda: sent(request), **kwargs)


# --- the table ---------------------------------------------------------------------------------


def test_the_table_has_the_two_documented_calls_in_the_order_a_bot_makes_them() -> None:
    assert list(cp.SITE_OPERATIONS) == ["serviceSettings", "agentTokens"]
    settings, tokens = cp.SITE_OPERATIONS.values()
    assert (settings.method, settings.path, settings.request_type, settings.response_type) == (
        "GET",
        SERVICE_SETTINGS_PATH,
        cp.ServiceSettingsRequest,
        cp.ServiceSettings,
    )
    assert (tokens.method, tokens.path, tokens.request_type, tokens.response_type) == (
        "POST",
        AGENT_TOKENS_PATH,
        cp.AgentTokensRequest,
        cp.AgentTokens,
    )
    with pytest.raises(TypeError):
        cp.SITE_OPERATIONS["x"] = settings  # type: ignore[index]


# --- requests, byte for byte ------------------------------------------------------------------------


def test_service_settings_is_sent_byte_for_byte() -> None:
    data = cp.SiteConnection(make_site()).send(SETTINGS)
    assert data == (
        b"GET /services/rest/crossChannelServices/latest/serviceSettings/1 HTTP/1.1\r\n"
        b"Host: b2c-site.example.com\r\n"
        b"OSvC-CREST-Application-Context: chatproto bot\r\n"
        b"Authorization: " + BASIC_CREDENTIALS.encode() + b"\r\n"
        b"\r\n"
    )
    assert data == golden("request-servicesettings.http")


def test_agent_tokens_is_sent_byte_for_byte_with_the_body_the_sample_sends() -> None:
    data = cp.SiteConnection(make_site()).send(TOKENS)
    assert data == (
        b"POST /services/rest/crossChannelServices/latest/agentTokens HTTP/1.1\r\n"
        b"Host: b2c-site.example.com\r\n"
        b"Content-Type: application/json\r\n"
        b"OSvC-CREST-Application-Context: chatproto bot\r\n"
        b"Content-Length: 2\r\n"
        b"Authorization: " + BASIC_CREDENTIALS.encode() + b"\r\n"
        b"\r\n"
        b"{}"
    )
    assert data == golden("request-agenttokens.http")


def test_the_credentials_are_utf8_and_the_default_comment_is_chatproto() -> None:
    site = cp.SiteSession(host="h:8443", username="jos\u00e9", password="p\u00e4ss")
    assert site.app_context == "chatproto"
    data = cp.SiteConnection(site).send(SETTINGS)
    assert b"\r\nHost: h:8443\r\n" in data
    assert b"\r\nOSvC-CREST-Application-Context: chatproto\r\n" in data
    # base64 of "jos\xc3\xa9:p\xc3\xa4ss"
    assert data.endswith(b"\r\nAuthorization: Basic am9zw6k6cMOkc3M=\r\n\r\n")


def test_the_site_session_holds_what_it_was_given() -> None:
    site = make_site()
    assert (site.host, site.username, site.password, site.app_context) == (SITE_HOST, USERNAME, PASSWORD, APP_CONTEXT)
    assert cp.SiteConnection(site).site is site


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("host", "", "host may not be empty"),
        ("host", "a/b", "host may not contain '/' (at index 1)"),
        ("host", "a b", "host may not contain ' ' (at index 1)"),
        ("host", 1, "host must be a str, not int"),
        ("username", "", "username may not be empty"),
        ("username", "a:b", "username may not contain ':' (at index 1): it ends the user id"),
        ("username", "a\nb", "username may not contain a control character (at index 1)"),
        ("username", "a\x85b", "username may not contain a control character (at index 1)"),
        ("username", "a\ud800", "username is not encodable as UTF-8 (at index 1)"),
        ("username", None, "username must be a str, not NoneType"),
        ("password", "", "password may not be empty"),
        ("password", "ab\rc", "password may not contain a control character (at index 2)"),
        ("password", "ab\x7f", "password may not contain a control character (at index 2)"),
        ("password", "x\udc80", "password is not encodable as UTF-8 (at index 1)"),
        ("password", b"pw", "password must be a str, not bytes"),
        ("app_context", "", "app_context may not be empty"),
        ("app_context", "x" * 41, "app_context may be at most 40 characters, not 41"),
        ("app_context", "a\tb", "app_context may not contain '\\t' (at index 1)"),
        ("app_context", "caf\u00e9", "app_context may not contain '\u00e9' (at index 3)"),
        ("app_context", " bot", "app_context may not begin or end with a space: HTTP would drop it"),
        ("app_context", "bot ", "app_context may not begin or end with a space: HTTP would drop it"),
        ("app_context", 7, "app_context must be a str, not int"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(cp.LocalProtocolError) as caught:
        make_site(**{field: value})
    assert str(caught.value) == message


def test_a_comment_of_forty_characters_and_a_password_with_colons_are_fine() -> None:
    site = make_site(app_context="x" * 40, password="::")
    assert site.app_context == "x" * 40
    assert cp.SiteConnection(site).send(SETTINGS).endswith(b"Authorization: Basic Y2hhdGJvdDo6Og==\r\n\r\n")


def test_the_password_and_the_token_are_never_shown_whole() -> None:
    site = make_site(password="hunter2-secret-pass")
    assert repr(site) == (
        "SiteSession(host='b2c-site.example.com', username='chatbot', password=<19 chars ...ss>, "
        "app_context='chatproto bot')"
    )
    assert str(site) == repr(site)
    tokens = cp.AgentTokens(session_token=TOKEN)
    assert repr(tokens) == str(tokens) == "AgentTokens(session_token=<23 chars ...==>)"
    assert tokens.__rich_repr__() == [("session_token", "<23 chars ...==>")]
    event = cp.SiteResponseReceived(TOKENS, tokens)
    assert TOKEN not in repr(event)
    for bad in ("hunter2-secret-pass\n", "\x00hunter2-secret-pass"):
        with pytest.raises(cp.LocalProtocolError) as caught:
            make_site(password=bad)
        assert "hunter2" not in str(caught.value)
        assert "hunter2" not in repr(caught.value)


def test_a_token_that_is_not_a_header_value_is_refused_without_quoting_it() -> None:
    body = b'{"sessionToken":"secret token value"}'
    record = outcome(http_response(200, body), TOKENS)
    assert record == [("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]
    conn = sent(TOKENS)
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.RemoteProtocolError) as caught:
        conn.next_event()
    assert "`$.sessionToken`" in str(caught.value)
    assert "secret" not in str(caught.value)


# --- sending -------------------------------------------------------------------------------------


def test_only_a_site_request_is_sent() -> None:
    conn = cp.SiteConnection(make_site())
    with pytest.raises(cp.LocalProtocolError, match="GetMessagesRequest is not the request of any site call"):
        conn.send(cp.GetMessagesRequest())  # type: ignore[arg-type]
    assert conn.state is cp.ConnectionState.IDLE
    assert conn.pending_request is None


def test_the_connection_takes_a_site_session_and_limits() -> None:
    with pytest.raises(cp.LocalProtocolError, match="site must be a SiteSession, not AgentSession"):
        cp.SiteConnection(cp.AgentSession(host="h", site="s", agent_id="1"))  # type: ignore[arg-type]
    with pytest.raises(cp.LocalProtocolError, match="limits must be a Limits, not dict"):
        cp.SiteConnection(make_site(), limits={})  # type: ignore[arg-type]
    # A client connection refuses a site request as it refuses anything not an agent operation's.
    conn = cp.ClientConnection(cp.AgentSession(host="h", site="s", agent_id="1", session_id="x"))
    with pytest.raises(cp.LocalProtocolError, match="ServiceSettingsRequest is not the request of any agent operation"):
        conn.send(SETTINGS)  # type: ignore[arg-type]


def test_one_request_at_a_time() -> None:
    conn = sent(SETTINGS)
    assert conn.state is cp.ConnectionState.AWAITING_RESPONSE
    assert conn.pending_request is SETTINGS
    assert not conn.can_reuse
    with pytest.raises(cp.LocalProtocolError, match="a request is already in flight"):
        conn.send(TOKENS)
    assert conn.pending_request is SETTINGS


def test_both_calls_on_one_kept_alive_connection() -> None:
    conn = cp.SiteConnection(make_site())
    conn.send(SETTINGS)
    conn.receive_data(golden("response-200-servicesettings.http"))
    assert conn.next_event() == cp.SiteResponseReceived(SETTINGS, REFERENCE_SETTINGS)
    assert conn.state is cp.ConnectionState.IDLE
    assert conn.pending_request is None
    assert conn.send(TOKENS) == golden("request-agenttokens.http")
    conn.receive_data(golden("response-200-agenttokens.http"))
    assert conn.next_event() == cp.SiteResponseReceived(TOKENS, cp.AgentTokens(TOKEN))
    assert conn.next_event() is cp.NEED_DATA
    conn.receive_data(b"")
    assert conn.next_event() == cp.ConnectionClosed()
    assert conn.state is cp.ConnectionState.CLOSED
    with pytest.raises(cp.LocalProtocolError, match=r"cannot carry another request \(state CLOSED\)"):
        conn.send(SETTINGS)


@pytest.mark.parametrize("give_up", ["send_failed", "abandon"])
def test_a_failed_or_abandoned_exchange_is_never_reused(give_up: str) -> None:
    conn = sent(SETTINGS)
    getattr(conn, give_up)()
    assert conn.state is cp.ConnectionState.ERROR
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()
    with pytest.raises(cp.LocalProtocolError, match=r"state ERROR"):
        conn.send(SETTINGS)


# --- answers, fed every way ---------------------------------------------------------------------------


def test_the_service_settings_answer_decodes_to_the_documented_fields() -> None:
    record = with_trailing(golden("response-200-servicesettings.http"))
    assert record == [cp.SiteResponseReceived(SETTINGS, REFERENCE_SETTINGS), cp.ConnectionState.IDLE]


def test_the_agent_tokens_answer_decodes_to_the_session_token() -> None:
    record = with_trailing(golden("response-200-agenttokens.http"), TOKENS)
    assert record == [cp.SiteResponseReceived(TOKENS, cp.AgentTokens(session_token=TOKEN)), cp.ConnectionState.IDLE]
    event = record[0]
    assert isinstance(event, cp.SiteResponseReceived)
    assert isinstance(event.response, cp.AgentTokens)
    assert event.response.session_token == TOKEN


def test_a_created_token_is_a_success_too() -> None:
    record = with_trailing(http_response(201, AGENT_TOKENS_BODY, reason=b"Created"), TOKENS)
    assert record == [cp.SiteResponseReceived(TOKENS, cp.AgentTokens(TOKEN)), cp.ConnectionState.IDLE]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # The port as text, unknown fields, nulls: decoded tolerantly.
        (
            b'{"domain":"d","port":"443","pool":null,"siteName":"s","links":null,"extra":{"a":[1]}}',
            cp.ServiceSettings(domain="d", port=443, site_name="s"),
        ),
        (b'{"siteName":"s","domain":"d"}', cp.ServiceSettings(domain="d", site_name="s")),
        (
            b'{"domain":"d","siteName":"s","links":[{},{"rel":"self","x":1}]}',
            cp.ServiceSettings(
                domain="d", site_name="s", links=(cp.ServiceSettingsLink(), cp.ServiceSettingsLink(rel="self"))
            ),
        ),
    ],
)
def test_service_settings_are_decoded_tolerantly(body: bytes, expected: cp.ServiceSettings) -> None:
    assert with_trailing(http_response(200, body)) == [
        cp.SiteResponseReceived(SETTINGS, expected),
        cp.ConnectionState.IDLE,
    ]


@pytest.mark.parametrize(
    ("call", "body", "fragment"),
    [
        (SETTINGS, b'{"port":8084,"siteName":"s"}', "missing required field `domain`"),
        (SETTINGS, b'{"domain":"d"}', "missing required field `siteName`"),
        (SETTINGS, b'{"domain":"d","siteName":"s","port":0}', "`$.port`"),
        (SETTINGS, b'{"domain":"d","siteName":"s","port":65536}', "`$.port`"),
        (SETTINGS, b'{"domain":"d","siteName":"s","port":"80a"}', "`$.port`"),
        (SETTINGS, b'{"domain":1,"siteName":"s"}', "`$.domain`"),
        (SETTINGS, b'{"domain":"d","siteName":"s","links":{}}', "`$.links`"),
        (SETTINGS, b"", "truncated"),
        (SETTINGS, b"[]", "Expected `object`, got `array`"),
        (SETTINGS, b'{"domain":"\xff","siteName":"s"}', "malformed serviceSettings response body"),
        (SETTINGS, b'{"domain":"d","siteName":"s","x":"\xff"}', "malformed serviceSettings response body"),
        (TOKENS, b"{}", "missing required field `sessionToken`"),
        (TOKENS, b'{"sessionToken":""}', "`$.sessionToken`"),
        (TOKENS, b'{"sessionToken":null}', "`$.sessionToken`"),
        (TOKENS, b"not json", "malformed agentTokens response body"),
    ],
)
def test_an_answer_that_does_not_decode_is_a_protocol_error(
    call: cp.SiteRequest, body: bytes, fragment: str
) -> None:
    assert outcome(http_response(200, body), call) == [("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]
    conn = sent(call)
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.RemoteProtocolError, match="malformed") as caught:
        conn.next_event()
    assert fragment in str(caught.value)
    assert conn.pending_request is call  # the answer was never had


def test_an_answer_nested_too_deeply_exceeds_the_limit() -> None:
    body = b'{"domain":"d","siteName":"s","x":' + b"[" * 70 + b"]" * 70 + b"}"
    assert outcome(http_response(200, body)) == [
        ("raised", cp.LimitExceeded, "max_json_depth", 64),
        cp.ConnectionState.ERROR,
    ]


@pytest.mark.parametrize(
    ("status", "reason", "body", "code", "message"),
    [
        (
            401,
            b"Unauthorized",
            b'{"exceptionCode":"UNAUTHORIZED","message":"Bad credentials."}',
            "UNAUTHORIZED",
            "Bad credentials.",
        ),
        (401, b"Unauthorized", b"<html><body>Access denied</body></html>", None, None),
        (
            403,
            b"Forbidden",
            b'{"title":"Forbidden","status":403,"detail":"No chat permission."}',
            None,
            "No chat permission.",
        ),
        (
            400,
            b"Bad Request",
            b'{"exceptionCode":"BAD_REQUEST","message":"context too long"}',
            "BAD_REQUEST",
            "context too long",
        ),
        (500, b"Internal Server Error", b'{"exceptionCode":"UNKNOWN_EXCEPTION"}', "UNKNOWN_EXCEPTION", None),
        (502, b"Bad Gateway", b"", None, None),
        (503, b"Service Unavailable", b"[1]", None, None),
        (302, b"Found", b"", None, None),
    ],
)
def test_an_error_answer_is_typed_and_the_connection_must_close(
    status: int, reason: bytes, body: bytes, code: str | None, message: str | None
) -> None:
    for request in (SETTINGS, TOKENS):
        record = with_trailing(http_response(status, body, reason=reason), request)
        assert record == [cp.SiteErrorReceived(request, status, code, message), cp.ConnectionState.MUST_CLOSE]


def test_an_answer_the_site_ends_with_a_close_must_close() -> None:
    data = http_response(200, SERVICE_SETTINGS_BODY, headers=[(b"Connection", b"close")])
    record = outcome(data, eof=True)
    assert record == [
        cp.SiteResponseReceived(SETTINGS, REFERENCE_SETTINGS),
        cp.ConnectionClosed(),
        cp.ConnectionState.CLOSED,
    ]


def test_the_limits_hold_for_site_answers_too() -> None:
    limits = cp.Limits(max_body_bytes=100)
    record = client_outcome(
        golden("response-200-servicesettings.http"),
        make=lambda: _sent_with(limits),
    )
    assert record == [
        ("raised", cp.LimitExceeded, "max_body_bytes (declared Content-Length)", 100),
        cp.ConnectionState.ERROR,
    ]


def _sent_with(limits: cp.Limits) -> cp.SiteConnection:
    conn = cp.SiteConnection(make_site(), limits=limits)
    conn.send(SETTINGS)
    return conn


def test_a_close_before_the_answer_is_complete_is_an_error() -> None:
    data = golden("response-200-servicesettings.http")[:-5]
    assert outcome(data, eof=True) == [("raised", cp.PeerClosedEarly), cp.ConnectionState.ERROR]


def test_bytes_while_idle_fail_the_connection() -> None:
    conn = cp.SiteConnection(make_site())
    conn.receive_data(b"HTTP/1.1 200 OK\r\n")
    assert conn.state is cp.ConnectionState.ERROR
    with pytest.raises(cp.RemoteProtocolError, match="17 bytes arrived while no request was outstanding"):
        conn.next_event()


# --- answer_to ------------------------------------------------------------------------------------------


def test_answer_to_types_a_site_event_by_its_request() -> None:
    event = cp.SiteResponseReceived(SETTINGS, REFERENCE_SETTINGS)
    assert cp.answer_to(cp.ServiceSettingsRequest(), event) is event
    error = cp.SiteErrorReceived(TOKENS, 401, None, None)
    assert cp.answer_to(cp.AgentTokensRequest(), error) is error
    assert cp.answer_to(SETTINGS, cp.ConnectionClosed()) == cp.ConnectionClosed()
    with pytest.raises(cp.LocalProtocolError, match="answers a ServiceSettingsRequest, not a AgentTokensRequest"):
        cp.answer_to(TOKENS, event)  # type: ignore[arg-type]
    with pytest.raises(cp.LocalProtocolError, match="answers a ServiceSettingsRequest, not a GetMessagesRequest"):
        cp.answer_to(cp.GetMessagesRequest(), event)  # type: ignore[arg-type]
    with pytest.raises(cp.LocalProtocolError, match="is not an event of a ClientConnection or a SiteConnection"):
        cp.answer_to(SETTINGS, cp.NEED_DATA)  # type: ignore[arg-type]
