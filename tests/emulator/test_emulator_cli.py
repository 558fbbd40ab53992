"""The ``chatproto`` command: ``demo``, ``emulator`` and ``post``, as a user runs them and in-process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emulator_helpers import NETWORK_TIMEOUT, SITE

import chatproto as cp
from chatproto.emulator import Emulator, Reply
from transports.cli import main
from transports.emulator import BackgroundEmulator, new_session_id
from transports.pytest_plugin import ChatEmulator

#: The console script the package installs, beside this interpreter.
CHATPROTO = str(Path(sys.executable).with_name("chatproto"))
TRANSPORT_LABELS = ("sync", "anyio on asyncio", "anyio on trio", "trio")
URL_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)\n")


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return status, out, err


# -- help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        ([], ["usage: chatproto", "demo", "emulator", "post"]),
        (["demo"], ["usage: chatproto demo", "no network"]),
        (["emulator"], ["--host", "--port", "--fault-seed", "--fault-server-error", "--request-timeout"]),
        (["post"], ["--url", "--site", "--agent-id", "--session-id", "--pool", "--destination-id", "TEXT"]),
    ],
)
def test_help(argv: list[str], needles: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main([*argv, "--help"], capsys)
    assert status == 0
    for needle in needles:
        assert needle in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_main([], capsys)
    assert status == 2
    assert "usage: chatproto" in err


# -- demo ----------------------------------------------------------------------------------------


def check_demo_output(out: str, labels: tuple[str, ...] = TRANSPORT_LABELS) -> None:
    lines = out.splitlines()
    for label in labels:
        assert f"  {label} 200 OK: one whole conversation in " in out, (label, out)
    # One whole conversation each: log on, the offer, both sides, the end user leaving, conclude, release, log off.
    assert out.count("  bot       logged on (serviceSettings, agentTokens, ") == len(labels)
    assert out.count("  end user  'Where is my order?'") == len(labels)
    assert out.count("  end user  leaves") == len(labels)
    assert out.count("concludes and releases engagement") == len(labels)
    passed = f"demo passed: {len(labels)} transports each held one whole conversation, as the emulator recorded it."
    assert lines[-1] == passed


def test_demo_as_a_user_runs_it() -> None:
    started = time.monotonic()
    result = subprocess.run([CHATPROTO, "demo"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    check_demo_output(result.stdout)
    assert time.monotonic() - started < 20


def test_demo_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(["demo"], capsys)
    assert status == 0
    check_demo_output(out)


# -- emulator ------------------------------------------------------------------------------------


@contextlib.contextmanager
def running_emulator(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``chatproto emulator --port 0`` with ``options``, and the URL it printed."""
    process = subprocess.Popen(
        [CHATPROTO, "emulator", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], NETWORK_TIMEOUT)
        assert readable, "no URL line in time"
        line = process.stdout.readline()
        assert URL_LINE.fullmatch(line), line
        yield process, line.strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=NETWORK_TIMEOUT)


