"""The chat page's routes: the end user's view and the overview as long polls, the page's files.

In process through `Emulator.handle` (exact replies and bytes), then over a real socket.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import msgspec
import pytest
from agent_driver import NOW_MS, accept, open_driver, post, ready
from emulator_helpers import NETWORK_TIMEOUT

import chatproto as cp
from chatproto.emulator import (
    PAGE_FILES,
    PAGE_HOLD_MS,
    Emulator,
    EmulatorError,
    EndUserView,
    EngagementSummary,
    ErrorBody,
    FaultPlan,
    Hold,
    Overview,
    Reply,
    RequestSummary,
    SessionSummary,
    TranscriptEntry,
)
from transports.chat_page import page_files
from transports.emulator import BackgroundEmulator

FILES = {"/": b"<!doctype html>", "/page.css": b"body{}", "/page.js": b"'use strict';"}
ROOT = Path(__file__).resolve().parents[2]


def get(emulator: Emulator, path: str, query: str = "") -> Reply:
    return emulator.handle(cp.HTTPRequestReceived("GET", path, query, (), b""), now_ms=NOW_MS)


def post_control(emulator: Emulator, path: str, body: bytes = b"") -> Reply:
    return emulator.handle(cp.HTTPRequestReceived("POST", path, "", (), body), now_ms=NOW_MS)


def view_path(engagement_id: int) -> str:
    return f"/emulator/engagements/{engagement_id}/end-user/view"


def woken(emulator: Emulator) -> list[int]:
    wakes: list[int] = []
    emulator.set_wake_listener(wakes.append)
    return wakes


def encoded(reply: Reply) -> object:
    return msgspec.json.decode(msgspec.json.encode(reply.body))


# -- The end user's view ---------------------------------------------------------------------------


def test_a_queued_chat_is_version_1_at_once_then_held_until_it_changes() -> None:
    emulator = Emulator()
    wakes = woken(emulator)
    engagement_id = emulator.queue_engagement(first_name="Ada", question="Where is my order?")
    first = get(emulator, view_path(engagement_id), "after=0")
    assert encoded(first) == {
        "version": 1,
        "engagementId": 1,
        "status": "QUEUED",
        "agentId": None,
        "endUserLeft": False,
        "agentTyping": False,
        "transcript": [],
    }
    held = get(emulator, view_path(engagement_id), "after=1")
    assert held == Reply(hold=Hold(held.hold.poll_id if held.hold else 0, PAGE_HOLD_MS))
    assert wakes == []
    assert held.hold is not None
    # The bot logs on and is offered the chat: the view changed, the held poll wakes.
    bot = open_driver(emulator)
    ready(bot)
    assert wakes == [held.hold.poll_id]
    answer = emulator.answer_poll(held.hold.poll_id, now_ms=NOW_MS)
    assert answer.body == EndUserView(2, engagement_id, "OFFERED", "12", False, False, ())


def test_a_quiet_hold_answers_the_same_version() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    get(emulator, view_path(engagement_id))  # no query: after=0
    held = get(emulator, view_path(engagement_id), "after=1")
    assert held.hold is not None
    assert emulator.answer_poll(held.hold.poll_id, now_ms=NOW_MS).body == EndUserView(
        1, engagement_id, "QUEUED", None, False, False, ()
    )


def test_the_view_shows_both_sides_but_not_the_end_users_typing() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement(first_name="Ada")
    bot = open_driver(emulator)
    ready(bot)
    accept(bot, engagement_id)
    emulator.end_user_types(engagement_id, "Hel", now_ms=NOW_MS + 1)
    emulator.end_user_says(engagement_id, "Hello", now_ms=NOW_MS + 2)
    post(bot, engagement_id, "You said: Hello")
    view = emulator.end_user_view(engagement_id)
    assert view == EndUserView(
        view.version,
        engagement_id,
        "ACTIVE",
        "12",
        False,
        False,
        (
            TranscriptEntry("END_USER", "MESSAGE", NOW_MS + 2, "Hello"),
            TranscriptEntry("AGENT", "MESSAGE", NOW_MS, "You said: Hello"),
        ),
    )
    # Typing changes nothing the end user sees: the version stays.
    emulator.end_user_types(engagement_id, "More", now_ms=NOW_MS + 3)
    assert emulator.end_user_view(engagement_id).version == view.version


@pytest.mark.parametrize(
    ("mode", "preview", "typing"),
    [
        (cp.InteractionMode.RESPONDING, None, True),
        (cp.InteractionMode.RESPONDING, "Let me", True),
        (cp.InteractionMode.LISTENING, None, False),
        (cp.InteractionMode.RESPONDING, "", False),
    ],
)
def test_the_agent_types_until_it_posts(mode: cp.InteractionMode, preview: str | None, typing: bool) -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    bot = open_driver(emulator)
    ready(bot)
    accept(bot, engagement_id)
    signal = cp.ActivitySignalChangeRequest(client_id=1, engagement_id=engagement_id, mode=mode, sneak_preview=preview)
    bot.ok(signal)
    assert emulator.end_user_view(engagement_id).agent_typing is typing
    post(bot, engagement_id)
    assert emulator.end_user_view(engagement_id).agent_typing is False


def test_leaving_ends_the_view() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    wakes = woken(emulator)
    held = get(emulator, view_path(engagement_id), "after=1")
    assert held.hold is not None
    assert post_control(emulator, f"/emulator/engagements/{engagement_id}/end-user/leave").status == 200
    assert wakes == [held.hold.poll_id]
    assert emulator.answer_poll(held.hold.poll_id, now_ms=NOW_MS).body == EndUserView(
        2, engagement_id, "RELEASED", None, True, False, (TranscriptEntry("END_USER", "LEFT", NOW_MS),)
    )


def test_two_pages_of_one_chat_wake_together_and_a_page_hung_up_is_forgotten() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    wakes = woken(emulator)
    first, second, gone = (get(emulator, view_path(engagement_id), "after=1").hold for _ in range(3))
    assert first is not None
    assert second is not None
    assert gone is not None
    emulator.release_poll(gone.poll_id)
    emulator.conclude_engagement(engagement_id, now_ms=NOW_MS)
    assert wakes == [first.poll_id, second.poll_id]
    with pytest.raises(EmulatorError):
        emulator.answer_poll(gone.poll_id, now_ms=NOW_MS)


def test_without_a_wake_listener_a_change_wakes_nothing() -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    held = get(emulator, view_path(engagement_id), "after=1")
    assert held.hold is not None
    emulator.end_user_says(engagement_id, "Hello", now_ms=NOW_MS)
    assert emulator.answer_poll(held.hold.poll_id, now_ms=NOW_MS).body.version == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("after=x", "after: a version number is required, not 'x'"),
        ("after=", "after: a version number is required, not ''"),
        ("after=1&after=-1", "after: a version number is required, not '-1'"),
        ("after=" + "9" * 20, "after: a version number is required, not '" + "9" * 20 + "'"),
        ("since=1", "'since': the only query parameter taken is after"),
    ],
)
def test_a_bad_query_is_400(query: str, message: str) -> None:
    emulator = Emulator()
    engagement_id = emulator.queue_engagement()
    for path in (view_path(engagement_id), "/emulator/overview"):
        reply = get(emulator, path, query)
        assert (reply.status, reply.body) == (400, ErrorBody("INVALID_FIELD", message))


def test_an_unknown_engagement_has_no_view() -> None:
    reply = get(Emulator(), view_path(9), "after=0")
    assert (reply.status, reply.body) == (404, ErrorBody("NOT_FOUND", "no engagement 9"))


def test_the_views_take_get_only() -> None:
    emulator = Emulator()
    for path in (view_path(1), "/emulator/overview", "/"):
        reply = post_control(emulator, path)
        assert (reply.status, reply.headers) == (405, (("Allow", "GET"),))


# -- The overview -------------------------------------------------------------------------------


def test_the_overview_shows_sessions_queue_engagements_and_the_agent_requests() -> None:
    emulator = Emulator()
    wakes = woken(emulator)
    assert encoded(get(emulator, "/emulator/overview", "after=0")) == {
        "version": 1,
        "sessions": [],
        "queue": [],
        "engagements": [],
        "requests": [],
    }
    held = get(emulator, "/emulator/overview", "after=1").hold
    assert held is not None
    engagement_id = emulator.queue_engagement(first_name="Ada")
    assert wakes == [held.poll_id]
    assert emulator.answer_poll(held.poll_id, now_ms=NOW_MS).body == Overview(
        2, (), (engagement_id,), (EngagementSummary(engagement_id, "QUEUED", "Ada", None),), ()
    )
    bot = open_driver(emulator)
    ready(bot)
    overview = emulator.overview()
    line = "POST /engagement/api/agent/day001_221100_sql_001h/v1/{}?pool=297:1 HTTP/1.1"
    assert overview == Overview(
        overview.version,
        (SessionSummary("12", "<21 chars ...01>", "AVAILABLE", "297:1", (1,), False),),
        (),
        (EngagementSummary(engagement_id, "OFFERED", "Ada", "12"),),
        (
            RequestSummary(NOW_MS, line.format("setActivityStatus"), 200),
            RequestSummary(NOW_MS, line.format("requestAssignment"), 200),
        ),
    )
    # The page's own requests are not among the last requests, and change nothing.
    get(emulator, "/emulator/overview", "after=0")
    get(emulator, view_path(engagement_id), "after=0")
    assert emulator.overview() == overview


def test_a_held_agent_poll_shows_once_answered_or_hung_up() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    line = "POST /engagement/api/agent/day001_221100_sql_001h/v1/getMessages?pool=297:1 HTTP/1.1"
    polling = bot.send(cp.GetMessagesRequest())
    assert emulator.overview().sessions[0].polling is True
    assert emulator.overview().requests == ()
    polling.expire()
    assert emulator.overview().requests == (RequestSummary(NOW_MS, line, 200),)
    assert emulator.overview().sessions[0].polling is False
    hung_up = bot.send(cp.GetMessagesRequest())
    emulator.release_poll(hung_up.poll_id)
    assert emulator.overview().requests[-1] == RequestSummary(NOW_MS, line, None)


def test_a_dropped_answer_shows_no_status() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    engagement_id = emulator.start_engagement(bot.session.session_id or "")
    emulator.set_faults(FaultPlan(close_before_record=1.0))
    post_reply = bot.send(cp.PostMessageRequest("Hi", engagement_id, cp.DestinationType.ENGAGEMENT)).reply
    assert post_reply.drop
    emulator.set_faults(FaultPlan(drop_poll=1.0))
    emulator.end_user_says(engagement_id, "Hello", now_ms=NOW_MS)
    assert bot.send(cp.GetMessagesRequest()).reply.drop
    assert [request.status for request in emulator.overview().requests] == [None, None]


def test_the_last_requests_are_bounded() -> None:
    emulator = Emulator()
    bot = open_driver(emulator)
    for _ in range(25):
        bot.ok(cp.ActivityStatusChangeRequest(status=cp.AgentStatus.AVAILABLE, sub_type_id=21))
    assert len(emulator.overview().requests) == 20


def test_control_calls_in_process_wake_the_overview() -> None:
    emulator = Emulator()
    wakes = woken(emulator)
    for call in (
        lambda: emulator.open_session("12"),
        lambda: emulator.take_over(only_session(emulator)),
        lambda: emulator.start_engagement(only_session(emulator)),
    ):
        hold = get(emulator, "/emulator/overview", f"after={emulator.overview().version}").hold
        assert hold is not None
        call()
        assert wakes == [hold.poll_id]
        emulator.answer_poll(hold.poll_id, now_ms=NOW_MS)
        wakes.clear()
    # A pool move shows once the session's poll delivers it.
    hold = get(emulator, "/emulator/overview", f"after={emulator.overview().version}").hold
    assert hold is not None
    emulator.move_pool(only_session(emulator), "297:2")
    assert wakes == []


def only_session(emulator: Emulator) -> str:
    # The overview redacts session ids, a credential; the emulator's state knows them.
    [session_id] = emulator._store.sessions
    return session_id


# -- The page's files ----------------------------------------------------------------------------


def test_the_page_files_are_served_with_their_content_types() -> None:
    emulator = Emulator()
    emulator.set_page_files(FILES)
    for path, (_, content_type) in PAGE_FILES.items():
        assert get(emulator, path) == Reply(body=FILES[path], headers=(("Content-Type", content_type),))


def test_the_page_is_404_until_the_loop_gives_its_files() -> None:
    reply = get(Emulator(), "/")
    assert (reply.status, reply.body) == (
        404,
        ErrorBody("NOT_FOUND", "no page file at '/': the server loop serves the page"),
    )
    assert get(Emulator(), "/index.html").status == 404


def test_only_the_page_paths_may_be_given() -> None:
    with pytest.raises(cp.LocalProtocolError, match=r"not a path of the chat page: \['/x'\]"):
        Emulator().set_page_files({"/x": b""})


def test_a_content_type_given_replaces_the_json_one_byte_for_byte() -> None:
    server = cp.ServerConnection()
    server.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    data = server.send_response(200, b"<p>", headers=(("content-type", "text/html; charset=utf-8"),))
    assert data == b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-type: text/html; charset=utf-8\r\n\r\n<p>"


def test_the_package_ships_the_page_and_the_wheel_has_it() -> None:
    files = page_files()
    assert files["/"].startswith(b"<!doctype html>")
    assert b"/page.css" in files["/"]
    assert b"/page.js" in files["/"]
    assert {name for name, _ in PAGE_FILES.values()} == {"index.html", "page.css", "page.js"}
    for text in files.values():
        # No CDN, no web font: the page needs nothing but the emulator.
        assert b"http://" not in text
        assert b"https://" not in text
        assert b"@font-face" not in text


# -- Over a socket ----------------------------------------------------------------------------


def test_the_page_and_a_held_view_over_a_socket() -> None:
    with BackgroundEmulator(port=0) as server, httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as client:
        page = client.get("/")
        assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert page.content == (ROOT / "src/transports/chat_page/index.html").read_bytes()
        assert client.get("/page.js").headers["content-type"] == "text/javascript; charset=utf-8"
        assert client.get("/page.css").headers["content-type"] == "text/css; charset=utf-8"
        engagement_id = client.post("/emulator/engagements", json={"firstName": "Ada"}).json()["engagementId"]
        assert client.get(view_path(engagement_id), params={"after": 0}).json()["version"] == 1
        answers: list[httpx.Response] = []
        waiting = threading.Thread(
            target=lambda: answers.append(client.get(view_path(engagement_id), params={"after": 1}))
        )
        waiting.start()
        # The view is held until the end user says something.
        for _ in range(10_000):  # until the poll is held: a bound, not a timing
            if server.call(lambda: bool(server.emulator._page._watches)):
                break
            threading.Event().wait(0.001)
        with httpx.Client(base_url=server.url, timeout=NETWORK_TIMEOUT) as other:
            other.post(f"/emulator/engagements/{engagement_id}/end-user/messages", json={"body": "Hello"})
        waiting.join(NETWORK_TIMEOUT)
        [answer] = answers
        assert answer.json()["version"] == 2
        assert answer.json()["transcript"] == [
            {
                "sender": "END_USER",
                "kind": "MESSAGE",
                "timeMs": answer.json()["transcript"][0]["timeMs"],
                "body": "Hello",
            }
        ]
