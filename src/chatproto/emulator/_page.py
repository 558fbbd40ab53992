"""What the emulator's chat page shows, as pure logic: the end user's view of one engagement,
the overview of the side panel, the last agent requests, and the long polls that wait for them.

The page (``transports/chat_page``) is plain HTML and a small script.  It
reads two views, each through a long poll held as a getMessages poll is
(`Hold`):

- ``GET /emulator/engagements/{id}/end-user/view?after=N``: `EndUserView`, what
  the person playing the end user sees (where the chat is, who took it, what
  both sides said, whether the agent is typing);
- ``GET /emulator/overview?after=N``: `Overview`, the side panel (agent
  sessions, their status and pool, the queue, the engagements, the last
  agent API requests).

Each view has a version per engagement (and one for the overview) that goes
up by one each time what the view shows changes.  A poll whose ``after`` is
below the version in force answers at once; otherwise it is held until the
view changes (the wake listener names its poll id) or ``PAGE_HOLD_MS`` pass,
and then answers the view as it is (the same version after a quiet hold).
The first poll of a page names ``after=0`` and answers at once: versions
start at 1.

What the end user types is left out of `EndUserView`: it is theirs already,
and a view that changed with each keystroke would answer each poll at once.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping

import msgspec

from .._codec import encode
from .._identity import redact
from ._store import Engagement, Store
from ._types import EmulatorError, EngagementStatus, Hold, Reply, TranscriptEntry

#: How long a page's poll is held when its view does not change: under the 30 s that
#: proxies and browsers are known to keep an idle request, and independent of
#: ``poll_hold_ms``, which tests set to 0 (a page polling with no hold would spin).
PAGE_HOLD_MS = 25_000
#: The agent API requests the side panel lists, newest last.
RECENT_REQUESTS_KEPT = 20
#: The page's files: path -> (file name in the package's ``chat_page``, Content-Type).
PAGE_FILES: Mapping[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
}
#: What an agent's typing entry says when the agent is not composing anything.
_NOT_TYPING = frozenset({"", "NONE", "LISTENING"})
_OVERVIEW = "overview"


class EndUserView(msgspec.Struct, frozen=True, rename="camel"):
    """What the end user of one engagement sees (``GET /emulator/engagements/{id}/end-user/view``).

    Attributes:
        version: goes up by one each time anything below changes (from 1).
        engagement_id: the engagement.
        status: where it is in its life (`EngagementStatus`).
        agent_id: the agent whose session holds it (offered or active), None while queued.
        end_user_left: whether the end user has left.
        agent_typing: whether the agent's last word was that it is composing
            (setInteractionStatus ``RESPONDING`` or a sneak preview).
        transcript: what both sides did, in order, without the end user's own typing.
    """

    version: int
    engagement_id: int
    status: str
    agent_id: str | None
    end_user_left: bool
    agent_typing: bool
    transcript: tuple[TranscriptEntry, ...]


class SessionSummary(msgspec.Struct, frozen=True, rename="camel"):
    """One agent session in the side panel; its id is a credential, shown redacted."""

    agent_id: str
    session: str
    status: str
    pool: str
    engagements: tuple[int, ...]
    polling: bool


class EngagementSummary(msgspec.Struct, frozen=True, rename="camel"):
    """One engagement in the side panel."""

    engagement_id: int
    status: str
    first_name: str | None
    agent_id: str | None


class RequestSummary(msgspec.Struct, frozen=True, rename="camel"):
    """One agent API request in the side panel: the access log's request line, and its status."""

    time_ms: int
    line: str
    status: int | None


class Overview(msgspec.Struct, frozen=True, rename="camel"):
    """The side panel (``GET /emulator/overview``).

    Attributes:
        version: goes up by one each time anything below changes (from 1).
        sessions: the live agent sessions, oldest first.
        queue: the engagements waiting for an agent, in the order they are offered.
        engagements: every engagement, oldest first.
        requests: the last ``RECENT_REQUESTS_KEPT`` agent API and site requests,
            newest last; a held poll shows once it is answered.
    """

    version: int
    sessions: tuple[SessionSummary, ...]
    queue: tuple[int, ...]
    engagements: tuple[EngagementSummary, ...]
    requests: tuple[RequestSummary, ...]


class _Watch:
    """A page's held poll: which view it waits on (an engagement id or the overview)."""

    __slots__ = ("key",)

    def __init__(self, key: int | str) -> None:
        self.key = key


