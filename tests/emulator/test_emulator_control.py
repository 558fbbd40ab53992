"""The control surface as documented: a faults POST changes only what it names, a 405 says what is allowed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import msgspec
import pytest
from emulator_helpers import NETWORK_TIMEOUT, POST_PATH

import chatproto as cp
from chatproto.emulator import NO_FAULTS, Emulator, FaultPlan, Reply, _control
from transports.emulator import BackgroundEmulator

README = Path(__file__).resolve().parents[2] / "README.md"


def control(emulator: Emulator, method: str, path: str, body: bytes = b"") -> Reply:
    return emulator.handle(cp.HTTPRequestReceived(method, path, "", (), body), now_ms=0)


def post_faults(emulator: Emulator, body: bytes) -> Reply:
    return control(emulator, "POST", "/emulator/faults", body)


# -- POST /emulator/faults changes only the fields it names ----------------------------------------


def test_faults_post_changes_only_the_fields_it_names() -> None:
    emulator = Emulator()
    reply = post_faults(emulator, b'{"delay": 0.5, "delayMs": 250, "seed": 9}')
    assert reply.body == FaultPlan(seed=9, delay=0.5, delay_ms=250)
    # Once {"delay": 0.0} reset delayMs (and the seed) to their defaults as well.
    reply = post_faults(emulator, b'{"delay": 0.0}')
    assert reply.status == 200
    assert reply.body == emulator.faults == FaultPlan(seed=9, delay=0.0, delay_ms=250)
    post_faults(emulator, b'{"serverError": 0.25}')
    assert emulator.faults == FaultPlan(seed=9, delay_ms=250, server_error=0.25)
    post_faults(emulator, b"{}")
    assert emulator.faults == FaultPlan(seed=9, delay_ms=250, server_error=0.25)
    post_faults(emulator, b"")  # an empty body is {}
    assert emulator.faults == FaultPlan(seed=9, delay_ms=250, server_error=0.25)


def test_faults_post_answers_the_whole_plan_in_force() -> None:
    emulator = Emulator()
    post_faults(emulator, b'{"delayMs": 7}')
    reply = post_faults(emulator, b'{"poolChange": 0.5}')
    assert msgspec.json.encode(reply.body) == msgspec.json.encode(control(emulator, "GET", "/emulator/faults").body)
    assert msgspec.json.decode(msgspec.json.encode(reply.body)) == {
        "seed": 0,
        "delay": 0.0,
        "delayMs": 7,
        "closeBeforeRecord": 0.0,
        "closeAfterRecord": 0.0,
        "serverError": 0.0,
        "poolChange": 0.5,
        "dropPoll": 0.0,
        "replay": 0.0,
        "takeover": 0.0,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Each change is valid alone; with the plan in force the rates add up past 1.
        (b'{"closeAfterRecord": 0.7}', "the fault rates add up to 1.3"),
        (b'{"seed": 1, "delay": 2}', "delay must be a number from 0 to 1"),
        (b'{"delayMs": "soon"}', "Expected `int`, got `str` - at `$.delayMs`"),
        (b'{"delayMs": null}', "Expected `int`, got `null` - at `$.delayMs`"),
        (b'{"seed": 1, "delayy": 1}', "unknown field `delayy`"),
    ],
)
def test_a_refused_faults_post_changes_nothing(body: bytes, message: str) -> None:
    emulator = Emulator()
    post_faults(emulator, b'{"serverError": 0.6, "delayMs": 40}')
    before = emulator.faults
    reply = post_faults(emulator, body)
    assert (reply.status, reply.body.exception_code) == (400, "INVALID_FIELD")
    assert message in reply.body.message
    assert emulator.faults is before


def test_each_faults_post_starts_the_sequence_again() -> None:
    emulator = Emulator()
    post_faults(emulator, b'{"seed": 3, "serverError": 0.5}')
    expected = [500 if emulator.faults.fault_for(n).name == "SERVER_ERROR" else 200 for n in range(9)]
    assert expected[3:9] != expected[:6]  # so carrying on the count would show
    session = emulator.open_session("12")
    engagement_id = emulator.start_engagement(session.session_id)
    assert [post(emulator, session.session_id, engagement_id).status for _ in range(3)] == expected[:3]
    # A POST naming nothing keeps the plan, but counts from the first request again.
    post_faults(emulator, b"{}")
    assert [post(emulator, session.session_id, engagement_id).status for _ in range(6)] == expected[:6]


def post(emulator: Emulator, session_id: str, engagement_id: int) -> Reply:
    server = cp.ServerConnection()
    body = msgspec.json.encode(
        {"body": "x", "destinationId": engagement_id, "destinationType": "ENGAGEMENT", "messageType": "TEXT"}
    )
    server.receive_data(
        f"POST {POST_PATH} HTTP/1.1\r\nHost: x\r\nX-AID: 12\r\nX-JSESSIONID: {session_id}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    return emulator.handle(event, now_ms=0)


# -- the body is documented: every field, its unit, its default ---------------------------------------


def documented_fields(rows: list[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    return {name: (unit, default) for name, unit, default in rows}


def docstring_table() -> dict[str, tuple[str, str]]:
    """The faults table of the control module's docstring: {field: (unit, default)}."""
    text = _control.__doc__ or ""
    table = text[text.index("field  ") :]
    rows = []
    for line in table.splitlines()[2:]:
        if line.startswith("====="):
            break
        match = re.fullmatch(r"``(\w+)``\s+(.+?)\s{2,}.+?\s{2,}(\S+)", line)
        if match:
            rows.append((match[1], match[2], match[3]))
    return documented_fields(rows)


