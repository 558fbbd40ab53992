"""Behaviour every client shares, run against sync, anyio (asyncio and trio) and trio.

Each test talks to a real server on loopback (`transport_server.ChatServer`)
through `make_client`, which yields blocking wrappers around the three
clients.
"""

from __future__ import annotations

import ssl
import time

import msgspec
import pytest
import trustme
from tests.reference import SITE
from transport_clients import ClientFactory
from transport_server import Act, ChatServer, OnAccept, refused_port

import chatproto as cp
import transports


def test_post_message_returns_the_typed_response(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url, pool="297:1", clock=lambda: 1_700_000_000.123)

    response = client.post_message("Hello", destination_id=27)

    assert type(response) is cp.PostMessageResponse
    assert response.sequence_number == 1
    assert response.chat_post_result == cp.ChatPostResult(client_reset=0)
    assert response.client_id == 4242
    _, received = server.requests[0]
    assert received.operation.name == "postMessage"
    assert (received.site, received.pool, received.agent_id) == (SITE, "297:1", "12")
    assert received.session_id == "node01h8m13tljpm7ns8nayp0pid91"
    assert received.request == cp.PostMessageRequest(
        body="Hello",
        destination_id=27,
        destination_type=cp.DestinationType.ENGAGEMENT,
        sequence_number=1,
        time_created=1_700_000_000_123,
    )
    assert client.session.last_sequence_number == 1


