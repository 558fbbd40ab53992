"""The stream contract, run against every backend: sockets, anyio (asyncio and trio), trio, and memory.

Each test runs once per kind of `backend_drivers.KINDS`: the blocking
sockets, anyio's on asyncio and on trio, trio's own, and the memory pairs
(blocking, and async on asyncio and on native trio).  The contract is what
the client logic relies on: ``read`` returns ``b""`` at the end of the
stream, ``write`` sends every byte, ``close`` is at once and idempotent,
``is_readable`` tells an idle stream the peer spoke on or hung up from one
it did not, failures are `OSError`, and a deadline scope ends a wait.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import trustme
from backend_drivers import KINDS, NETWORK_KINDS, Driver, drain, driver_of, receive_exactly
from transport_server import refused_port

from transports._backends import READ_SIZE
from transports._backends._threads import ThreadRuntime, time_left
from transports._backends.memory import memory_pair


@pytest.fixture(params=list(KINDS))
def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    with driver_of(request.param) as made:
        yield made


@pytest.fixture(params=NETWORK_KINDS)
def network_driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    with driver_of(request.param) as made:
        yield made


def eventually(predicate: Callable[[], bool]) -> bool:
    """Whether ``predicate`` holds within a few seconds (the kernel delivers bytes and FINs when it does)."""
    deadline = time.monotonic() + 5.0
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_bytes_go_both_ways(driver: Driver) -> None:
    stream, peer = driver.connect()

    driver.write(stream, b"ping")
    assert receive_exactly(peer, 4) == b"ping"
    peer.send(b"pong")
    assert driver.read_exactly(stream, 4) == b"pong"


def test_read_returns_empty_bytes_at_the_end_of_the_stream(driver: Driver) -> None:
    stream, peer = driver.connect()
    peer.send(b"last words")
    peer.close()

    assert driver.read_exactly(stream, 10) == b"last words"
    assert driver.read(stream) == b""
    assert driver.read(stream) == b""  # and again: the end stays the end


def test_a_read_returns_at_most_read_size_bytes(driver: Driver) -> None:
    stream, peer = driver.connect()
    data = os.urandom(3 * READ_SIZE)
    sender = threading.Thread(target=peer.send, args=(data,), daemon=True)
    sender.start()

    received = b""
    while len(received) < len(data):
        chunk = driver.read(stream)
        assert 0 < len(chunk) <= READ_SIZE
        received += chunk
    sender.join(5.0)
    assert received == data


def test_write_sends_every_byte(driver: Driver) -> None:
    stream, peer = driver.connect()
    # Far more than the socket buffers hold, so the write has to wait for the peer.
    data = os.urandom(8 * 1024 * 1024)
    received = bytearray()
    reader = drain(peer, received)

    driver.write(stream, data)
    driver.close(stream)
    reader.join(10.0)

    assert not reader.is_alive()
    assert received == data


def test_an_empty_write_sends_nothing(driver: Driver) -> None:
    stream, peer = driver.connect()

    driver.write(stream, b"")
    driver.write(stream, b"x")

    assert receive_exactly(peer, 1) == b"x"


def test_is_readable_tells_whether_the_peer_spoke_or_hung_up(driver: Driver) -> None:
    stream, peer = driver.connect()
    assert not driver.is_readable(stream)  # an idle connection has nothing to say

    peer.send(b"unasked")
    assert eventually(lambda: driver.is_readable(stream))
    # The check consumed nothing: the bytes are still there to read.
    assert driver.read_exactly(stream, 7) == b"unasked"
    assert not driver.is_readable(stream)

    peer.close()
    assert eventually(lambda: driver.is_readable(stream))
    assert driver.read(stream) == b""


def test_close_is_at_once_idempotent_and_seen_by_the_peer(driver: Driver) -> None:
    stream, peer = driver.connect()

    driver.close(stream)
    driver.close(stream)

    assert peer.receive() == b""
    assert driver.is_readable(stream)  # a closed stream counts as readable
    # As a closed socket does, whichever library is underneath.
    with pytest.raises(OSError, match="Bad file descriptor"):
        driver.read(stream)
    with pytest.raises(OSError, match="Bad file descriptor"):
        driver.write(stream, b"too late")


def test_a_reset_fails_the_next_read_and_write_with_oserror(driver: Driver) -> None:
    stream, peer = driver.connect()

    peer.reset()

    assert eventually(lambda: driver.is_readable(stream))
    with pytest.raises(ConnectionResetError):
        driver.read(stream)
    with pytest.raises(ConnectionError):
        driver.write(stream, b"after the reset")


def test_a_write_to_a_peer_that_closed_fails_with_oserror(driver: Driver) -> None:
    stream, peer = driver.connect()
    peer.close()
    assert eventually(lambda: driver.is_readable(stream))

    with pytest.raises(ConnectionError):
        write_until_it_fails(driver, stream)


def test_the_deadline_ends_a_read(driver: Driver) -> None:
    stream, _peer = driver.connect()

    started = time.monotonic()
    assert driver.read_within(stream, 0.2) is None
    elapsed = time.monotonic() - started

    assert 0.15 <= elapsed < 2.0


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind not in NETWORK_KINDS])
def test_the_memory_backend_refuses_tls(kind: str, client_ssl_context: ssl.SSLContext) -> None:
    with driver_of(kind) as driver, pytest.raises(ValueError, match="no TLS"):
        driver.connect_to("memory.test", 443, ssl_context=client_ssl_context, server_hostname="memory.test")


def test_a_refused_connection_is_oserror(driver: Driver) -> None:
    driver.refuse = True
    failure = oserror_of(lambda: driver.connect_to("127.0.0.1", refused_port()))

    # trio reports every address it tried, the refusals inside.
    assert any(isinstance(cause, ConnectionRefusedError) for cause in causes(failure))


def test_an_unresolvable_host_is_oserror(network_driver: Driver) -> None:
    with pytest.raises(socket.gaierror):
        network_driver.connect_to("no-such-host.invalid", 80)


# TLS, on the network backends (the memory backend carries no TLS).


#: Starts a TLS server: (host, port, what it received).
StartTLS = Callable[..., tuple[str, int, list[bytes]]]


@pytest.fixture
def tls_listener(ca: trustme.CA) -> Iterator[StartTLS]:
    """Starts a TLS echo-once server: it answers the first bytes it gets with the same bytes, then closes
    (``push`` is sent first; ``handshake=False`` never answers the client's hello; ``hang_up``
    closes the connection at once)."""
    threads: list[threading.Thread] = []
    listeners: list[socket.socket] = []

    def start(*, handshake: bool = True, push: bytes = b"", hang_up: bool = False) -> tuple[str, int, list[bytes]]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        received: list[bytes] = []

        def serve() -> None:
            raw, _ = listener.accept()
            raw.settimeout(5.0)
            with raw:
                if hang_up:
                    return
                if not handshake:
                    while raw.recv(65536):
                        pass
                    return
                try:
                    with context.wrap_socket(raw, server_side=True) as tls:
                        if push:
                            tls.sendall(push)  # unasked, before the client says anything
                        data = tls.recv(65536)
                        received.append(data)
                        tls.sendall(data)
                except (OSError, ssl.SSLError):
                    received.append(b"<handshake failed>")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        return "127.0.0.1", listener.getsockname()[1], received

    yield start
    for listener in listeners:
        listener.close()
    for thread in threads:
        thread.join(5.0)


def test_tls_carries_bytes_to_a_trusted_server(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, received = tls_listener()
    stream = network_driver.connect_to(host, port, ssl_context=client_ssl_context, server_hostname="localhost")

    network_driver.write(stream, b"")  # sends nothing: the server's one read gets what follows
    network_driver.write(stream, b"secret")
    assert network_driver.read_exactly(stream, 6) == b"secret"
    assert network_driver.read(stream) == b""  # a plain close ends the stream: HTTP needs no TLS goodbye
    assert received == [b"secret"]


def test_tls_is_readable_when_the_server_spoke_and_the_bytes_stay_for_read(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, _ = tls_listener(push=b"unasked")
    stream = network_driver.connect_to(host, port, ssl_context=client_ssl_context, server_hostname="localhost")

    assert eventually(lambda: network_driver.is_readable(stream))
    assert network_driver.read_exactly(stream, 7) == b"unasked"
    network_driver.write(stream, b"echo")
    assert network_driver.read_exactly(stream, 4) == b"echo"


def test_tls_close_is_at_once_and_later_calls_fail_as_on_a_closed_socket(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, _ = tls_listener()
    stream = network_driver.connect_to(host, port, ssl_context=client_ssl_context, server_hostname="localhost")

    network_driver.close(stream)
    network_driver.close(stream)

    assert network_driver.is_readable(stream)
    with pytest.raises(OSError, match="Bad file descriptor"):
        network_driver.read(stream)
    with pytest.raises(OSError, match="Bad file descriptor"):
        network_driver.write(stream, b"too late")


def test_tls_refuses_an_untrusted_certificate(network_driver: Driver, tls_listener: StartTLS) -> None:
    host, port, _ = tls_listener()
    failure = oserror_of(
        lambda: network_driver.connect_to(
            host, port, ssl_context=ssl.create_default_context(), server_hostname="localhost"
        )
    )

    assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(failure))


def test_a_server_that_hangs_up_during_the_tls_handshake_is_oserror(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, _ = tls_listener(hang_up=True)

    oserror_of(
        lambda: network_driver.connect_to(host, port, ssl_context=client_ssl_context, server_hostname="localhost")
    )


def test_tls_checks_the_server_hostname(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, _ = tls_listener()
    failure = oserror_of(
        lambda: network_driver.connect_to(
            host, port, ssl_context=client_ssl_context, server_hostname="chat.example.com"
        )
    )

    assert any("mismatch" in str(cause) for cause in causes(failure))


def test_the_deadline_ends_a_stalled_tls_handshake(
    network_driver: Driver, tls_listener: StartTLS, client_ssl_context: ssl.SSLContext
) -> None:
    host, port, _ = tls_listener(handshake=False)

    started = time.monotonic()
    stream = network_driver.connect_within(0.2, host, port, ssl_context=client_ssl_context, server_hostname="localhost")

    assert stream is None
    assert time.monotonic() - started < 2.0


def write_until_it_fails(driver: Driver, stream: object) -> None:
    """Write until the peer's close shows: TCP may take a write or two before the answer to them fails the next."""
    for _ in range(100):
        driver.write(stream, b"x" * 1024)
        time.sleep(0.001)


