"""TLS is verified by default, and no redirect is ever followed.

Real sockets on 127.0.0.1 and real TLS: certificates from a trustme CA that
the default context does not trust.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme

import chatproto as cp
import transports
from transports.sync import AgentClient

from .hardening_helpers import AGENT_ID, POOL, SESSION_ID, SITE, client_outcome, response
from .loopback import TIMEOUT, LoopbackServer, ok


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA, *hosts: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hosts).configure_cert(context)
    return context


def _client(url: str, **options: object) -> AgentClient:
    return AgentClient(url, site=SITE, agent_id=AGENT_ID, session_id=SESSION_ID, pool=POOL, timeout=TIMEOUT, **options)  # type: ignore[arg-type]


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def test_a_self_signed_server_is_refused_by_default(ca: trustme.CA) -> None:
    with (
        LoopbackServer(ok, ssl_context=_server_context(ca, "127.0.0.1")) as server,
        _client(server.https_url) as client,
    ):
        with pytest.raises(transports.ConnectError) as caught:
            client.post_message("hello", destination_id=27)
        assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(caught.value))
    assert server.requests == []  # nothing of the request was sent
    assert server.connections == 1


def test_the_same_server_is_accepted_when_its_ca_is_trusted(ca: trustme.CA) -> None:
    # Proves the refusal above is the verification, not a broken server.
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with (
        LoopbackServer(ok, ssl_context=_server_context(ca, "127.0.0.1")) as server,
        _client(server.https_url, ssl_context=trusting) as client,
    ):
        answer = client.post_message("hello", destination_id=27)
    assert answer.sequence_number == 1
    assert len(server.requests) == 1


def test_a_certificate_for_another_host_is_refused_even_from_a_trusted_ca(ca: trustme.CA) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with (
        LoopbackServer(ok, ssl_context=_server_context(ca, "chat.example.org")) as server,
        _client(server.https_url, ssl_context=trusting) as client,
    ):
        with pytest.raises(transports.ConnectError) as caught:
            client.post_message("hello", destination_id=27)
        assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(caught.value))
    assert server.requests == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_and_is_not_followed(status: int) -> None:
    with LoopbackServer(ok) as elsewhere:

        def redirect(conn: cp.ServerConnection, event: cp.ServerEvent) -> bytes:
            location = f"{elsewhere.http_url}/engagement/api/agent/{SITE}/v1/postMessage"
            return conn.send_response(status, b"", headers=[("Location", location)])

        with LoopbackServer(redirect) as server, _client(server.http_url) as client:
            with pytest.raises(cp.ApiError) as caught:
                client.post_message("hello", destination_id=27)
            assert caught.value.status == status
        assert len(server.requests) == 1
    assert elsewhere.connections == 0


@pytest.mark.parametrize("status", [b"301 Moved Permanently", b"302 Found", b"307 Temporary Redirect"])
def test_the_core_reports_a_redirect_as_an_error_event(status: bytes) -> None:
    outcome = client_outcome(response(b"Location: http://elsewhere.example/\r\n", b"", status=status))
    event = outcome.events[0]
    assert isinstance(event, cp.ErrorReceived)
    assert event.status == int(status[:3])