def test_the_request_bytes_carry_the_host_from_the_url(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url, clock=lambda: 1_700_000_000.0)

    client.post_message("Hi", destination_id=27)

    body = b'{"body":"Hi","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT",'
    body += b'"sequenceNumber":1,"timeCreated":1700000000000}'
    expected = (
        f"POST /engagement/api/agent/{SITE}/v1/postMessage HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        "X-AID: 12\r\n"
        "X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    ).encode() + body
    assert bytes(server.raw[0]) == expected


def test_every_optional_field_reaches_the_server(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)

    client.post_message(
        "<b>Hi</b>",
        destination_id=99,
        destination_type=cp.DestinationType.END_USER,
        message_id="m-1",
        rich_text=True,
        visibility=cp.Visibility.NOT_ENDUSER,
        message_data_map={"k": "v"},
        time_created=5,
        sequence_number=40,
    )

    assert server.requests[0][1].request == cp.PostMessageRequest(
        body="<b>Hi</b>",
        destination_id=99,
        destination_type=cp.DestinationType.END_USER,
        message_data_map={"k": "v"},
        message_id="m-1",
        rich_text=True,
        sequence_number=40,
        time_created=5,
        visibility=cp.Visibility.NOT_ENDUSER,
    )
    assert client.session.last_sequence_number == 40


def test_send_takes_a_ready_request_and_stamps_only_an_unset_time(
    server: ChatServer, make_client: ClientFactory
) -> None:
    client = make_client(server.url, clock=lambda: 1_700_000_000.5)
    request = cp.PostMessageRequest(body="a", destination_id=1, destination_type=cp.DestinationType.ENGAGEMENT)

    first = client.send(request)
    second = client.send(msgspec.structs.replace(request, time_created=7))

    assert type(first) is cp.PostMessageResponse
    assert (first.sequence_number, second.sequence_number) == (1, 2)
    times = [received.request.time_created for _, received in server.requests]  # type: ignore[attr-defined]
    assert times == [1_700_000_000_500, 7]


def test_sequential_posts_reuse_one_connection(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)

    numbers = [client.post_message(f"message {i}", destination_id=27).sequence_number for i in range(40)]

    assert numbers == list(range(1, 41))
    assert server.sequence_numbers() == numbers
    assert server.connections_opened == 1
    assert client.idle_count() == 1


def test_a_given_session_continues_its_numbering(server: ChatServer, make_client: ClientFactory) -> None:
    session = cp.AgentSession(host="chat.example.com", site=SITE, agent_id=12, session_id="s1", last_sequence_number=99)
    client = make_client(server.url, session=session, site=None, agent_id=None, session_id=None)

    assert client.post_message("Hi", destination_id=27).sequence_number == 100

    assert client.session is session
    assert session.last_sequence_number == 100
    assert b"\r\nHost: chat.example.com\r\n" in server.raw[0]


@pytest.mark.parametrize(
    ("act", "error_type", "status", "code"),
    [
        (Act.ERROR_400, cp.ApiError, 400, "INVALID_FIELD"),
        (Act.ERROR_409, cp.ConflictError, 409, "CONFLICT"),
        (Act.ERROR_500, cp.ApiError, 500, None),
    ],
)
def test_an_error_answer_raises_api_error_and_the_next_call_uses_a_fresh_connection(
    server: ChatServer, make_client: ClientFactory, act: Act, error_type: type[cp.ApiError], status: int, code: str
) -> None:
    client = make_client(server.url)
    server.script(act)

    with pytest.raises(cp.ApiError) as caught:
        client.post_message("Hi", destination_id=27)

    assert type(caught.value) is error_type
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.request is not None
    assert caught.value.request.sequence_number == 1  # type: ignore[attr-defined]
    assert client.post_message("again", destination_id=27).sequence_number == 2
    # After an error answer the core says the connection may not be reused.
    assert server.connections_opened == 2


def test_a_403_expires_the_session(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    server.script(Act.ERROR_403)

    with pytest.raises(cp.SessionExpiredError) as caught:
        client.post_message("Hi", destination_id=27)

    assert (caught.value.status, caught.value.code, caught.value.message) == (403, "ACCESS_DENIED", "unknown session")
    assert client.session.expired
    with pytest.raises(cp.LocalProtocolError, match="expired"):
        client.post_message("Hi", destination_id=27)
    client.session.renew("node02")
    assert client.post_message("Hi", destination_id=27).sequence_number == 2
    assert len(server.requests) == 2


def test_an_invalid_request_sends_nothing_and_leaves_the_connection_usable(
    server: ChatServer, make_client: ClientFactory
) -> None:
    client = make_client(server.url)
    client.post_message("first", destination_id=27)

    with pytest.raises(cp.LocalProtocolError, match="destinationId"):
        client.post_message("Hi", destination_id=2**63)

    assert client.post_message("second", destination_id=27).sequence_number == 2
    assert server.sequence_numbers() == [1, 2]
    assert server.connections_opened == 1


def test_connection_close_from_the_server_opens_a_new_connection(
    server: ChatServer, make_client: ClientFactory
) -> None:
    client = make_client(server.url)
    server.script(Act.OK_CONNECTION_CLOSE)

    assert client.post_message("one", destination_id=27).sequence_number == 1
    assert client.post_message("two", destination_id=27).sequence_number == 2

    assert server.connections_opened == 2
    assert [index for index, _ in server.requests] == [0, 1]


def test_an_idle_connection_the_server_closed_is_not_reused(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    server.script(Act.OK_THEN_CLOSE)
    client.post_message("one", destination_id=27)
    server.wait_for(lambda s: s.server_closes == 1)

    # No OutcomeUnknownError: the dead connection is noticed before anything is written to it.
    assert client.post_message("two", destination_id=27).sequence_number == 2

    assert server.connections_opened == 2
    assert [index for index, _ in server.requests] == [0, 1]


@pytest.mark.parametrize(
    ("act", "cause_type"),
    [
        (Act.CLOSE, cp.PeerClosedEarly),
        (Act.PARTIAL, cp.PeerClosedEarly),
        (Act.GARBAGE, cp.RemoteProtocolError),
        (Act.WRONG_SEQUENCE, cp.SequenceMismatch),
    ],
)
def test_a_broken_answer_is_outcome_unknown_and_a_protocol_error(
    server: ChatServer, make_client: ClientFactory, act: Act, cause_type: type[Exception]
) -> None:
    client = make_client(server.url)
    client.post_message("warm up", destination_id=27)
    server.script(act)

    with pytest.raises(transports.OutcomeUnknownProtocolError) as caught:
        client.post_message("Hi", destination_id=27)

    error = caught.value
    assert isinstance(error, transports.OutcomeUnknownError)
    assert isinstance(error, cp.RemoteProtocolError)
    assert isinstance(error.__cause__, cause_type)
    assert error.request is not None
    assert error.request.sequence_number == 2  # type: ignore[attr-defined]
    assert "#2" in str(error)
    # The next call works, on a fresh connection.
    assert client.post_message("recovered", destination_id=27).sequence_number == 3
    assert server.connections_opened == 2
    assert client.idle_count() == 1


def test_a_reset_is_outcome_unknown(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    server.script(Act.RESET)

    with pytest.raises(transports.OutcomeUnknownError) as caught:
        client.post_message("Hi", destination_id=27)

    assert not isinstance(caught.value, transports.TransportTimeout)
    assert caught.value.__cause__ is not None
    assert client.post_message("recovered", destination_id=27).sequence_number == 2
    assert server.connections_opened == 2


def test_a_connection_closed_on_accept_is_outcome_unknown(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    server.script_accept(OnAccept.CLOSE)

    with pytest.raises(transports.OutcomeUnknownError):
        client.post_message("Hi", destination_id=27)

    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_a_silent_server_times_out_within_the_timeout(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url, timeout=0.3)
    server.script(Act.HANG)

    started = time.monotonic()
    with pytest.raises(transports.OutcomeUnknownTimeout) as caught:
        client.post_message("Hi", destination_id=27)
    elapsed = time.monotonic() - started

    assert 0.25 <= elapsed < 2.0
    assert isinstance(caught.value, transports.TransportTimeout)
    assert caught.value.request is not None
    server.wait_for(lambda s: s.client_closes == 1)
    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_a_dripping_server_cannot_stretch_the_timeout(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url, timeout=0.5)
    server.script(Act.DRIP)  # about 12 s for the whole response, one byte every 50 ms

    started = time.monotonic()
    with pytest.raises(transports.OutcomeUnknownTimeout):
        client.post_message("Hi", destination_id=27)
    elapsed = time.monotonic() - started

    assert 0.45 <= elapsed < 2.0
    server.wait_for(lambda s: s.client_closes == 1)
    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_a_write_the_server_never_reads_times_out_as_outcome_unknown(
    server: ChatServer, make_client: ClientFactory
) -> None:
    client = make_client(server.url, timeout=0.3)
    server.script_accept(OnAccept.NEVER_READ)
    # Far more than the socket buffers hold, so the write itself has to wait.
    body = "x" * (32 * 1024 * 1024)

    started = time.monotonic()
    with pytest.raises(transports.OutcomeUnknownTimeout) as caught:
        client.post_message(body, destination_id=27)

    assert time.monotonic() - started < 2.0
    assert caught.value.request is not None
    assert caught.value.request.sequence_number == 1  # type: ignore[attr-defined]
    assert client.idle_count() == 0
    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_ipv6_loopback(make_client: ClientFactory) -> None:
    with ChatServer(host="::1") as server:
        client = make_client(server.url)
        assert client.post_message("Hi", destination_id=27).sequence_number == 1
        client.close()

    assert server.url == f"http://[::1]:{server.port}"
    assert f"\r\nHost: [::1]:{server.port}\r\n".encode() in server.raw[0]


def test_a_refused_connection_is_a_connect_error(make_client: ClientFactory) -> None:
    client = make_client(f"http://127.0.0.1:{refused_port()}")

    with pytest.raises(transports.ConnectError) as caught:
        client.post_message("Hi", destination_id=27)

    assert not isinstance(caught.value, transports.TransportTimeout)
    assert caught.value.__cause__ is not None
    assert caught.value.request is None
    # Nothing was sent, so no sequence number was used.
    assert client.session.last_sequence_number == 0


def test_an_unresolvable_host_is_a_connect_error(make_client: ClientFactory) -> None:
    client = make_client("http://no-such-host.invalid:80")

    with pytest.raises(transports.ConnectError):
        client.post_message("Hi", destination_id=27)


def test_tls_with_a_trusted_ca(
    tls_server: ChatServer, make_client: ClientFactory, client_ssl_context: ssl.SSLContext
) -> None:
    client = make_client(tls_server.url, ssl_context=client_ssl_context)

    numbers = [client.post_message("secret", destination_id=27).sequence_number for _ in range(3)]

    assert numbers == [1, 2, 3]
    assert tls_server.connections_opened == 1
    assert b"Host: 127.0.0.1:" in tls_server.raw[0]


def test_tls_without_the_ca_is_refused(tls_server: ChatServer, make_client: ClientFactory) -> None:
    # The default context: the system's CAs, which do not include the test CA.
    client = make_client(tls_server.url)

    with pytest.raises(transports.ConnectError) as caught:
        client.post_message("secret", destination_id=27)

    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert not tls_server.requests
    assert client.session.last_sequence_number == 0


def test_tls_checks_the_host_name(
    ca: trustme.CA, make_client: ClientFactory, client_ssl_context: ssl.SSLContext
) -> None:
    # A certificate from the trusted CA, but for another name than the one connected to.
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("chat.example.com").configure_cert(context)
    with ChatServer(ssl_context=context) as other_server:
        client = make_client(other_server.url, ssl_context=client_ssl_context)
        with pytest.raises(transports.ConnectError) as caught:
            client.post_message("secret", destination_id=27)
        client.close()

    assert "mismatch" in str(caught.value)
    assert not other_server.requests


def test_a_stalled_tls_handshake_is_a_connect_timeout(
    tls_server: ChatServer, make_client: ClientFactory, client_ssl_context: ssl.SSLContext
) -> None:
    client = make_client(tls_server.url, ssl_context=client_ssl_context, timeout=0.3)
    tls_server.script_accept(OnAccept.NO_TLS_HANDSHAKE)

    started = time.monotonic()
    with pytest.raises(transports.ConnectTimeout) as caught:
        client.post_message("Hi", destination_id=27)

    assert time.monotonic() - started < 2.0
    assert isinstance(caught.value, transports.ConnectError)
    assert isinstance(caught.value, transports.TransportTimeout)
    tls_server.wait_for(lambda s: s.client_closes == 1)
    assert client.post_message("recovered", destination_id=27).sequence_number == 1


def test_a_closed_client_refuses_calls(server: ChatServer, make_client: ClientFactory) -> None:
    client = make_client(server.url)
    client.post_message("Hi", destination_id=27)

    client.close()
    client.close()  # idempotent

    with pytest.raises(transports.ClientClosedError):
        client.post_message("Hi", destination_id=27)
    server.wait_for(lambda s: s.client_closes == 1)
    assert client.idle_count() == 0
