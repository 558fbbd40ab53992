"""Every client kind behind one blocking face, and the echo bot the bot-loop tests run on each.

The sync client is used as it is.  An async client lives in an event loop in
a helper thread (an anyio blocking portal, on asyncio or trio): it is made
there, each of its methods is called there, and its poll loop is iterated
there, one ``__anext__`` per message, so that one test body drives all four.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from transport_clients import KINDS

import chatproto as cp


class PortalLoop:
    """An async client's `messages()` loop, iterated from blocking code."""

    def __init__(self, portal: BlockingPortal, loop: Any) -> None:
        self._portal = portal
        self.loop = loop

    def __iter__(self) -> PortalLoop:
        return self

    def __next__(self) -> cp.Message:
        async def step() -> tuple[bool, Any]:
            try:
                return True, await self.loop.__anext__()
            except StopAsyncIteration:
                return False, None

        more, message = self._portal.call(step)
        if not more:
            raise StopIteration
        return message  # type: ignore[no-any-return]

    def close(self) -> None:
        self._portal.call(self.loop.aclose)

    def __enter__(self) -> PortalLoop:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Face:
    """A client of any kind, as blocking calls: its methods, `messages()` and `close()`."""

    def __init__(self, client: Any, portal: BlockingPortal | None) -> None:
        self.client = client
        self.portal = portal

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if self.portal is None or not inspect.iscoroutinefunction(attr):
            return attr
        portal = self.portal
        return lambda *args, **kwargs: portal.call(functools.partial(attr, *args, **kwargs))

    def messages(self, **options: Any) -> Any:
        loop = self.client.messages(**options)
        return loop if self.portal is None else PortalLoop(self.portal, loop)

    def close(self) -> None:
        if self.portal is None:
            self.client.close()
        else:
            self.portal.call(self.client.aclose)


class Faces:
    """Makes clients of one kind (``for_site`` or the constructor) and closes them all at the end."""

    def __init__(self, kind: str, portal: BlockingPortal | None) -> None:
        self.kind = kind
        self.client_class: Any = KINDS[kind][0].AgentClient
        self.portal = portal
        self._made: list[Face] = []

    def _make(self, make: Callable[[], Any]) -> Face:
        client = make() if self.portal is None else self.portal.call(make)
        face = Face(client, self.portal)
        self._made.append(face)
        return face

    def for_site(self, site_url: str, **options: Any) -> Face:
        return self._make(functools.partial(self.client_class.for_site, site_url, **options))

    def __call__(self, url: str, **options: Any) -> Face:
        return self._make(functools.partial(self.client_class, url, **options))

    def close_all(self) -> None:
        for face in self._made:
            face.close()


@contextlib.contextmanager
def faces(kind: str) -> Iterator[Faces]:
    backend = KINDS[kind][1]
    if backend is None:
        made = Faces(kind, None)
        try:
            yield made
        finally:
            made.close_all()
        return
    with start_blocking_portal(backend) as portal:
        made = Faces(kind, portal)
        try:
            yield made
        finally:
            made.close_all()


def echo_bot(
    client: Face, *, end_user: Callable[[cp.Message], None] = lambda message: None, **loop_options: Any
) -> list[cp.Message]:
    """The whole loop of an echo bot: log on, become available, and serve one engagement.

    It accepts the offer, answers each end-user message with ``You said:
    <text>``, and when the end user leaves concludes, releases and logs
    off, which ends the loop.  ``end_user`` is called with each message
    once the bot has handled it (the test plays the end user there).  The
    messages the loop gave, in order.
    """
    client.log_on()
    client.set_activity_status(cp.AgentStatus.AVAILABLE)
    client.request_assignment(max_sessions=1)
    seen: list[cp.Message] = []
    for message in client.messages(**loop_options):
        seen.append(message)
        if isinstance(message, cp.ChatEngagementAssignmentNotification):
            assert message.engagement_id is not None
            client.accept(message.engagement_id)
        elif isinstance(message, cp.ChatPostMessage) and message.sender_type == cp.DestinationType.END_USER:
            assert message.engagement_id is not None
            client.post_message(f"You said: {message.body}", destination_id=message.engagement_id)
        elif isinstance(message, cp.ChatDisconnectNotification):
            assert message.engagement_id is not None
            client.conclude(message.engagement_id)
            client.release(message.engagement_id)
            client.log_off()
        end_user(message)
    return seen