class PageViews:
    """The page's views of one emulator's state, their versions, and the page's held polls.

    Args:
        store: the state the views show.
        new_poll_id: returns a fresh poll id, from the same count as getMessages polls, so
            that the server loop's wake listener can name either kind.
    """

    def __init__(self, store: Store, new_poll_id: Callable[[], int]) -> None:
        self._store = store
        self._new_poll_id = new_poll_id
        self._watches: dict[int, _Watch] = {}
        # key -> (version, a digest of the view at that version, encoded with version 0): a
        # transcript may be megabytes, and only whether it changed matters here.
        self._versions: dict[int | str, tuple[int, bytes]] = {}
        self.files: Mapping[str, bytes] = {}
        self.requests: deque[RequestSummary] = deque(maxlen=RECENT_REQUESTS_KEPT)

    # -- The views ------------------------------------------------------------------------------

    def end_user_view(self, engagement_id: int) -> EndUserView:
        """The end user's view of the engagement as it is now.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        engagement = self._store.engagements.get(engagement_id)
        if engagement is None:
            raise EmulatorError(404, "NOT_FOUND", f"no engagement {engagement_id}")
        view = _end_user_view(engagement)
        return msgspec.structs.replace(view, version=self._version(engagement_id, view))

    def overview(self) -> Overview:
        """The side panel as it is now."""
        view = self._overview()
        return msgspec.structs.replace(view, version=self._version(_OVERVIEW, view))

    def note_request(self, line: str, status: int | None, now_ms: int) -> None:
        """An agent API or site request was answered (``status`` None: closed unanswered)."""
        self.requests.append(RequestSummary(now_ms, line, status))

    # -- Long polls -----------------------------------------------------------------------------

    def watch_end_user_view(self, engagement_id: int, after: int) -> Reply:
        """The end user's view now if its version is past ``after``, else a `Hold` for it.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        view = self.end_user_view(engagement_id)
        return Reply(body=view) if view.version > after else self._hold(engagement_id)

    def watch_overview(self, after: int) -> Reply:
        """The side panel now if its version is past ``after``, else a `Hold` for it."""
        view = self.overview()
        return Reply(body=view) if view.version > after else self._hold(_OVERVIEW)

    def holds(self, poll_id: int) -> bool:
        """Whether ``poll_id`` is one of the page's held polls (not a getMessages poll)."""
        return poll_id in self._watches

    def answer(self, poll_id: int) -> Reply:
        """The answer to a page poll once woken or expired: its view as it is now."""
        watch = self._watches.pop(poll_id)
        if isinstance(watch.key, str):
            return Reply(body=self.overview())
        # Engagements are never forgotten, so the one it watched is still there.
        return Reply(body=self.end_user_view(watch.key))

    def release(self, poll_id: int) -> None:
        """Forget a page poll whose client hung up."""
        del self._watches[poll_id]

    def refresh(self) -> None:
        """Wake each held poll whose view changed: called after anything that may change state."""
        if not self._watches:
            return
        changed: dict[int | str, bool] = {}
        for poll_id, watch in list(self._watches.items()):
            if watch.key not in changed:
                changed[watch.key] = self._changed(watch.key)
            if changed[watch.key] and self._store.wake is not None:
                self._store.wake(poll_id)

    def _hold(self, key: int | str) -> Reply:
        poll_id = self._new_poll_id()
        self._watches[poll_id] = _Watch(key)
        return Reply(hold=Hold(poll_id, PAGE_HOLD_MS))

    def _changed(self, key: int | str) -> bool:
        before = self._versions[key][0]
        after = self.overview().version if isinstance(key, str) else self.end_user_view(key).version
        return after != before

    def _version(self, key: int | str, view: msgspec.Struct) -> int:
        """The version of ``view`` (built with version 0): the last one, or one more if it changed."""
        shown = hashlib.blake2b(encode(view), digest_size=16).digest()
        version, last = self._versions.get(key, (0, b""))
        if shown != last:
            version += 1
            self._versions[key] = (version, shown)
        return version

    def _overview(self) -> Overview:
        store = self._store
        return Overview(
            version=0,
            sessions=tuple(
                SessionSummary(
                    agent_id=session.agent_id,
                    session=redact(session.session_id),
                    status=session.status.value,
                    pool=session.pool,
                    engagements=tuple(session.engagements),
                    polling=session.poll is not None,
                )
                for session in store.sessions.values()
            ),
            queue=tuple(store.queue),
            engagements=tuple(
                EngagementSummary(
                    engagement_id=engagement.engagement_id,
                    status=engagement.status.value,
                    first_name=engagement.user_properties.get("FIRST_NAME"),
                    agent_id=engagement.agent_id,
                )
                for engagement in store.engagements.values()
            ),
            requests=tuple(self.requests),
        )


def _end_user_view(engagement: Engagement) -> EndUserView:
    shown = tuple(_shown_entries(engagement.transcript))
    last = shown[-1] if shown else None
    agent_typing = (
        last is not None
        and last.sender == "AGENT"
        and last.kind == "TYPING"
        and (last.body or "") not in _NOT_TYPING
        and engagement.status is EngagementStatus.ACTIVE
    )
    return EndUserView(
        version=0,
        engagement_id=engagement.engagement_id,
        status=engagement.status.value,
        agent_id=engagement.agent_id,
        end_user_left=engagement.end_user_left,
        agent_typing=agent_typing,
        transcript=shown,
    )


def _shown_entries(transcript: list[TranscriptEntry]) -> Iterator[TranscriptEntry]:
    for entry in transcript:
        if not (entry.sender == "END_USER" and entry.kind == "TYPING"):
            yield entry