def oserror_of(call: Callable[[], object]) -> OSError:
    """The OSError ``call`` raises: the contract names the class, each library its own subclass or wrapper."""
    try:
        call()
    except OSError as exc:
        return exc
    raise AssertionError("no OSError was raised")


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from, and so on, into exception groups too."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        if isinstance(seen, BaseExceptionGroup):
            for member in seen.exceptions:
                yield from causes(member)
        seen = seen.__cause__ or seen.__context__


# The blocking runtime's deadline scopes nest as trio's do.


def test_a_thread_scope_inside_one_that_ends_sooner_ends_with_it() -> None:
    near, _far = memory_pair()
    runtime = ThreadRuntime()
    started = time.monotonic()

    with (
        runtime.move_on_at(runtime.current_time() + 0.1) as outer,
        runtime.move_on_at(runtime.current_time() + 60.0) as inner,
    ):
        near.read()

    assert outer.cancelled_caught
    assert not inner.cancelled_caught
    assert time.monotonic() - started < 2.0


def test_a_thread_scope_that_ends_sooner_than_its_outer_one_ends_alone() -> None:
    near, _far = memory_pair()
    runtime = ThreadRuntime()

    with runtime.move_on_at(runtime.current_time() + 60.0) as outer:
        with runtime.move_on_at(runtime.current_time() + 0.1) as inner:
            near.read()
        assert time_left() is not None  # the outer deadline is back in force
    assert time_left() is None  # and outside every scope there is none

    assert inner.cancelled_caught
    assert not outer.cancelled_caught
