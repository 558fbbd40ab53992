"""The ``chatproto`` command: ``chatproto demo``, ``chatproto emulator`` and ``chatproto post``.

- ``demo`` starts the emulator in-process on a free port, opens an agent
  session and an engagement, posts through every transport (sync, anyio on
  asyncio, anyio on trio, trio), reads back what the emulator recorded, and
  prints a short report.  It needs no network and no configuration.
- ``emulator`` serves the agent API and the emulator's control surface on
  loopback and prints one line, its URL, once it accepts connections; it
  logs one line per request to stderr, as ``python -m http.server`` does,
  unless ``--quiet``.
- ``post`` posts one message to a chat server with the blocking client and
  prints the decoded response, or the error with its status and code.

Exit status: 0 on success, 1 when the server or the network failed the
request (or the demo found a problem), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

import msgspec

import chatproto as cp
from chatproto.emulator import (
    DEFAULT_BACKEND,
    DEFAULT_HOST,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POOL,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SITE,
    DEFAULT_SITES,
    DEFAULT_WRITE_TIMEOUT,
    NO_FAULTS,
    FaultPlan,
)

from ._errors import TransportError

if TYPE_CHECKING:
    from .emulator import BackgroundEmulator

__all__ = ["main"]

_DEMO_AGENT_ID = "12"
_DEMO_TIMEOUT = 10.0
#: The demo's transports: (label, module, how its client is run).
_TRANSPORTS = (
    ("sync", "transports.sync", "blocking"),
    ("anyio on asyncio", "transports.anyio", "asyncio"),
    ("anyio on trio", "transports.anyio", "trio"),
    ("trio", "transports.trio", "trio-native"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chatproto`` command with ``argv`` (``sys.argv[1:]`` by default); the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except cp.LocalProtocolError as exc:
        parser.exit(2, f"chatproto {args.name}: {exc}\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatproto",
        description="Client, emulator and demo for the Oracle B2C Service Chat agent REST API.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="post through every transport to an in-process emulator and report",
        description="Start the emulator in-process on a free port, open an agent session and an engagement, "
        "post a message through each transport (sync, anyio on asyncio, anyio on trio, trio), read back what "
        "the emulator recorded, and print a short report.  Needs no network and no configuration.",
    )
    demo.set_defaults(command=_demo, name="demo")

    emulator = commands.add_parser(
        "emulator",
        help="serve a local chat emulator",
        description="Serve the agent API and the emulator's control surface (/emulator/...) until interrupted. "
        "Prints one line, the emulator's URL, once it accepts connections, and logs one line per request "
        "to stderr (--quiet: none).",
    )
    emulator.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    emulator.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one (default: %(default)s)"
    )
    emulator.add_argument(
        "--site",
        action="append",
        dest="sites",
        metavar="SITE",
        help=f"a site (fqSiteName) to serve; repeat for more (default: {DEFAULT_SITE})",
    )
    emulator.add_argument("--pool", default=DEFAULT_POOL, help="pool of new sessions (default: %(default)s)")
    emulator.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to deliver each whole request (default: %(default)s)",
    )
    emulator.add_argument("--backend", choices=("asyncio", "trio"), default=DEFAULT_BACKEND, help="event loop")
    emulator.add_argument(
        "--write-timeout",
        type=float,
        default=DEFAULT_WRITE_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to take each whole answer (default: %(default)s)",
    )
    emulator.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help=f"connections served at once (default: {DEFAULT_MAX_CONNECTIONS}, lowered to fit the open-file limit)",
    )
    emulator.add_argument(
        "--max-stored-bytes",
        type=int,
        default=DEFAULT_MAX_STORED_BYTES,
        metavar="BYTES",
        help="bytes of messages and sessions held (default: %(default)s)",
    )
    emulator.add_argument(
        "--quiet", action="store_true", help="do not log a line per request to stderr (logged by default)"
    )
    faults = emulator.add_argument_group(
        "faults", "Inject faults into posts that would succeed, reproducibly (rates are probabilities, 0 to 1)."
    )
    faults.add_argument(
        "--fault-seed", type=int, default=NO_FAULTS.seed, metavar="N", help="seed of the fault sequence"
    )
    faults.add_argument("--fault-delay", type=float, default=NO_FAULTS.delay, metavar="RATE", help="answer late")
    faults.add_argument(
        "--fault-delay-ms", type=int, default=NO_FAULTS.delay_ms, metavar="MS", help="how late (default: %(default)s)"
    )
    faults.add_argument(
        "--fault-close-before-record",
        type=float,
        default=NO_FAULTS.close_before_record,
        metavar="RATE",
        help="close, message not recorded",
    )
    faults.add_argument(
        "--fault-close-after-record",
        type=float,
        default=NO_FAULTS.close_after_record,
        metavar="RATE",
        help="record, then close unanswered",
    )
    faults.add_argument(
        "--fault-server-error", type=float, default=NO_FAULTS.server_error, metavar="RATE", help="answer 500"
    )
    faults.add_argument(
        "--fault-pool-change",
        type=float,
        default=NO_FAULTS.pool_change,
        metavar="RATE",
        help="move the session to another pool",
    )
    emulator.set_defaults(command=_emulator, name="emulator")

    post = commands.add_parser(
        "post",
        help="post one message to a chat server",
        description="Post TEXT with postMessage and print the decoded response as JSON, or the error with its "
        "status and code (exit status 1).",
    )
    post.add_argument("--url", required=True, help="the chat server, such as https://chat.example.com")
    post.add_argument("--site", required=True, help="the fully qualified site name (fqSiteName)")
    post.add_argument("--agent-id", required=True, help="the agent account id (X-AID)")
    post.add_argument("--session-id", required=True, help="the agent session id (X-JSESSIONID)")
    post.add_argument("--pool", help="the pool query value, such as 297:1")
    post.add_argument("--token", help="a bearer token, if the server wants one")
    post.add_argument("--destination-id", type=int, required=True, help="the engagement (or other destination) id")
    post.add_argument(
        "--destination-type",
        choices=[member.value for member in cp.DestinationType],
        default=cp.DestinationType.ENGAGEMENT.value,
        metavar="TYPE",
        help="the destination type (default: %(default)s)",
    )
    post.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="(default: %(default)s)")
    post.add_argument("text", metavar="TEXT", help="the message")
    post.set_defaults(command=_post, name="post")
    return parser


# -- chatproto post ------------------------------------------------------------------------------


def _post(args: argparse.Namespace) -> int:
    from .sync import AgentClient

    options: dict[str, Any] = {"site": args.site, "agent_id": args.agent_id, "session_id": args.session_id}
    with AgentClient(args.url, pool=args.pool, token=args.token, timeout=args.timeout, **options) as client:
        try:
            response = client.post_message(
                args.text,
                destination_id=args.destination_id,
                destination_type=cp.DestinationType(args.destination_type),
            )
        except cp.ApiError as exc:
            print(
                f"chatproto post: error {exc.status} {exc.code or '(no exception code)'}: {exc.message}",
                file=sys.stderr,
            )
            return 1
        except TransportError as exc:
            print(f"chatproto post: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    print(msgspec.json.format(msgspec.json.encode(response), indent=2).decode())
    return 0


# -- chatproto emulator --------------------------------------------------------------------------


def _emulator(args: argparse.Namespace) -> int:
    import anyio

    from chatproto.emulator import Emulator

    from .emulator import EmulatorServer, new_session_id

    plan = FaultPlan(
        seed=args.fault_seed,
        delay=args.fault_delay,
        delay_ms=args.fault_delay_ms,
        close_before_record=args.fault_close_before_record,
        close_after_record=args.fault_close_after_record,
        server_error=args.fault_server_error,
        pool_change=args.fault_pool_change,
    )
    emulator = Emulator(
        sites=tuple(args.sites or DEFAULT_SITES),
        pool=args.pool,
        session_id_factory=new_session_id,
        faults=plan,
        max_stored_bytes=args.max_stored_bytes,
    )
    server = EmulatorServer(
        emulator,
        host=args.host,
        port=args.port,
        request_timeout=args.request_timeout,
        write_timeout=args.write_timeout,
        max_connections=args.max_connections,
        log=None if args.quiet else sys.stderr,
    )

    async def run() -> None:
        import signal

        # Signals are caught before the URL is printed, so whoever reads it may stop the server at once.
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with anyio.create_task_group() as tasks:
                try:
                    url = await tasks.start(server.serve)
                except OSError as exc:
                    failures.append(exc)
                    return
                print(url, flush=True)
                async for _ in signals:
                    tasks.cancel_scope.cancel()
                    break

    failures: list[OSError] = []
    try:
        anyio.run(run, backend=args.backend)
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130
    if failures:
        print(f"chatproto emulator: cannot serve on {args.host}:{args.port}: {failures[0]}", file=sys.stderr)
        return 1
    return 0


# -- chatproto demo ------------------------------------------------------------------------------


def _demo(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from .emulator import BackgroundEmulator

    out = out or sys.stdout
    with BackgroundEmulator(port=0) as server:
        return _Demo(server, out).run()


class _Demo:
    def __init__(self, server: BackgroundEmulator, out: TextIO) -> None:
        self.server = server
        self.out = out
        self.failures: list[str] = []

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def run(self) -> int:
        server = self.server
        info = server.open_session(_DEMO_AGENT_ID)
        engagement_id = server.start_engagement(info.session_id)
        self.say(f"chatproto demo: an emulated chat server at {server.url}, site {info.site}, pool {info.pool}")
        self.say(f"agent {info.agent_id} has an agent session and engagement {engagement_id}")
        self.say()
        # One session for every client, so the sequence numbers go on from transport to transport.
        session = cp.AgentSession(
            host=urlsplit(server.url).netloc,
            site=info.site,
            agent_id=info.agent_id,
            session_id=info.session_id,
            pool=info.pool,
        )

        self.say("posting one message through each transport:")
        sent: list[str] = []
        for label, module, runner in _TRANSPORTS:
            text = f"Hello from {label}"
            try:
                _import_for(module, runner)  # so the time below is the post's, not the imports'
                started = time.perf_counter()
                response = _post_with(
                    module, runner, url=server.url, session=session, engagement_id=engagement_id, text=text
                )
            except (cp.ApiError, TransportError, cp.ProtocolError, ImportError) as exc:
                self.fail(f"  {label:<17} FAILED: {type(exc).__name__}: {exc}")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            sent.append(text)
            self.say(
                f"  {label:<17} 200 OK  sequenceNumber {response.sequence_number}, "
                f"clientId {response.client_id}  ({elapsed_ms:.1f} ms)"
            )
        self.say()

        recorded = server.messages(engagement_id)
        self.say(f"the emulator recorded {len(recorded)} messages in engagement {engagement_id}:")
        for message in recorded:
            self.say(f"  sequenceNumber {message.sequence_number}: {message.body!r}")
        if [message.body for message in recorded] != sent:
            self.fail("  FAILED: the recorded messages are not the ones posted, once each, in order")
        self.say()

        server.conclude_engagement(engagement_id)
        self.say(f"engagement {engagement_id} concluded; posting into it again:")
        try:
            _post_with(
                "transports.sync",
                "blocking",
                url=server.url,
                session=session,
                engagement_id=engagement_id,
                text="Anyone there?",
            )
        except cp.ApiError as exc:
            self.say(f"  refused as a real server would: {exc.status} {exc.code}: {exc.message}")
            if exc.code != "CONFLICT":
                self.fail("  FAILED: expected the code CONFLICT")
        except (TransportError, cp.ProtocolError, ImportError) as exc:
            self.fail(f"  FAILED: {type(exc).__name__}: {exc}")
        else:
            self.fail("  FAILED: the post into a concluded engagement was accepted")
        self.say()

        if self.failures:
            self.say(f"demo FAILED: {len(self.failures)} problem(s) above")
            return 1
        self.say(f"demo passed: {len(_TRANSPORTS)} transports posted, each message recorded exactly once.")
        return 0

    def fail(self, line: str) -> None:
        self.failures.append(line)
        self.say(line)


def _import_for(module: str, runner: str) -> None:
    import importlib

    importlib.import_module(module)
    if runner.startswith("trio"):
        importlib.import_module("trio")


def _post_with(
    module: str, runner: str, *, url: str, session: cp.AgentSession, engagement_id: int, text: str
) -> cp.PostMessageResponse:
    """Post ``text`` with the ``AgentClient`` of ``module``, run as ``runner`` says."""
    import importlib

    client_class: Any = importlib.import_module(module).AgentClient

    def client() -> Any:
        return client_class(url, session=session, timeout=_DEMO_TIMEOUT)

    if runner == "blocking":
        with client() as blocking:
            response: cp.PostMessageResponse = blocking.post_message(text, destination_id=engagement_id)
            return response

    async def post() -> cp.PostMessageResponse:
        async with client() as concurrent:
            answer: cp.PostMessageResponse = await concurrent.post_message(text, destination_id=engagement_id)
            return answer

    if runner == "trio-native":
        import trio

        return trio.run(post)
    import anyio

    return anyio.run(post, backend=runner)


if __name__ == "__main__":
    sys.exit(main())
