"""The ``chatproto`` command: ``chatproto demo``, ``chatproto emulator`` and ``chatproto post``.

- ``demo`` starts the emulator in-process on a free port and, with each
  transport (sync, anyio on asyncio, anyio on trio, trio), runs a bot
  through one whole conversation: it logs on through the site calls and
  becomes available, an emulated end user asks a question, the bot accepts
  and answers, the end user leaves, and the bot concludes, releases and
  logs off.  It prints the transcript of each, checks it against what the
  emulator recorded, and needs no network and no configuration.
- ``emulator`` serves a whole chat server on loopback: the agent API, the
  site calls (serviceSettings, agentTokens) and the emulator's control
  surface.  It prints one line, its URL, once it accepts connections (and
  before it, on stderr, the account to log on with); it logs one line per
  request to stderr, as ``python -m http.server`` does, unless ``--quiet``.
- ``post`` posts one message to a chat server with the blocking client and
  prints the decoded response, or the error with its status and code.  The
  session id and the token may come from the environment
  (``CHATPROTO_SESSION_ID``, ``CHATPROTO_TOKEN``) rather than the command
  line, where ``ps`` shows them; a flag wins over its variable.

Trio is optional (``pip install 'chatproto[trio]'``): without it the demo
skips the two transports that run on trio, and says so.

Exit status: 0 on success; 1 when the server or the network failed the
request, when the emulator's port is already in use (the arguments are fine,
the machine is busy), or when the demo found a problem; 2 for bad arguments,
each reported in one line: a value out of range, a host the emulator cannot
listen on, a backend that is not installed.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import msgspec

import chatproto as cp
from chatproto.emulator import (
    DEFAULT_ACCOUNT,
    DEFAULT_BACKEND,
    DEFAULT_HOST,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POLL_HOLD_MS,
    DEFAULT_POOL,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SITE,
    DEFAULT_SITES,
    DEFAULT_WRITE_TIMEOUT,
    MAX_POLL_HOLD_MS,
    NO_FAULTS,
    SERVICE_SETTINGS_PATH,
    FaultPlan,
)

from ._errors import TransportError
from ._url import parse_url

if TYPE_CHECKING:
    from .emulator import BackgroundEmulator

__all__ = ["SESSION_ID_VARIABLE", "TOKEN_VARIABLE", "main"]

#: Where ``chatproto post`` finds the session id and the token when no flag gives them.
SESSION_ID_VARIABLE = "CHATPROTO_SESSION_ID"
TOKEN_VARIABLE = "CHATPROTO_TOKEN"
#: The extra that brings the optional trio, as a user types it.
TRIO_INSTALL = "pip install 'chatproto[trio]'"

_DEMO_AGENT_ID = "12"
_DEMO_TIMEOUT = 10.0
#: The demo's polls wait a second at most (a real server holds them 30 s).
_DEMO_POLL_HOLD_MS = 1000
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
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_usage(sys.stderr)  # a bare `chatproto` shows what it takes
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except _BadArgument as exc:
        command_parser: argparse.ArgumentParser = args.parser
        command_parser.error(str(exc))
    except cp.LocalProtocolError as exc:
        parser.exit(2, f"chatproto {args.name}: {exc}\n")


class _BadArgument(Exception):
    """An argument found wrong after parsing: reported as argparse reports its own."""


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument in one line, not the usage (which ``--help`` gives in full)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Ends each option's help with its default (or that it is required), unless the help says so already."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default is argparse.SUPPRESS or not action.option_strings or "(default" in text:
            return text  # --help, --version, positionals, and help that words its default itself
        if action.required:
            return f"{text} (required)"
        if action.nargs == 0:  # a flag, such as --quiet
            return f"{text} (default: {'on' if action.default else 'off'})"
        if action.default is None:
            return text
        return super()._get_help_string(action) or text


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {text!r}")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"a positive number of seconds, not {text!r}")
    return seconds


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number above 0, not {text!r}")
    return number


def _poll_hold_ms(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_POLL_HOLD_MS:
        raise argparse.ArgumentTypeError(f"milliseconds from 0 to {MAX_POLL_HOLD_MS}, not {text!r}")
    return number


def _sequence_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number < 2**63:
        raise argparse.ArgumentTypeError(f"a sequence number from 0 to 2**63-1, not {text!r}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chatproto",
        description="Client, emulator and demo for the Oracle B2C Service Chat agent REST API.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chatproto {cp.__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="run a bot through one whole chat with every transport, against an in-process emulator",
        description="Start the emulator in-process on a free port and, with each transport (sync, anyio on "
        "asyncio, anyio on trio, trio), run a bot through one whole conversation: log on through the site calls, "
        "become available, accept the end user's chat, answer, and when the end user leaves, conclude, release "
        "and log off.  Prints each transcript and checks it against what the emulator recorded.  Needs no network "
        "and no configuration.  "
        f"Without trio ({TRIO_INSTALL}) it skips the transports that run on trio.",
        formatter_class=_HelpFormatter,
    )
    demo.set_defaults(command=_demo, name="demo", parser=demo)

    emulator = commands.add_parser(
        "emulator",
        help="serve a local chat emulator",
        description="Serve a whole chat server until interrupted: the agent API (all fifteen operations, polls "
        "held up to --poll-hold-ms), the site calls serviceSettings and agentTokens, and the emulator's control "
        "surface (/emulator/...: accounts, sessions, engagements, the end user, pool moves, faults).  Prints the "
        "account to log on with to stderr, then one line, the emulator's URL, once it accepts connections, and "
        "logs one line per request to stderr (--quiet: none of it but the URL).",
        epilog="Exit status: 0 once stopped by SIGINT or SIGTERM, 1 if the port is in use, 2 for a bad argument "
        "(a host it cannot listen on among them).",
        formatter_class=_HelpFormatter,
    )
    emulator.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    emulator.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="port; 0 picks a free one (default: %(default)s)"
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
        type=_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to deliver each whole request (default: %(default)s)",
    )
    emulator.add_argument(
        "--backend", choices=("asyncio", "trio"), default=DEFAULT_BACKEND, help=f"event loop (trio: {TRIO_INSTALL})"
    )
    emulator.add_argument(
        "--write-timeout",
        type=_seconds,
        default=DEFAULT_WRITE_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to take each whole answer (default: %(default)s)",
    )
    emulator.add_argument(
        "--max-connections",
        type=_positive_int,
        metavar="N",
        help=f"connections served at once (default: {DEFAULT_MAX_CONNECTIONS}, lowered to fit the open-file limit)",
    )
    emulator.add_argument(
        "--max-stored-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_STORED_BYTES,
        metavar="BYTES",
        help="bytes of messages and sessions held (default: %(default)s)",
    )
    emulator.add_argument(
        "--poll-hold-ms",
        type=_poll_hold_ms,
        default=DEFAULT_POLL_HOLD_MS,
        metavar="MS",
        help="how long a getMessages poll waits for something to deliver (default: %(default)s)",
    )
    emulator.add_argument(
        "--strict",
        action="store_true",
        help="also refuse what a careless bot does: sequence numbers that do not increase, a post to an "
        "engagement never offered to the session, a second poll while one is held",
    )
    emulator.add_argument(
        "--quiet", action="store_true", help="log nothing, rather than one line per request to stderr"
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
    faults.add_argument(
        "--fault-drop-poll",
        type=float,
        default=NO_FAULTS.drop_poll,
        metavar="RATE",
        help="a poll answer with messages is lost: they count as delivered, the connection closes",
    )
    faults.add_argument(
        "--fault-replay",
        type=float,
        default=NO_FAULTS.replay,
        metavar="RATE",
        help="a poll answer repeats the messages already delivered",
    )
    faults.add_argument(
        "--fault-takeover",
        type=float,
        default=NO_FAULTS.takeover,
        metavar="RATE",
        help="another logon takes the session over at a poll (403)",
    )
    emulator.set_defaults(command=_emulator, name="emulator", parser=emulator)

    post = commands.add_parser(
        "post",
        help="post one message to a chat server",
        description="Post TEXT with postMessage and print the decoded response as JSON, or the error with its "
        "status and code (exit status 1).",
        epilog=f"The session id and the token are credentials: set {SESSION_ID_VARIABLE} and {TOKEN_VARIABLE} "
        "instead of passing them as flags, which other users of the machine can read in ps.  A flag wins over "
        "its variable.",
        formatter_class=_HelpFormatter,
    )
    post.add_argument("--url", required=True, help="the chat server, such as https://chat.example.com")
    post.add_argument("--site", required=True, help="the fully qualified site name (fqSiteName)")
    post.add_argument("--agent-id", required=True, help="the agent account id (X-AID)")
    post.add_argument(
        "--session-id",
        help=f"the agent session id (X-JSESSIONID), required (default: ${SESSION_ID_VARIABLE})",
    )
    post.add_argument("--pool", help="the pool query value, such as 297:1 (default: none, no pool query)")
    post.add_argument(
        "--token",
        help=f"a bearer token, if the server wants one (default: ${TOKEN_VARIABLE}, else none)",
    )
    post.add_argument("--destination-id", type=int, required=True, help="the engagement (or other destination) id")
    post.add_argument(
        "--destination-type",
        choices=[member.value for member in cp.DestinationType],
        default=cp.DestinationType.ENGAGEMENT.value,
        metavar="TYPE",
        help="the destination type (default: %(default)s)",
    )
    post.add_argument(
        "--last-sequence-number",
        type=_sequence_number,
        default=0,
        metavar="N",
        help="the session's last sequence number, to continue its numbering: the message goes out as N+1 "
        "(default: %(default)s)",
    )
    post.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="how long the whole call may take (default: %(default)s)",
    )
    post.add_argument("text", metavar="TEXT", help="the message")
    post.set_defaults(command=_post, name="post", parser=post)
    return parser


# -- chatproto post ------------------------------------------------------------------------------


def _post(args: argparse.Namespace) -> int:
    from .sync import AgentClient

    # A flag wins over its variable; a variable set but empty counts as unset.
    session_id = args.session_id if args.session_id is not None else os.environ.get(SESSION_ID_VARIABLE) or None
    token = args.token if args.token is not None else os.environ.get(TOKEN_VARIABLE) or None
    if session_id is None:
        raise _BadArgument(f"the following arguments are required: --session-id (or {SESSION_ID_VARIABLE})")
    session = cp.AgentSession(
        host=parse_url(args.url).host_header,
        site=args.site,
        agent_id=args.agent_id,
        session_id=session_id,
        pool=args.pool,
        token=token,
        last_sequence_number=args.last_sequence_number,
    )
    with AgentClient(args.url, session=session, timeout=args.timeout) as client:
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
    import importlib.util

    import anyio

    if args.backend == "trio" and importlib.util.find_spec("trio") is None:
        raise _BadArgument(f"argument --backend: trio is not installed: {TRIO_INSTALL}")

    from chatproto.emulator import Emulator

    from .emulator import EmulatorServer, new_session_id, new_token

    plan = FaultPlan(
        seed=args.fault_seed,
        delay=args.fault_delay,
        delay_ms=args.fault_delay_ms,
        close_before_record=args.fault_close_before_record,
        close_after_record=args.fault_close_after_record,
        server_error=args.fault_server_error,
        pool_change=args.fault_pool_change,
        drop_poll=args.fault_drop_poll,
        replay=args.fault_replay,
        takeover=args.fault_takeover,
    )
    emulator = Emulator(
        sites=tuple(args.sites or DEFAULT_SITES),
        pool=args.pool,
        session_id_factory=new_session_id,
        token_factory=new_token,
        faults=plan,
        strict=args.strict,
        poll_hold_ms=args.poll_hold_ms,
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
                if not args.quiet:
                    # Before the URL: whoever reads that line has seen the account to log on with.
                    print(_account_line(url), file=sys.stderr, flush=True)
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
        reason = f"cannot serve on {args.host}:{args.port}: {failures[0]}"
        # A port in use is the machine's state (exit 1); any other failure to listen (an address of no
        # interface, a name that does not resolve, a port this user may not bind) is a bad argument.
        if failures[0].errno == errno.EADDRINUSE:
            print(f"chatproto emulator: {reason}", file=sys.stderr)
            return 1
        raise _BadArgument(reason)
    return 0


def _account_line(url: str) -> str:
    account = DEFAULT_ACCOUNT
    return (
        f"chatproto emulator: log on as {account.username!r}, password {account.password!r} (agent id "
        f"{account.agent_id}) at {url}{SERVICE_SETTINGS_PATH}; register more with POST /emulator/agents"
    )


# -- chatproto demo ------------------------------------------------------------------------------


def _demo(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from chatproto.emulator import Emulator

    from .emulator import BackgroundEmulator, new_session_id, new_token

    out = out or sys.stdout
    emulator = Emulator(session_id_factory=new_session_id, token_factory=new_token, poll_hold_ms=_DEMO_POLL_HOLD_MS)
    with BackgroundEmulator(emulator, port=0) as server:
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
        account = DEFAULT_ACCOUNT
        self.say(f"chatproto demo: an emulated chat server at {server.url}")
        self.say(f"each transport's bot logs on as {account.username!r} (agent {account.agent_id}) and serves one chat")
        self.say()
        held: list[str] = []
        skipped: list[str] = []
        for label, module, runner in _TRANSPORTS:
            try:
                _import_for(module, runner)  # so the time below is the conversation's, not the imports'
            except ImportError as exc:
                if isinstance(exc, ModuleNotFoundError) and exc.name == "trio":  # the one optional dependency
                    skipped.append(label)
                else:
                    self.fail(f"  {label:<17} FAILED: {type(exc).__name__}: {exc}")
                continue
            self.say(f"{label}:")
            talk = _Conversation(self, label)
            started = time.perf_counter()
            try:
                _converse_with(module, runner, server.url, talk)
            except (cp.ApiError, TransportError, cp.ProtocolError) as exc:
                self.fail(f"  {label:<17} FAILED: {type(exc).__name__}: {exc}")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            if talk.check():
                held.append(label)
                self.say(f"  {label} 200 OK: one whole conversation in {elapsed_ms:.0f} ms")
            self.say()
        if skipped:
            self.say(f"  skipped {' and '.join(skipped)}: trio is not installed ({TRIO_INSTALL})")
            self.say()
        if self.failures:
            self.say(f"demo FAILED: {len(self.failures)} problem(s) above")
            return 1
        self.say(f"demo passed: {len(held)} transports each held one whole conversation, as the emulator recorded it.")
        return 0

    def fail(self, line: str) -> None:
        self.failures.append(line)
        self.say(line)


#: What the demo's end user asks, and what the bot answers.
_DEMO_QUESTION = "Where is my order?"
_DEMO_ANSWER = "It left the warehouse this morning; it will be with you tomorrow."
_DEMO_END_USER_TEXT = "Thanks, that helps!"
#: A method of the client, with its arguments: what the conversation asks the bot to call.
_Call = tuple[str, tuple[Any, ...], dict[str, Any]]


class _Conversation:
    """One whole chat, the same for every transport: what the bot calls, and what the end user does.

    The transports' runners (`_converse_blocking`, `_converse_async`) only
    make the calls it names, so each step is written once.  The end user is
    the emulator's, played through its control calls.
    """

    def __init__(self, demo: _Demo, label: str) -> None:
        self.demo = demo
        self.server = demo.server
        self.label = label
        self.engagement_id: int | None = None

    def line(self, who: str, text: str) -> None:
        self.demo.say(f"  {who:<9} {text}")

    def opening(self) -> list[_Call]:
        """Log on through the site calls, become available, ask for one engagement."""
        return [
            ("log_on", (), {}),
            ("set_activity_status", (cp.AgentStatus.AVAILABLE,), {}),
            ("request_assignment", (), {"max_sessions": 1}),
        ]

    def opened(self, session: cp.AgentSession, url: str) -> None:
        self.line("bot", f"logged on (serviceSettings, agentTokens, a session at {url}, pool {session.pool})")
        self.line("bot", "available, asking for one engagement")
        self.engagement_id = self.server.queue_engagement(first_name="Ann", question=_DEMO_QUESTION)
        self.line("end user", f"Ann asks for a chat: {_DEMO_QUESTION!r}")

    def react(self, message: cp.Message) -> list[_Call]:
        """The bot's answer to ``message``: the calls it makes."""
        engagement_id = getattr(message, "engagement_id", None)
        if isinstance(message, cp.ChatEngagementAssignmentNotification):
            self.line(
                "bot", f"offered engagement {engagement_id} ({message.first_name}: {message.question!r}); accepts"
            )
            return [("accept", (engagement_id,), {})]
        if isinstance(message, cp.ChatPostMessage) and message.sender_type == cp.DestinationType.END_USER:
            self.line("end user", repr(message.body))
            reply = _DEMO_ANSWER if message.body == _DEMO_QUESTION else "You are welcome. Goodbye!"
            self.line("bot", repr(reply))
            return [("post_message", (reply,), {"destination_id": engagement_id})]
        if isinstance(message, cp.ChatDisconnectNotification):
            self.line("end user", "leaves")
            self.line("bot", f"concludes and releases engagement {engagement_id}, and logs off")
            return [("conclude", (engagement_id,), {}), ("release", (engagement_id,), {}), ("log_off", (), {})]
        return []

    def after(self, message: cp.Message) -> None:
        """What the end user does once the bot has answered ``message``."""
        engagement_id = self.engagement_id
        assert engagement_id is not None
        if isinstance(message, cp.ChatEngagementAssignmentNotification):
            self.server.end_user_says(engagement_id, _DEMO_QUESTION)
        elif isinstance(message, cp.ChatPostMessage) and message.body == _DEMO_QUESTION:
            self.server.end_user_says(engagement_id, _DEMO_END_USER_TEXT)
        elif isinstance(message, cp.ChatPostMessage):
            self.server.end_user_leaves(engagement_id)

    def check(self) -> bool:
        """Whether the emulator's transcript is the whole conversation, once each, in order."""
        if self.engagement_id is None:
            self.demo.fail(f"  {self.label:<17} FAILED: no engagement was offered")
            return False
        engagement = self.server.engagement(self.engagement_id)
        got = [(entry.sender, entry.kind, entry.body) for entry in engagement.transcript]
        expected = [
            ("END_USER", "MESSAGE", _DEMO_QUESTION),
            ("AGENT", "MESSAGE", _DEMO_ANSWER),
            ("END_USER", "MESSAGE", _DEMO_END_USER_TEXT),
            ("AGENT", "MESSAGE", "You are welcome. Goodbye!"),
            ("END_USER", "LEFT", None),
            ("AGENT", "CONCLUDED", None),
            ("AGENT", "RELEASED", None),
        ]
        if got != expected:
            self.demo.fail(f"  {self.label:<17} FAILED: the emulator recorded {got}")
            return False
        return True