@pytest.fixture
def emulator_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``chatproto emulator --quiet`` with a few options, and the URL it printed."""
    with running_emulator("--quiet", "--site", "mysite", "--site", SITE, "--pool", "12:3") as running:
        yield running


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_emulator_prints_its_url_serves_and_stops(
    emulator_process: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, url = emulator_process
    with httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as http:
        session = http.post("/emulator/sessions", json={"agentId": "12"}).json()
        assert (session["site"], session["pool"]) == ("mysite", "12:3")
        engagement = http.post("/emulator/engagements", json={"sessionId": session["sessionId"]}).json()
    # `chatproto post` against `chatproto emulator`, both as a user runs them.
    posted = subprocess.run(
        [
            CHATPROTO,
            "post",
            "--url",
            url,
            "--site",
            "mysite",
            "--agent-id",
            "12",
            "--session-id",
            session["sessionId"],
            "--pool",
            "12:3",
            "--destination-id",
            str(engagement["engagementId"]),
            "Hello from the command line",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert posted.returncode == 0, posted.stderr
    response = json.loads(posted.stdout)
    assert (response["sequenceNumber"], response["sessionId"]) == (1, session["sessionId"])
    with httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as http:
        messages = http.get(f"/emulator/engagements/{engagement['engagementId']}/messages").json()
    assert [message["body"] for message in messages] == ["Hello from the command line"]

    process.send_signal(stop)
    out, err = process.communicate(timeout=NETWORK_TIMEOUT)
    assert process.returncode == 0, err
    assert (out, err) == ("", "")


#: One line of the access log: ``python -m http.server``'s format.
ACCESS_LINE = re.compile(r'127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d\] "([^"]*)" (\d{3}|-) (\d+|-)')


def test_emulator_logs_a_line_per_request_without_secrets() -> None:
    token = "s3cret-bearer-token"
    with running_emulator() as (process, url):
        with httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as http:
            session = http.post("/emulator/sessions", json={"agentId": "12"}).json()
            session_id = session["sessionId"]
            engagement = http.post("/emulator/engagements", json={"sessionId": session_id}).json()
            headers = {"X-AID": "12", "X-JSESSIONID": session_id, "Authorization": f"Bearer {token}"}
            posted = http.post(
                f"/engagement/api/agent/{SITE}/v1/postMessage",
                params={"pool": "297:1"},
                headers=headers,
                json={
                    "body": "x",
                    "destinationId": engagement["engagementId"],
                    "destinationType": "ENGAGEMENT",
                    "messageType": "TEXT",
                },
            )
            refused = http.post(f"/engagement/api/agent/{SITE}/v1/postMessage", headers=headers, content=b"{")
            read_back = http.get(f"/emulator/sessions/{session_id}")
            nowhere = http.get("/nowhere", params={"token": token, "pool": "297:1", "flag": ""})
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=NETWORK_TIMEOUT)
    assert process.returncode == 0, err
    assert out == ""
    account, *lines = err.splitlines()
    # First the account to log on with, where the site calls are, then one line per request.
    assert account == (
        f"chatproto emulator: log on as 'bot', password 'emulator' (agent id 12) at "
        f"{url}/services/rest/crossChannelServices/latest/serviceSettings/1; register more with POST /emulator/agents"
    )
    parsed = [ACCESS_LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    shown = [(match[1], match[2]) for match in parsed if match is not None]
    assert shown == [
        ("POST /emulator/sessions HTTP/1.1", "200"),
        ("POST /emulator/engagements HTTP/1.1", "200"),
        (f"POST /engagement/api/agent/{SITE}/v1/postMessage?pool=297:1 HTTP/1.1", "200"),
        (f"POST /engagement/api/agent/{SITE}/v1/postMessage HTTP/1.1", "400"),
        (f"GET /emulator/sessions/<37 chars ...{session_id[-2:]}> HTTP/1.1", "200"),
        ("GET /nowhere?token=<redacted>&pool=297%3A1&flag=<redacted> HTTP/1.1", "404"),  # the query as sent
    ]
    # The size is the whole answer's, head and body: more than the body.
    for match, response in zip(parsed, [None, None, posted, refused, read_back, nowhere], strict=True):
        assert match is not None
        if response is not None:
            assert int(match[3]) > len(response.content) > 0
    assert (posted.status_code, refused.status_code) == (200, 400)
    assert session_id not in err
    assert token not in err


def test_emulator_quiet_logs_nothing() -> None:
    with running_emulator("--quiet") as (process, url):
        with httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as http:
            assert http.post("/emulator/sessions", json={"agentId": "12"}).status_code == 200
            assert http.get("/nowhere").status_code == 404
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=NETWORK_TIMEOUT)
    assert (process.returncode, out, err) == (0, "", "")


def test_emulator_with_faults_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Run in this process (the command waits for a signal, so it runs in the
    # main thread); a helper thread uses it once the URL line is printed.
    printed = threading.Event()

    class LineWatcher(io.StringIO):
        def write(self, text: str) -> int:
            written = super().write(text)
            if text.endswith("\n"):
                printed.set()
            return written

    output = LineWatcher()
    monkeypatch.setattr(sys, "stdout", output)
    outcome: list[object] = []

    def client() -> None:
        try:
            assert printed.wait(NETWORK_TIMEOUT)
            url = output.getvalue().strip()
            with httpx.Client(base_url=url, timeout=NETWORK_TIMEOUT) as http:
                session = http.post("/emulator/sessions", json={"agentId": "12"}).json()
                engagement = http.post("/emulator/engagements", json={"sessionId": session["sessionId"]}).json()
                response = http.post(
                    f"/engagement/api/agent/{SITE}/v1/postMessage",
                    headers={"X-AID": "12", "X-JSESSIONID": session["sessionId"]},
                    json={
                        "body": "x",
                        "destinationId": engagement["engagementId"],
                        "destinationType": "ENGAGEMENT",
                        "messageType": "TEXT",
                    },
                )
                outcome.append((response.status_code, response.json()["exceptionCode"]))
                outcome.append(http.get("/emulator/faults").json())
        except BaseException as exc:
            outcome.append(exc)
        finally:
            # Only once the URL is printed is the command's signal handler in place;
            # before that, SIGINT would interrupt the test run itself.
            if printed.is_set():
                os.kill(os.getpid(), signal.SIGINT)

    helper = threading.Thread(target=client)
    helper.start()
    status = main(
        ["emulator", "--port", "0", "--fault-seed", "5", "--fault-server-error", "1", "--fault-delay-ms", "7"]
    )
    helper.join(NETWORK_TIMEOUT)
    assert status == 0
    assert outcome[0] == (500, "UNKNOWN_EXCEPTION")
    assert outcome[1] == {
        "seed": 5,
        "delay": 0.0,
        "delayMs": 7,
        "closeBeforeRecord": 0.0,
        "closeAfterRecord": 0.0,
        "serverError": 1.0,
        "poolChange": 0.0,
        "dropPoll": 0.0,
        "replay": 0.0,
        "takeover": 0.0,
    }


def test_emulator_on_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run_main(["emulator", "--port", str(port)], capsys)
    assert status == 1
    assert out == ""
    assert err.startswith(f"chatproto emulator: cannot serve on 127.0.0.1:{port}: ")


def test_emulator_with_invalid_faults(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_main(
        ["emulator", "--port", "0", "--fault-delay", "0.7", "--fault-server-error", "0.7"], capsys
    )
    assert status == 2
    assert err == (
        "chatproto emulator: invalid fault plan: the fault rates add up to 1.4; "
        "at most one fault applies, so they may not exceed 1\n"
    )


# -- post ----------------------------------------------------------------------------------------


def post_argv(chat: ChatEmulator, *extra: str) -> list[str]:
    return [
        "post",
        "--url",
        chat.url,
        "--site",
        chat.site,
        "--agent-id",
        chat.agent_id,
        "--session-id",
        chat.session_id,
        "--pool",
        chat.pool,
        "--destination-id",
        str(chat.engagement_id),
        *extra,
        "Hello",
    ]


def test_post_prints_the_decoded_response(chat_emulator: ChatEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(post_argv(chat_emulator), capsys)
    assert (status, err) == (0, "")
    response = json.loads(out)
    assert response["chatPostResult"] == {"clientReset": 0}
    assert (response["sequenceNumber"], response["sequenceNumberString"]) == (1, "1")
    assert response["sessionId"] == chat_emulator.session_id
    assert out.startswith('{\n  "chatPostResult": {\n    "clientReset": 0\n  },\n')
    assert [message.body for message in chat_emulator.messages()] == ["Hello"]


def test_post_prints_api_errors(chat_emulator: ChatEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    chat_emulator.conclude()
    status, out, err = run_main(post_argv(chat_emulator), capsys)
    assert (status, out) == (1, "")
    engagement = chat_emulator.engagement_id
    assert err == f"chatproto post: error 409 CONFLICT: the lead participant has left the engagement {engagement}\n"


def test_post_to_another_destination_type(chat_emulator: ChatEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_main(post_argv(chat_emulator, "--destination-type", "AGENT"), capsys)
    assert status == 1
    assert err == (
        "chatproto post: error 400 INVALID_FIELD: "
        "destinationType: the emulator delivers only to ENGAGEMENT, not AGENT\n"
    )


def test_post_prints_network_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with BackgroundEmulator(port=0) as server:
        url = server.url  # a port nothing listens on once the server has stopped
    chat = ChatEmulator(url, SITE, "12", "node0x", "297:1", 1, server)
    status, out, err = run_main(post_argv(chat, "--timeout", "5"), capsys)
    assert (status, out) == (1, "")
    assert err.startswith("chatproto post: ConnectError: ")


def test_post_with_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_main(
        [
            "post",
            "--url",
            "http://127.0.0.1:1",
            "--site",
            "a/b",
            "--agent-id",
            "1",
            "--session-id",
            "s",
            "--destination-id",
            "1",
            "x",
        ],
        capsys,
    )
    assert status == 2
    assert err == "chatproto post: site may not contain '/' (at index 1)\n"


# -- the first things a new user types -----------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(["--version"], capsys)
    assert (status, out, err) == (0, f"chatproto {cp.__version__}\n", "")


def help_entries(help_text: str) -> dict[str, str]:
    """Each option of a ``--help`` text and its whole help, on one line."""
    entries: dict[str, str] = {}
    for chunk in re.split(r"\n  (?=-)", help_text)[1:]:
        words = " ".join(chunk.split("\n\n")[0].split())  # an entry ends at a blank line (a group's heading)
        entries[words.split()[0].rstrip(",")] = words
    return entries


@pytest.mark.parametrize("command", ["demo", "emulator", "post"])
def test_help_shows_every_options_default(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main([command, "--help"], capsys)
    assert status == 0
    entries = help_entries(out.split("\n\n", 1)[1])
    assert "-h" in entries
    for option, text in entries.items():
        if option != "-h":
            assert "(default: " in text or text.endswith("(required)"), (option, text)


def test_help_shows_the_values_of_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    _, emulator_help, _ = run_main(["emulator", "--help"], capsys)
    entries = help_entries(emulator_help)
    assert entries["--backend"].endswith("(default: asyncio)")
    assert entries["--fault-server-error"].endswith("answer 500 (default: 0.0)")
    assert entries["--fault-seed"].endswith("(default: 0)")
    _, post_help, _ = run_main(["post", "--help"], capsys)
    entries = help_entries(post_help)
    assert entries["--timeout"].endswith("(default: 10.0)")
    assert entries["--last-sequence-number"].endswith("(default: 0)")
    assert entries["--session-id"].endswith("(default: $CHATPROTO_SESSION_ID)")
    assert entries["--token"].endswith("(default: $CHATPROTO_TOKEN, else none)")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["emulator", "--port", "99999"], "argument --port: a port is a number from 0 to 65535, not '99999'"),
        (["emulator", "--port", "-1"], "argument --port: a port is a number from 0 to 65535, not '-1'"),
        (["emulator", "--port", "http"], "argument --port: a port is a number from 0 to 65535, not 'http'"),
        (["emulator", "--request-timeout", "0"], "argument --request-timeout: a positive number of seconds, not '0'"),
        (
            ["emulator", "--request-timeout", "nan"],
            "argument --request-timeout: a positive number of seconds, not 'nan'",
        ),
        (["emulator", "--fault-delay", "often"], "argument --fault-delay: invalid float value: 'often'"),
        (["emulator", "--backend", "curio"], "argument --backend: invalid choice: 'curio'"),
        # 192.0.2.0/24 is reserved for documentation: no interface has it.
        (["emulator", "--host", "192.0.2.1", "--port", "0"], "cannot serve on 192.0.2.1:0: [Errno 99] "),
        (["emulator", "--host", "no-such-host.invalid", "--port", "0"], "cannot serve on no-such-host.invalid:0: "),
        (["post", "--timeout", "-3"], "argument --timeout: a positive number of seconds, not '-3'"),
        (["post", "--last-sequence-number", "-1"], "argument --last-sequence-number: a sequence number from 0"),
        (["post", "--last-sequence-number", str(2**63)], "argument --last-sequence-number: a sequence number from 0"),
        (["post"], "the following arguments are required: --session-id (or CHATPROTO_SESSION_ID)"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHATPROTO_SESSION_ID", raising=False)
    if argv[0] == "post":  # the other required arguments, so that only the one under test is wrong
        argv = [*argv, "--url", "http://127.0.0.1:1", "--site", SITE, "--agent-id", "12", "--destination-id", "1", "x"]
    status, out, err = run_main(argv, capsys)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1, err
    assert err.startswith(f"chatproto {argv[0]}: error: {line}"), err
    assert err.endswith(f" (see chatproto {argv[0]} --help)\n")


def test_a_bad_port_as_a_user_types_it() -> None:
    # Once an ExceptionGroup traceback: the port reached the socket layer unchecked.
    result = subprocess.run(
        [CHATPROTO, "emulator", "--port", "99999"], capture_output=True, text=True, timeout=30, check=False
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "chatproto emulator: error: argument --port: a port is a number from 0 to 65535, not '99999' "
        "(see chatproto emulator --help)\n"
    )


def test_the_trio_backend_without_trio(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trio", None)  # what an install without the trio extra has
    status, out, err = run_main(["emulator", "--port", "0", "--backend", "trio"], capsys)
    assert (status, out) == (2, "")
    assert err == (
        "chatproto emulator: error: argument --backend: trio is not installed: pip install 'chatproto[trio]' "
        "(see chatproto emulator --help)\n"
    )


def test_a_bare_chatproto_shows_its_usage_then_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main([], capsys)
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "usage: chatproto [-h] [--version] COMMAND ...",
        "chatproto: error: the following arguments are required: COMMAND (see chatproto --help)",
    ]


def test_demo_without_trio(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trio", None)
    monkeypatch.delitem(sys.modules, "transports.trio", raising=False)
    status, out, _ = run_main(["demo"], capsys)
    assert status == 0, out
    lines = out.splitlines()
    check_demo_output(out, ("sync", "anyio on asyncio"))
    assert [line for line in lines if "trio" in line] == [
        "  skipped anyio on trio and trio: trio is not installed (pip install 'chatproto[trio]')"
    ]


def test_demo_reports_another_missing_module(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only trio is optional: any other module missing is a broken install, and the demo fails.
    monkeypatch.setitem(sys.modules, "transports.anyio", None)
    status, out, _ = run_main(["demo"], capsys)
    assert status == 1
    assert "  anyio on asyncio  FAILED: ModuleNotFoundError: " in out
    assert out.splitlines()[-1] == "demo FAILED: 2 problem(s) above"


# -- post: credentials from the environment, numbering continued ---------------------------------


class RecordingEmulator(Emulator):
    """An emulator that keeps every agent API request it handles, headers' values included."""

    def __init__(self) -> None:
        super().__init__(session_id_factory=new_session_id)
        self.requests: list[cp.RequestReceived] = []

    def handle(self, event: cp.RequestReceived | cp.InvalidRequest | cp.HTTPRequestReceived, *, now_ms: int) -> Reply:
        if isinstance(event, cp.RequestReceived):
            self.requests.append(event)
        return super().handle(event, now_ms=now_ms)


