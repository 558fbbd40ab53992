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

from transports.cli import main
from transports.emulator import BackgroundEmulator
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


def check_demo_output(out: str) -> None:
    lines = out.splitlines()
    for label in TRANSPORT_LABELS:
        assert any(line.strip().startswith(f"{label} ") and "200 OK" in line for line in lines), (label, out)
    for n, label in enumerate(TRANSPORT_LABELS, 1):
        assert f"sequenceNumber {n}: 'Hello from {label}'" in out
    assert "the emulator recorded 4 messages" in out
    assert "409 CONFLICT" in out
    assert lines[-1] == "demo passed: 4 transports posted, each message recorded exactly once."


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
    lines = err.splitlines()
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