def _import_for(module: str, runner: str) -> None:
    import importlib

    importlib.import_module(module)
    if runner.startswith("trio"):
        importlib.import_module("trio")


def _converse_with(module: str, runner: str, url: str, talk: _Conversation) -> None:
    """Hold ``talk`` with the ``AgentClient`` of ``module``, run as ``runner`` says."""
    import importlib

    client_class: Any = importlib.import_module(module).AgentClient
    account = DEFAULT_ACCOUNT

    def client() -> Any:
        return client_class.for_site(
            url,
            username=account.username,
            password=account.password,
            agent_id=account.agent_id,
            timeout=_DEMO_TIMEOUT,
        )

    if runner == "blocking":
        with client() as blocking:
            for name, args, kwargs in talk.opening():
                getattr(blocking, name)(*args, **kwargs)
            talk.opened(blocking.session, blocking.url)
            for message in blocking.messages():
                for name, args, kwargs in talk.react(message):
                    getattr(blocking, name)(*args, **kwargs)
                talk.after(message)
        return

    async def converse() -> None:
        async with client() as concurrent:
            for name, args, kwargs in talk.opening():
                await getattr(concurrent, name)(*args, **kwargs)
            talk.opened(concurrent.session, concurrent.url)
            async for message in concurrent.messages():
                for name, args, kwargs in talk.react(message):
                    await getattr(concurrent, name)(*args, **kwargs)
                talk.after(message)

    if runner == "trio-native":
        import trio

        trio.run(converse)
        return
    import anyio

    anyio.run(converse, backend=runner)


if __name__ == "__main__":
    sys.exit(main())
