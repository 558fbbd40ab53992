"""No caller-supplied value can inject a header, change the path or the query,
or be sent as something other than it is.

Every value the caller hands the core (site, pool, agent id, session id,
token, host, messageDataMap keys) is tried with CR, LF, NUL, every other
control, and the separators that would change the request line; then
hypothesis tries arbitrary text, checked by the request-encoding harness's own
oracle (h11 parses the bytes back: exact request line, exact header names).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chatproto as cp

from .hardening_helpers import AGENT_ID, HOST, POOL, SESSION_ID, SITE, TOKEN, post_message, session

VALUES = {"host": HOST, "site": SITE, "agent_id": AGENT_ID, "session_id": SESSION_ID, "pool": POOL, "token": TOKEN}
CONTROLS = [chr(code) for code in [*range(0x20), 0x7F]]
# Not ASCII: line breaks to some readers, or bytes no header may carry.
ODD = [" ", "\x85", "\u2028", "\u2029", "\xa0", "é", "\ufeff", "\udcff"]


def _make(**overrides: object) -> cp.AgentSession:
    return cp.AgentSession(**{**VALUES, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize("field", list(VALUES))
@pytest.mark.parametrize("char", CONTROLS + ODD, ids=repr)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_control_or_odd_character_in_any_session_value_is_refused(field: str, char: str, where: str) -> None:
    value = VALUES[field]
    spliced = {"start": char + value, "middle": value[:2] + char + value[2:], "end": value + char}[where]
    with pytest.raises(cp.LocalProtocolError) as caught:
        _make(**{field: spliced})
    assert repr(char) in str(caught.value)
    assert field in str(caught.value)


@pytest.mark.parametrize("field", list(VALUES))
def test_an_empty_or_non_str_session_value_is_refused(field: str) -> None:
    for bad in ("", b"x", 1.5, ["x"], True):
        if field == "agent_id" and type(bad) is int:
            continue  # an int agent id is taken, as Oracle's sample passes one
        with pytest.raises(cp.LocalProtocolError):
            _make(**{field: bad})


@pytest.mark.parametrize(
    "site",
    [
        ".",
        "..",
        "../x",
        "a/b",
        "a/../b",
        "%2e%2e",
        "%2E%2E%2F",
        "a%2Fb",
        "a\\b",
        "a?b",
        "a#b",
        "a;b",
        "a b",
        "a@b",
        "~/x",
    ],
)
def test_a_site_that_would_change_the_path_is_refused(site: str) -> None:
    with pytest.raises(cp.LocalProtocolError):
        _make(site=site)


@pytest.mark.parametrize("pool", ["1&x=2", "1#f", "1?x", "1/x", "%", "%20", "1 2", "1+2", "1=2", "1;2"])
def test_a_pool_that_would_change_the_query_is_refused(pool: str) -> None:
    with pytest.raises(cp.LocalProtocolError):
        _make(pool=pool)


@pytest.mark.parametrize("host", ["a/b", "a@b", "a?b", "a#b", "a\\b", "a b", "user:pw@host"])
def test_a_host_that_is_not_just_a_host_is_refused(host: str) -> None:
    with pytest.raises(cp.LocalProtocolError):
        _make(host=host)


@pytest.mark.parametrize("token", ["a+b/c==", "eyJ.eyJ.sig", "~!#$%&'*-.^_`|"])
def test_a_token_may_hold_any_printable_ascii(token: str) -> None:
    wire = cp.ClientConnection(_make(token=token)).send(post_message())
    assert b"\r\nAuthorization: Bearer " + token.encode() + b"\r\n" in wire


def test_renewing_or_switching_to_a_bad_value_is_refused_and_changes_nothing() -> None:
    agent = _make()
    before = cp.ClientConnection(agent).send(post_message(sequence_number=5))
    with pytest.raises(cp.LocalProtocolError):
        agent.renew("node0\r\nX-Injected: 1")
    with pytest.raises(cp.LocalProtocolError):
        agent.pool = "1&admin=true"
    after = cp.ClientConnection(agent).send(post_message(sequence_number=6))
    assert after == before.replace(b'"sequenceNumber":5', b'"sequenceNumber":6')


@pytest.mark.parametrize("char", CONTROLS, ids=repr)
def test_a_control_in_a_message_data_key_is_refused(char: str) -> None:
    conn = cp.ClientConnection(session())
    with pytest.raises(cp.LocalProtocolError) as caught:
        conn.send(post_message(message_data_map={f"key{char}": "value"}))
    assert "messageDataMap" in str(caught.value)
    assert conn.state is cp.ConnectionState.IDLE  # nothing was sent


def test_controls_in_data_values_and_the_body_are_escaped_in_the_json() -> None:
    hostile = "line\r\nX-Injected: 1\r\n\r\nGET / HTTP/1.1\x00"
    wire = cp.ClientConnection(session()).send(post_message(body=hostile, message_data_map={"k": hostile}))
    head, _, body = wire.partition(b"\r\n\r\n")
    assert b"X-Injected" not in head
    assert b"\r" not in body
    assert b"\n" not in body
    assert b"\x00" not in body
    assert body.count(b"\\r\\nX-Injected: 1\\r\\n\\r\\nGET / HTTP/1.1\\u0000") == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", b"text"),  # msgspec would send base64
        ("body", bytearray(b"text")),
        ("sequence_number", float("nan")),  # would be sent as null, and poison the session
        ("sequence_number", 7.0),
        ("time_created", float("inf")),
        ("message_data_map", {1: "v"}),  # would be sent as "1"
        ("message_data_map", {"k": b"v"}),
        ("destination_id", True),
        ("rich_text", 1),
    ],
    ids=repr,
)
def test_a_value_of_the_wrong_type_is_refused_not_converted(field: str, value: object) -> None:
    agent = session()
    conn = cp.ClientConnection(agent)
    with pytest.raises(cp.LocalProtocolError):
        conn.send(post_message(**{field: value}))
    assert agent.last_sequence_number == 0  # no number was used up
    assert b'"sequenceNumber":1' in conn.send(post_message())


# -- Arbitrary text, checked by the encoding harness's oracle --------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=12) | st.sampled_from(
    ["..", ".", "a/b", "1&x=2", "%2e", "x\r\nY: 1", "x\x00", "a b"]
)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(list(VALUES)), value=_TEXT)
def test_any_text_is_refused_or_sent_exactly(field: str, value: str) -> None:
    from fuzz.fuzz_request_encode import _check_with_h11, _check_with_server, _is_clean

    try:
        agent = _make(**{field: value})
    except cp.LocalProtocolError:
        assert not _is_clean(field, value), value
        return
    assert _is_clean(field, value), value
    operation = cp.OPERATIONS["postMessage"]
    conn = cp.ClientConnection(agent)
    wire = conn.send(post_message())
    _check_with_h11(wire, agent, operation)
    assert conn.pending_request is not None
    _check_with_server(wire, agent, operation, conn.pending_request)