def readme_table() -> dict[str, tuple[str, str]]:
    """The faults table of the README: {field: (unit, default)}."""
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\s*\| `(\w+)` \| ([^|]+) \| [^|]+ \| ([^|]+) \|", line)
        if match:
            rows.append((match[1], match[2].strip(), match[3].strip()))
    return documented_fields(rows)


@pytest.mark.parametrize("table", [docstring_table, readme_table], ids=["docstring", "README"])
def test_the_faults_body_is_documented_field_by_field(table: Callable[[], dict[str, tuple[str, str]]]) -> None:
    documented = table()
    fields = {field.encode_name: getattr(NO_FAULTS, field.name) for field in msgspec.structs.fields(FaultPlan)}
    assert list(documented) == list(fields)
    for name, (unit, default) in documented.items():
        assert float(default) == fields[name], name
        expected_unit = "integer" if type(fields[name]) is int else "probability, 0 to 1"
        assert unit.startswith("milliseconds, integer" if name == "delayMs" else expected_unit), (name, unit)


# -- a 405 carries Allow -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/emulator/faults", "GET, POST"),
        ("PUT", "/emulator/sessions", "POST"),
        ("POST", "/emulator/engagements/3/messages", "GET"),
        ("GET", "/emulator/engagements/3/conclude", "POST"),
    ],
)
def test_a_control_405_names_the_allowed_methods(method: str, path: str, allow: str) -> None:
    reply = control(Emulator(), method, path)
    assert (reply.status, reply.body.exception_code) == (405, "METHOD_NOT_ALLOWED")
    assert reply.headers == (("Allow", allow),)


def test_only_a_405_carries_allow() -> None:
    emulator = Emulator()
    assert control(emulator, "GET", "/emulator/nothing").headers == ()
    assert control(emulator, "GET", "/emulator/faults").headers == ()
    assert post_faults(emulator, b'{"delay": 5}').headers == ()


def test_allow_over_http(server: BackgroundEmulator) -> None:
    with httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as client:
        control_route = client.delete("/emulator/faults")
        agent_api = client.get(POST_PATH)
        head = client.head("/emulator/faults")
        found = client.get("/emulator/faults")
    assert (control_route.status_code, control_route.headers["Allow"]) == (405, "GET, POST")
    assert control_route.json()["exceptionCode"] == "METHOD_NOT_ALLOWED"
    assert (agent_api.status_code, agent_api.headers["Allow"]) == (405, "POST")
    assert (head.status_code, head.headers["Allow"], head.content) == (405, "GET, POST", b"")
    assert found.status_code == 200
    assert "Allow" not in found.headers
