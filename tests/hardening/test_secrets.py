"""Session ids and bearer tokens never appear whole in a repr, a str, a log
record or an exception message: of the core, of the emulator, or of the
transports' errors (and their chained causes)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import chatproto as cp
import transports
from chatproto.emulator import Emulator
from transports.emulator import BackgroundEmulator
from transports.sync import AgentClient

from .hardening_helpers import make_session, post_message
from .loopback import TIMEOUT, LoopbackServer, closed_port

# Secrets of this file's own rather than the reference's: values that appear
# nowhere else, so finding one in a text can only mean it leaked.
SESSION_ID = "node0secretsession0123456789abcdef"
TOKEN = "tokensecret.abcdefghijklmnop.0123456789"
SECRETS = (SESSION_ID, TOKEN)


def _assert_hidden(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, text


def _texts(exc: BaseException) -> Iterator[str]:
    """str and repr of an exception, its arguments and every exception it chains."""
    seen: BaseException | None = exc
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        yield from (repr(arg) for arg in seen.args)
        seen = seen.__cause__ or seen.__context__


def _session(**overrides: object) -> cp.AgentSession:
    return make_session(**{"session_id": SESSION_ID, "token": TOKEN, **overrides})


def test_the_session_and_the_connection_do_not_show_them() -> None:
    session = _session()
    conn = cp.ClientConnection(session)
    conn.send(post_message())
    _assert_hidden(repr(session), str(session), repr(conn), str(conn), repr(conn.pending_request))


@pytest.mark.parametrize("field", ["session_id", "token"])
def test_a_refused_value_is_named_not_shown(field: str) -> None:
    secret = {"session_id": SESSION_ID, "token": TOKEN}[field]
    for bad in (secret + "\r\n", secret + " ", "\x00" + secret, secret + "é"):
        with pytest.raises(cp.LocalProtocolError) as caught:
            _session(**{field: bad})
        _assert_hidden(*_texts(caught.value))


def test_a_renew_with_a_bad_value_does_not_show_it() -> None:
    with pytest.raises(cp.LocalProtocolError) as caught:
        _session().renew(SESSION_ID + "\n")
    _assert_hidden(*_texts(caught.value))


def test_server_events_do_not_show_them() -> None:
    wire = cp.ClientConnection(_session()).send(post_message())
    server = cp.ServerConnection()
    server.receive_data(
        wire
        + b"GET /other HTTP/1.1\r\nHost: x\r\nX-JSESSIONID: %s\r\nAuthorization: Bearer %s\r\n\r\n"
        % (SESSION_ID.encode(), TOKEN.encode())
    )
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert (event.session_id, event.token) == SECRETS
    _assert_hidden(repr(event), str(event))
    server.send_response(200)
    other = server.next_event()
    assert isinstance(other, cp.HTTPRequestReceived)
    _assert_hidden(repr(other), str(other))


@pytest.mark.parametrize(
    "bad_line",
    [
        b"Authorization: Bearer %s\x00" % TOKEN.encode(),
        b"X-JSESSIONID: %s\x00" % SESSION_ID.encode(),
        b"X-JSESSIONID %s" % SESSION_ID.encode(),
    ],
    ids=["token with NUL", "session id with NUL", "no colon"],
)
def test_a_malformed_request_line_holding_a_secret_is_not_quoted(bad_line: bytes) -> None:
    # h11 quotes the offending line in its message; the core keeps only its words.
    server = cp.ServerConnection()
    server.receive_data(b"POST /x HTTP/1.1\r\nHost: x\r\n" + bad_line + b"\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(cp.RemoteProtocolError) as caught:
        server.next_event()
    _assert_hidden(*_texts(caught.value))
    answer = server.send_error_for(caught.value)
    assert answer.startswith(b"HTTP/1.1 400 ")
    _assert_hidden(answer.decode("latin-1"))


def test_an_invalid_identity_header_is_named_not_shown() -> None:
    wire = cp.ClientConnection(_session()).send(post_message())
    server = cp.ServerConnection()
    server.receive_data(wire.replace(SESSION_ID.encode(), SESSION_ID.encode() + b"\x7f"))
    event = server.next_event()
    assert isinstance(event, cp.InvalidRequest)
    _assert_hidden(repr(event), event.message)


def test_the_emulator_does_not_show_them() -> None:
    emulator = Emulator(session_id_factory=lambda: SESSION_ID)
    info = emulator.open_session("12")
    assert info.session_id == SESSION_ID
    _assert_hidden(repr(info), str(info))
    for call in (
        lambda: emulator.open_session("12", session_id=SESSION_ID),  # already open
        lambda: emulator.session(SESSION_ID + "x"),
        lambda: emulator.start_engagement(SESSION_ID + "x"),
    ):
        with pytest.raises(cp.LocalProtocolError) as caught:
            call()
        _assert_hidden(*_texts(caught.value))


# -- The transports: errors, their causes, and every log record ------------------------------


def _client(url: str, session_id: str = SESSION_ID) -> AgentClient:
    return AgentClient(url, site="site1", agent_id="12", session_id=session_id, token=TOKEN, timeout=TIMEOUT)


def _failures(url_of_garbage: str, url_of_close: str) -> list[BaseException]:
    failures: list[BaseException] = []
    for url in (url_of_garbage, url_of_close, f"http://127.0.0.1:{closed_port()}"):
        with _client(url) as client:
            try:
                client.post_message("hello", destination_id=27)
            except (transports.TransportError, cp.ApiError) as exc:
                failures.append(exc)
            _assert_hidden(repr(client), str(client))
    return failures


def test_transport_errors_and_logs_do_not_show_them(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def garbage(conn: cp.ServerConnection, event: cp.ServerEvent) -> bytes:
        # A server that echoes the credentials in a malformed head.
        assert isinstance(event, cp.RequestReceived)
        return b"HTTP/1.1 200 OK\r\nX-Echo: %s %s\x00\r\nContent-Length: 2\r\n\r\n{}" % (
            (event.session_id or "").encode(),
            (event.token or "").encode(),
        )

    def close_mid_response(conn: cp.ServerConnection, event: cp.ServerEvent) -> bytes:
        assert isinstance(event, cp.RequestReceived)
        return conn.send_response(200, cp.PostMessageResponse(session_id=event.session_id), close=True)[:-5]

    with LoopbackServer(garbage) as bad, LoopbackServer(close_mid_response) as cut_short:
        failures = _failures(bad.http_url, cut_short.http_url)
    assert [type(failure) for failure in failures] == [
        transports.OutcomeUnknownProtocolError,
        transports.OutcomeUnknownProtocolError,
        transports.ConnectError,
    ]
    for failure in failures:
        _assert_hidden(*_texts(failure))
        if isinstance(failure, transports.TransportError) and failure.request is not None:
            _assert_hidden(repr(failure.request))
    _assert_hidden(*(caplog.text.splitlines()))


def test_api_errors_from_the_emulator_and_its_logs_do_not_show_them(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with BackgroundEmulator(Emulator(session_id_factory=lambda: "node0opened")) as server:
        server.open_session("12", site=server.emulator.sites[0])
        with AgentClient(
            server.url, site=server.emulator.sites[0], agent_id="12", session_id=SESSION_ID, token=TOKEN, timeout=5
        ) as client:
            with pytest.raises(cp.SessionExpiredError) as caught:
                client.post_message("hello", destination_id=27)
            _assert_hidden(*_texts(caught.value), repr(client))
    _assert_hidden(*(caplog.text.splitlines()))