@pytest.fixture
def recording() -> Iterator[tuple[BackgroundEmulator, RecordingEmulator, ChatEmulator]]:
    emulator = RecordingEmulator()
    with BackgroundEmulator(emulator, port=0) as server:
        info = server.open_session("12")
        engagement_id = server.start_engagement(info.session_id)
        chat = ChatEmulator(server.url, info.site, info.agent_id, info.session_id, info.pool, engagement_id, server)
        yield server, emulator, chat


def argv_without_credentials(chat: ChatEmulator, *extra: str) -> list[str]:
    argv = post_argv(chat, *extra)
    at = argv.index("--session-id")
    del argv[at : at + 2]
    return argv


def test_post_takes_the_credentials_from_the_environment(
    recording: tuple[BackgroundEmulator, RecordingEmulator, ChatEmulator],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, emulator, chat = recording
    monkeypatch.setenv("CHATPROTO_SESSION_ID", chat.session_id)
    monkeypatch.setenv("CHATPROTO_TOKEN", "token-from-the-environment")
    status, out, err = run_main(argv_without_credentials(chat), capsys)
    assert (status, err) == (0, ""), err
    assert json.loads(out)["sessionId"] == chat.session_id
    [request] = emulator.requests
    assert (request.session_id, request.token) == (chat.session_id, "token-from-the-environment")


def test_post_flags_win_over_the_environment(
    recording: tuple[BackgroundEmulator, RecordingEmulator, ChatEmulator],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, emulator, chat = recording
    monkeypatch.setenv("CHATPROTO_SESSION_ID", "node0not-this-one")
    monkeypatch.setenv("CHATPROTO_TOKEN", "not-this-token")
    status, _, err = run_main(post_argv(chat, "--token", "token-from-the-flag"), capsys)
    assert (status, err) == (0, ""), err
    [request] = emulator.requests
    assert (request.session_id, request.token) == (chat.session_id, "token-from-the-flag")


def test_post_treats_an_empty_variable_as_unset(
    recording: tuple[BackgroundEmulator, RecordingEmulator, ChatEmulator],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, emulator, chat = recording
    monkeypatch.setenv("CHATPROTO_SESSION_ID", "")
    status, _, err = run_main(argv_without_credentials(chat), capsys)
    assert status == 2
    assert err.startswith("chatproto post: error: the following arguments are required: --session-id")
    monkeypatch.setenv("CHATPROTO_SESSION_ID", chat.session_id)
    monkeypatch.setenv("CHATPROTO_TOKEN", "")
    assert run_main(argv_without_credentials(chat), capsys)[0] == 0
    [request] = emulator.requests
    assert request.token is None


def test_post_help_names_the_variables(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(["post", "--help"], capsys)
    text = " ".join(out.split())
    assert "set CHATPROTO_SESSION_ID and CHATPROTO_TOKEN instead of passing them as flags" in text
    assert "A flag wins over its variable." in text


def test_post_continues_the_numbering(
    recording: tuple[BackgroundEmulator, RecordingEmulator, ChatEmulator], capsys: pytest.CaptureFixture[str]
) -> None:
    server, emulator, chat = recording
    status, out, err = run_main(post_argv(chat, "--last-sequence-number", "41"), capsys)
    assert (status, err) == (0, ""), err
    assert json.loads(out)["sequenceNumber"] == 42
    assert [request.request.sequence_number for request in emulator.requests] == [42]
    assert [message.sequence_number for message in server.messages(chat.engagement_id)] == [42]
