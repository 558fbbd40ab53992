"""What the clients check before any I/O: the URL, the arguments, the error tree, the imports."""

from __future__ import annotations

import ssl
import subprocess
import sys
from typing import Any

import anyio
import pytest
from tests.reference import AGENT_ID, SITE

import chatproto as cp
import transports
import transports.anyio
import transports.trio
from transports._url import Endpoint, parse_url
from transports.sync import AgentClient

OPTIONS: dict[str, Any] = {"site": SITE, "agent_id": AGENT_ID, "session_id": "s1"}


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8080", Endpoint("http", "127.0.0.1", 8080, "127.0.0.1:8080")),
        ("http://127.0.0.1:80/", Endpoint("http", "127.0.0.1", 80, "127.0.0.1")),
        ("https://Chat.Example.com", Endpoint("https", "chat.example.com", 443, "chat.example.com")),
        ("https://chat.example.com:443", Endpoint("https", "chat.example.com", 443, "chat.example.com")),
        ("HTTPS://chat.example.com:8443/", Endpoint("https", "chat.example.com", 8443, "chat.example.com:8443")),
        ("http://[::1]:8080", Endpoint("http", "::1", 8080, "[::1]:8080")),
        ("http://[::1]", Endpoint("http", "::1", 80, "[::1]")),
    ],
)
def test_parse_url(url: str, endpoint: Endpoint) -> None:
    assert parse_url(url) == endpoint


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://chat.example.com", "http:// or https://"),
        ("chat.example.com", "http:// or https://"),
        ("https://", "no host"),
        ("https://user:pw@chat.example.com", "credentials"),
        ("https://chat.example.com/engagement", "only the server"),
        ("https://chat.example.com?pool=1", "only the server"),
        ("https://chat.example.com#top", "only the server"),
        ("https://chat.example.com:99999", "invalid port"),
        ("https://chat.example.com:http", "invalid port"),
    ],
)
def test_bad_urls_are_refused(url: str, match: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match=match):
        parse_url(url)


def test_a_url_must_be_a_str() -> None:
    with pytest.raises(cp.LocalProtocolError, match="must be a str"):
        parse_url(b"http://x")  # type: ignore[arg-type]


def test_the_session_takes_the_host_header_from_the_url() -> None:
    with AgentClient("http://[::1]:8080", pool="297:1", **OPTIONS) as client:
        assert client.session.host == "[::1]:8080"
        assert client.session.pool == "297:1"
        assert client.url == "http://[::1]:8080"
        assert repr(client) == "<transports.sync.AgentClient http://[::1]:8080 open>"
    assert repr(client) == "<transports.sync.AgentClient http://[::1]:8080 closed>"


@pytest.mark.parametrize("face", [transports.anyio, transports.trio], ids=["anyio", "trio"])
def test_the_async_clients_say_what_they_are_and_whether_they_are_closed(face: Any) -> None:
    client = face.AgentClient("http://[::1]:8080", **OPTIONS)
    assert repr(client) == f"<{face.__name__}.AgentClient http://[::1]:8080 open>"

    anyio.run(client.aclose, backend="trio" if face is transports.trio else "asyncio")

    assert repr(client) == f"<{face.__name__}.AgentClient http://[::1]:8080 closed>"


def test_https_verifies_by_default() -> None:
    with AgentClient("https://chat.example.com", **OPTIONS) as client:
        context = client._ssl_context
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"agent_id": "12"}, "site= and agent_id="),
        ({"site": "s"}, "site= and agent_id="),
        ({**OPTIONS, "session": cp.AgentSession(host="h", site="s", agent_id="1")}, "not both"),
        ({"session": "not a session"}, "must be an AgentSession"),
        ({**OPTIONS, "timeout": 0}, "timeout"),
        ({**OPTIONS, "timeout": -1.0}, "timeout"),
        ({**OPTIONS, "timeout": True}, "timeout"),
        ({**OPTIONS, "timeout": "10"}, "timeout"),
        ({**OPTIONS, "max_connections": 0}, "max_connections"),
        ({**OPTIONS, "max_connections": 2.0}, "max_connections"),
        ({**OPTIONS, "ssl_context": ssl.create_default_context()}, "http:// URL"),
        ({**OPTIONS, "site": "a/b"}, "site may not contain"),
    ],
)
def test_bad_arguments_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match=match):
        AgentClient("http://127.0.0.1:8080", **options)  # type: ignore[arg-type]


def test_no_timeout_is_allowed() -> None:
    with AgentClient("http://127.0.0.1:8080", timeout=None, **OPTIONS) as client:
        assert client.timeout is None
        assert client.max_connections == 10


def test_the_error_tree() -> None:
    assert issubclass(transports.ConnectError, transports.TransportError)
    assert issubclass(transports.ConnectTimeout, transports.ConnectError)
    assert issubclass(transports.ConnectTimeout, transports.TransportTimeout)
    assert issubclass(transports.OutcomeUnknownTimeout, transports.OutcomeUnknownError)
    assert issubclass(transports.OutcomeUnknownTimeout, transports.TransportTimeout)
    assert issubclass(transports.OutcomeUnknownProtocolError, transports.OutcomeUnknownError)
    assert issubclass(transports.OutcomeUnknownProtocolError, cp.RemoteProtocolError)
    assert not issubclass(transports.OutcomeUnknownError, transports.ConnectError)
    for name in transports.__all__:
        assert getattr(transports, name).__module__ == "transports"


def test_importing_transports_imports_no_event_loop_library() -> None:
    code = "import sys, transports; print(sorted(m for m in ('anyio', 'trio', 'asyncio') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
