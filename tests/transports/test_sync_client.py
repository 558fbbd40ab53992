"""What only the blocking client does: KeyboardInterrupt mid-request, and sharing by threads."""

from __future__ import annotations

import select
import signal
import socket
import threading
from typing import Any

import pytest
from tests.reference import AGENT_ID, SESSION_ID, SITE
from transport_server import Act, ChatServer

from transports.sync import AgentClient

OPTIONS: dict[str, Any] = {
    "site": SITE,
    "agent_id": AGENT_ID,
    "session_id": SESSION_ID,
}


def test_keyboard_interrupt_mid_request_closes_the_connection(server: ChatServer) -> None:
    main_thread = threading.main_thread().ident
    assert main_thread == threading.get_ident()
    # Ctrl-C arrives while the client waits for an answer that never comes.
    server.on_request = lambda received: signal.pthread_kill(main_thread, signal.SIGINT)
    server.script(Act.HANG)

    with AgentClient(server.url, timeout=5.0, **OPTIONS) as client:
        with pytest.raises(KeyboardInterrupt):
            client.post_message("Hi", destination_id=27)
        server.on_request = None

        server.wait_for(lambda s: s.client_closes == 1)
        assert client._pool._idle == []
        assert client.post_message("next", destination_id=27).sequence_number == 2
        assert server.connections_opened == 2


def test_threads_may_share_a_client(server: ChatServer) -> None:
    numbers: list[int] = []
    errors: list[BaseException] = []

    with AgentClient(server.url, timeout=5.0, max_connections=4, **OPTIONS) as client:

        def post_ten() -> None:
            try:
                for i in range(10):
                    number = client.post_message(f"m{i}", destination_id=27).sequence_number
                    assert number is not None
                    numbers.append(number)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=post_ten) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10.0)
        assert len(client._pool._idle) <= 4

    assert errors == []
    assert sorted(numbers) == list(range(1, 61))
    assert sorted(server.sequence_numbers()) == list(range(1, 61))
    server.wait_for(lambda s: s.client_closes == s.connections_opened)


def test_unsolicited_bytes_on_an_idle_connection_retire_it(server: ChatServer) -> None:
    with AgentClient(server.url, timeout=5.0, **OPTIONS) as client:
        client.post_message("one", destination_id=27)
        # Bytes the server never should have sent, while no request is outstanding.
        idle_socket = client._pool._idle[0].stream.socket
        peer = _server_side_of(server)
        peer.sendall(b"HTTP/1.1 200 OK\r\n")
        _wait_readable(idle_socket)

        assert client.post_message("two", destination_id=27).sequence_number == 2
        assert server.connections_opened == 2
        assert idle_socket.fileno() == -1


def _server_side_of(server: ChatServer) -> socket.socket:
    with server._lock:
        (sock,) = server._live
        return sock


def _wait_readable(sock: socket.socket) -> None:
    readable, _, _ = select.select([sock], [], [], 5.0)
    assert readable
